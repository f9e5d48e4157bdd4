"""Masks personal data in a customer's message before a trainer sees it or it goes into data/.

Patterns find what has a shape (email addresses, phone numbers, order and repair references,
postcodes, street addresses); spaCy's named-entity recogniser finds people's names, helped by
the way customers introduce themselves ("my name is ...", "call me ...") and by the names the
memory already knows for the customer. Each finding is replaced by a placeholder such as
`<email>`, so the message still reads as a sentence and trains as one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

EMAIL = "email"
PHONE = "phone"
REFERENCE = "reference"
ADDRESS = "address"
NAME = "name"
KINDS = (EMAIL, PHONE, REFERENCE, ADDRESS, NAME)

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (EMAIL, re.compile(r"[^\s@<>(),;:\"']+@[^\s@<>(),;:\"']+\.[A-Za-z]{2,}")),
    # Order numbers (#A1234, 51234), the workshop's references (R2041), references booked in
    # the chat (R-7KQ2M9XA): letters and digits mixed, or five digits after an optional #.
    (
        REFERENCE,
        re.compile(
            r"#\s?[A-Za-z0-9-]{4,12}\b|\b[A-Za-z]{1,2}-?(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{4,10}\b"
            r"|\b\d{5}\b"
        ),
    ),
    # UK postcodes (BS6 5QA), then house number and street ("12 Gloucester Road").
    (ADDRESS, re.compile(r"\b[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}\b")),
    (
        ADDRESS,
        re.compile(
            r"\b\d{1,4}[a-z]?,?\s+(?:[A-Za-z'-]+\s+){1,3}"
            r"(?:street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|place|pl|crescent|"
            r"terrace|grove|gardens|court|hill|square|park|row|walk|mews)\b\.?",
            re.IGNORECASE,
        ),
    ),
    # Phone numbers: 9 to 15 digits, with spaces, dots, dashes or brackets between them.
    (PHONE, re.compile(r"(?<![\w#])\+?\(?\d[\d\s().-]{7,18}\d(?!\w)")),
)
# How customers introduce themselves: the words after these are a name.
INTRODUCTIONS = re.compile(
    r"\b(?i:my name is|my name's|name's|call me|this is|i am|i'm|im|it's|its"
    r"|hi|hello|hey|dear|thanks|thank you|cheers|bye)[,!]?\s+"
    r"(?!(?:There|All|Team|Everyone|Folks|Again|Back|Here|Now|I)\b)"
    r"(?P<name>[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)"
)
# Typed in lower case, a name is only taken after the plainest introductions.
NAME_TRIGGERS = re.compile(r"\b(?:my name is|my name's)\s+(?P<name>[a-z][a-z'-]+)")
SPACY_NAME_LABELS = ("PERSON",)
BATCH = 64  # texts per batch through the language model
PLACEHOLDER = re.compile(r"<(?:" + "|".join(KINDS) + r")>")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str


def placeholder(kind: str) -> str:
    return f"<{kind}>"


@dataclass
class Masker:
    """Finds and masks personal data. `keep` are words never masked as a name (the shop's
    products and brands, read from the business file); `language` returns a spaCy pipeline
    with NER, loaded on first use (None: patterns only)."""

    keep: Iterable[str] = ()
    language: Callable[[], Any] | None = None
    _keep: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self._keep = {word.lower() for word in self.keep if word}

    def spans(self, text: str, known_names: Iterable[str] = (), doc: Any = None) -> list[Span]:
        """The personal data in `text`, left to right, overlaps merged (`doc`: the text
        already run through the language pipeline, when masking many at once)."""
        found: list[Span] = []
        for kind, pattern in PATTERNS:
            for match in pattern.finditer(text):
                if kind == PHONE and sum(c.isdigit() for c in match.group()) < 9:
                    continue
                if kind == REFERENCE and match.group().lstrip("#").strip().lower() in self._keep:
                    continue  # a product's model name (in the catalogue) is no order number
                found.append(Span(match.start(), match.end(), kind))
        for pattern in (INTRODUCTIONS, NAME_TRIGGERS):
            for match in pattern.finditer(text):
                name = match.group("name")
                if name.lower() not in self._keep:
                    found.append(Span(match.start("name"), match.end("name"), NAME))
        for name in known_names:
            name = name.strip()
            if len(name) < 2:
                continue
            for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE):
                found.append(Span(match.start(), match.end(), NAME))
        if doc is None and self.language is not None:
            doc = self.language()(text)
        if doc is not None:
            for entity in doc.ents:
                # On lower-case chat ("wen r u lot open") the small model finds people in
                # words that are none: a name it finds must be written with a capital.
                capitalised = any(word[:1].isupper() for word in entity.text.split())
                if (
                    entity.label_ in SPACY_NAME_LABELS
                    and capitalised
                    and not self._kept(entity.text)
                ):
                    found.append(Span(entity.start_char, entity.end_char, NAME))
        return _merged(found)

    def _kept(self, words: str) -> bool:
        lowered = words.lower()
        return lowered in self._keep or any(part in self._keep for part in lowered.split())

    def mask(self, text: str, known_names: Iterable[str] = (), doc: Any = None) -> str:
        """`text` with each piece of personal data replaced by its placeholder."""
        masked = text
        for span in reversed(self.spans(text, known_names, doc)):
            masked = masked[: span.start] + placeholder(span.kind) + masked[span.end :]
        return masked

    def mask_many(self, texts: Sequence[tuple[str, Iterable[str]]]) -> list[str]:
        """Each (text, known names) masked; the language model reads them in batches."""
        if self.language is None:
            return [self.mask(text, names) for text, names in texts]
        docs = self.language().pipe((text for text, _ in texts), batch_size=BATCH)
        return [self.mask(text, names, doc) for (text, names), doc in zip(texts, docs, strict=True)]


def _merged(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            if span.end > last.end:
                merged[-1] = Span(last.start, span.end, last.kind)
            continue
        merged.append(span)
    return merged


def spacy_pipeline() -> Any:
    """Rapport's English pipeline with its named-entity recogniser only (it has its own token
    vectors), loaded once: four times faster than the whole pipeline."""
    from voice import language

    return language.load(
        exclude=("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
    )
