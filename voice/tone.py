"""The tone guard: finds criticism, defensiveness, contempt and stonewalling in a text.

The rules live in `voice/tone_rules.yml`, a data file a trainer can read and extend: each rule has
a kind, a plain-English description, spaCy Matcher or DependencyMatcher patterns (over lemmas,
parts of speech and dependency labels, so that "you should receive your refund" and "you should
have checked the size" are told apart), and a better phrasing to suggest. See docs/tone.md.

A process builds its guards once, in its composition root (`build_guard()`: rules and classifier,
for people writing freely; `build_rules_guard()`: rules alone, for the bot's own words), and
uses `guard.check(text)` for a verdict, `guard.check_many(texts)` for a batch, and
`guard.safe_text(text, fallback)` for text built at run time, which must never reach a customer
when it fails the guard.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from spacy.language import Language
from spacy.matcher import DependencyMatcher, Matcher
from spacy.tokens import Doc, Span, Token

from voice import language, tone_classifier
from voice.tone_classifier import ToneClassifier

RULES_PATH = tone_classifier.RULES_PATH
KINDS = (
    "criticism",
    "blame",
    "defensiveness",
    "disowning",
    "comparison",
    "contempt",
    "sarcasm",
    "stonewalling",
)
SPAN_MODES = ("match", "clause", "sentence")
RULE_KEYS = {
    "id",
    "kind",
    "description",
    "suggestion",
    "patterns",
    "dependency_patterns",
    "unless",
    "span",
    "whole_sentence",
    "only_without_next_step",
    "replacement",
}
NEXT_STEP_KEYS = {"description", "patterns", "dependency_patterns"}
# Matcher keys of the next-step patterns and of each rule's exceptions.
NEXT_STEP_KEY = "next-step"
CLOSING_KEY = "closing-question"
UNLESS_PREFIX = "unless:"

log = logging.getLogger(__name__)


class ToneRulesError(ValueError):
    """The tone rules file cannot be used; the message names the rule and what is wrong."""


@dataclass(frozen=True)
class ToneRule:
    """One way of hurting a relationship, as a trainer described it in the rules file."""

    id: str
    kind: str
    description: str
    suggestion: str
    patterns: tuple[Any, ...] = ()
    dependency_patterns: tuple[Any, ...] = ()
    # Dependency patterns anchored on the same token as the match; any of them cancels it.
    unless: tuple[Any, ...] = ()
    span: str = "match"
    # The match must be the whole sentence (bar punctuation), as in a bare "No."
    whole_sentence: bool = False
    # A refusal is a dead end only when the text offers no next step anywhere.
    only_without_next_step: bool = False
    # What replaces the offending words, with {subject} from the draft (else the kind's own).
    replacement: str = ""


@dataclass(frozen=True)
class KindWording:
    """What the rules file says about one kind: advice and the replacement for its words."""

    advice: str = ""
    replacement: str = ""


@dataclass(frozen=True)
class ToneRuleBook:
    """The rules and the patterns that recognise a next step (a question, an offer, a person)."""

    rules: tuple[ToneRule, ...]
    next_step_patterns: tuple[Any, ...] = ()
    next_step_dependency_patterns: tuple[Any, ...] = ()
    kinds: dict[str, KindWording] = field(default_factory=dict)
    # Questions that close a chat ("Anything else?"): a next step in general, but no way forward
    # for what was refused, so they never excuse stonewalling.
    closing_question_patterns: tuple[Any, ...] = ()
    # Said instead of the draft's subject when it names none (e.g. "this").
    subject_fallback: str = "this"
    # Lemmas of nouns that are never the subject of a suggestion ("fault", "policy", ...).
    not_subjects: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Finding:
    """One relationship killer found in a text: its kind, the offending words, a better way.

    `span` (at `start`:`end`) is the offending words; `suggestion` is a sentence that keeps the
    draft's subject and replaces the sentence holding them (at `replaces_start`:`replaces_end`);
    `rewrite` is the whole draft with that replacement, the rest left as written; `advice` says
    why. `rule` is the rule's id, or "classifier" when the trained classifier found it.
    """

    kind: str
    span: str
    suggestion: str
    rule: str
    start: int
    end: int
    advice: str = ""
    rewrite: str = ""
    replaces_start: int = 0
    replaces_end: int = 0

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "span": self.span,
            "suggestion": self.suggestion,
            "advice": self.advice,
            "rewrite": self.rewrite,
        }


@dataclass(frozen=True)
class ToneVerdict:
    """The guard's verdict on one text; `ok` when nothing was found.

    `dropped` holds the stretches (start, end) of the other sentences of a flagged text that
    lean hurtful on their own ("Read the manual next time." after a finding): a rewrite leaves
    them out, so that using a suggestion never keeps them.
    """

    text: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    dropped: tuple[tuple[int, int], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def kinds(self) -> set[str]:
        return {finding.kind for finding in self.findings}

    @property
    def rewrite(self) -> str:
        """The text with the sentence of each finding replaced by its suggestion (one per
        sentence, the first finding's) and the dropped sentences left out, the rest as written;
        the text itself when it is ok."""
        return _rewritten(
            self.text,
            [(f.replaces_start, f.replaces_end, f.suggestion) for f in self.findings]
            + [(start, end, "") for start, end in self.dropped],
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "ok": self.ok,
            "findings": [finding.as_dict() for finding in self.findings],
            "rewrite": self.rewrite,
        }

    def describe(self) -> str:
        """One line per finding, for test failures and logs."""
        return "; ".join(
            f'{finding.kind} in "{finding.span}" (try: {finding.suggestion})'
            for finding in self.findings
        )


def _rewritten(text: str, changes: Sequence[tuple[int, int, str]]) -> str:
    """`text` with each (start, end, words) change made, from the end backwards; a change that
    overlaps one made already is skipped (the first of a sentence wins)."""
    if not changes:
        return text
    end = len(text) + 1
    for start, stop, words in sorted(changes, key=lambda change: (-change[0], change[1])):
        if stop <= end and stop > start:
            text = text[:start] + words + text[stop:]
            end = start
    # A sentence left out leaves its neighbours' spaces behind.
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _patterns(where: str, raw: object, key: str) -> tuple[Any, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, list) and item for item in raw):
        raise ToneRulesError(f"{where}: `{key}` must be a list of patterns, each a list")
    return tuple(raw)


def _rule(index: int, raw: object) -> ToneRule:
    if not isinstance(raw, dict):
        raise ToneRulesError(f"rule #{index + 1}: must be a mapping with id, kind, ...")
    where = f"rule {raw.get('id', f'#{index + 1}')!s}"
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise ToneRulesError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(RULE_KEYS)}"
        )
    for key in ("id", "kind", "description", "suggestion"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ToneRulesError(f"{where}: `{key}` is required and must be text")
    if raw["kind"] not in KINDS:
        raise ToneRulesError(f"{where}: kind `{raw['kind']}` is not one of {', '.join(KINDS)}")
    span = raw.get("span", "match")
    if span not in SPAN_MODES:
        raise ToneRulesError(f"{where}: span `{span}` is not one of {', '.join(SPAN_MODES)}")
    patterns = _patterns(where, raw.get("patterns"), "patterns")
    dependency_patterns = _patterns(where, raw.get("dependency_patterns"), "dependency_patterns")
    if not patterns and not dependency_patterns:
        raise ToneRulesError(f"{where}: needs `patterns` or `dependency_patterns`")
    for flag in ("whole_sentence", "only_without_next_step"):
        if not isinstance(raw.get(flag, False), bool):
            raise ToneRulesError(f"{where}: `{flag}` must be true or false")
    return ToneRule(
        id=raw["id"],
        kind=raw["kind"],
        description=" ".join(raw["description"].split()),
        suggestion=" ".join(raw["suggestion"].split()),
        patterns=patterns,
        dependency_patterns=dependency_patterns,
        unless=_patterns(where, raw.get("unless"), "unless"),
        span=span,
        whole_sentence=raw.get("whole_sentence", False),
        only_without_next_step=raw.get("only_without_next_step", False),
        replacement=_text(where, raw, "replacement"),
    )


def _text(where: str, raw: dict[str, Any], key: str) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise ToneRulesError(f"{where}: `{key}` must be text")
    if "{" in value.replace("{subject}", "").replace("{Subject}", ""):
        raise ToneRulesError(f"{where}: `{key}` may only use {{subject}} or {{Subject}}")
    return " ".join(value.split())


def _kinds(document: dict[str, Any]) -> dict[str, KindWording]:
    raw = document.get("kinds") or {}
    if not isinstance(raw, dict):
        raise ToneRulesError("`kinds` must map each kind to its advice and replacement")
    wording: dict[str, KindWording] = {}
    for kind, item in raw.items():
        where = f"kinds: {kind}"
        if kind not in KINDS:
            raise ToneRulesError(f"{where}: not one of {', '.join(KINDS)}")
        if not isinstance(item, dict) or set(item) - {"advice", "replacement"}:
            raise ToneRulesError(f"{where}: allowed keys are advice, replacement")
        wording[kind] = KindWording(_text(where, item, "advice"), _text(where, item, "replacement"))
    return wording


def parse_rules(document: object) -> ToneRuleBook:
    """Check and convert the parsed rules file; raise ToneRulesError naming the bad rule."""
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise ToneRulesError("the tone rules file must have a `rules:` list")
    rules = tuple(_rule(index, raw) for index, raw in enumerate(document["rules"]))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise ToneRulesError(f"rule {rule.id}: the id is used twice")
        seen.add(rule.id)
    next_step_tokens: list[Any] = []
    next_step_dependencies: list[Any] = []
    for index, raw in enumerate(document.get("next_step") or []):
        where = f"next_step #{index + 1}"
        if not isinstance(raw, dict) or set(raw) - NEXT_STEP_KEYS:
            raise ToneRulesError(f"{where}: allowed keys are {sorted(NEXT_STEP_KEYS)}")
        next_step_tokens += _patterns(where, raw.get("patterns"), "patterns")
        next_step_dependencies += _patterns(
            where, raw.get("dependency_patterns"), "dependency_patterns"
        )
    closing: list[Any] = []
    for index, raw in enumerate(document.get("closing_questions") or []):
        where = f"closing_questions #{index + 1}"
        if not isinstance(raw, dict) or set(raw) - {"description", "patterns"}:
            raise ToneRulesError(f"{where}: allowed keys are ['description', 'patterns']")
        closing += _patterns(where, raw.get("patterns"), "patterns")
    subjects = document.get("subjects") or {}
    if not isinstance(subjects, dict) or set(subjects) - {"fallback", "not_subjects"}:
        raise ToneRulesError("`subjects` allows `fallback` (text) and `not_subjects` (lemmas)")
    return ToneRuleBook(
        rules,
        tuple(next_step_tokens),
        tuple(next_step_dependencies),
        kinds=_kinds(document),
        closing_question_patterns=tuple(closing),
        subject_fallback=str(subjects.get("fallback") or "this"),
        not_subjects=frozenset(str(word).lower() for word in subjects.get("not_subjects") or ()),
    )


def load_rules(path: Path = RULES_PATH) -> ToneRuleBook:
    """Read the rules file; a missing or malformed file raises ToneRulesError (one line)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ToneRulesError(f"cannot read the tone rules {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise ToneRulesError(f"{path} is not valid YAML{line}") from error
    return parse_rules(document)


def _trim(span: Span) -> Span:
    """The span without punctuation or spaces at either end."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].is_punct or doc[start].is_space):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    return doc[start:end] if end > start else span


class ToneGuard:
    """Checks texts against the tone rules with one spaCy pipeline (load it once: `guard()`),
    and, when one is given, a trained classifier for what the rules cannot reach."""

    def __init__(
        self, nlp: Language, book: ToneRuleBook, classifier: ToneClassifier | None = None
    ) -> None:
        self.nlp = nlp
        self.book = book
        self.classifier = classifier
        self.rules = {rule.id: rule for rule in book.rules}
        self._matcher = Matcher(nlp.vocab, validate=True)
        self._dependency_matcher = DependencyMatcher(nlp.vocab, validate=True)
        for rule in book.rules:
            self._add(rule.id, rule.patterns, rule.dependency_patterns)
            if rule.unless:
                self._add(UNLESS_PREFIX + rule.id, (), rule.unless)
        self._add(NEXT_STEP_KEY, book.next_step_patterns, book.next_step_dependency_patterns)
        self._add(CLOSING_KEY, book.closing_question_patterns, ())

    def _add(self, key: str, patterns: Sequence[Any], dependency_patterns: Sequence[Any]) -> None:
        try:
            if patterns:
                self._matcher.add(key, list(patterns))
            if dependency_patterns:
                self._dependency_matcher.add(key, list(dependency_patterns))
        except (ValueError, KeyError, TypeError) as error:
            # spaCy lists every problem on its own "- [pattern -> ...]" line: show the first.
            lines = [line.strip() for line in str(error).splitlines() if line.strip()]
            detail = next(
                (line for line in lines if line.startswith("- [")), lines[0] if lines else ""
            )
            raise ToneRulesError(
                f'rule {key}: a pattern is not valid: {detail} (quote words such as "no", '
                '"true", "on" that YAML reads as something else)'
            ) from error

    def check(self, text: str) -> ToneVerdict:
        """The verdict on one text."""
        return self.check_many([text])[0]

    def check_many(self, texts: Iterable[str], batch_size: int = 64) -> list[ToneVerdict]:
        """The verdicts on many texts, parsed in batches."""
        return self.check_docs(list(self.nlp.pipe(texts, batch_size=batch_size)))

    def check_docs(self, docs: Sequence[Doc]) -> list[ToneVerdict]:
        """The verdicts on texts already parsed by this guard's pipeline (so that one parse
        serves several guards)."""
        if self.classifier is None:
            return [self._verdict(doc) for doc in docs]
        long_enough = [tone_classifier.long_enough(doc) for doc in docs]
        scores = iter(
            self.classifier.scores(doc for doc, ok in zip(docs, long_enough, strict=True) if ok)
        )
        return [
            self._verdict(doc, next(scores) if ok else None)
            for doc, ok in zip(docs, long_enough, strict=True)
        ]

    def check_rules_only(self, texts: Iterable[str | Doc]) -> list[bool]:
        """For each text (or text already parsed by this guard's pipeline), whether the rules
        alone find something (the classifier's training combines its scores with these)."""
        items = list(texts)
        unparsed = iter(self.nlp.pipe((t for t in items if isinstance(t, str)), batch_size=64))
        docs = [item if isinstance(item, Doc) else next(unparsed) for item in items]
        return [not self._verdict(doc).ok for doc in docs]

    def has_next_step(self, text: str) -> bool:
        """Whether the text leaves the customer a next step (a question, an offer, a person)."""
        doc = self.nlp(text)
        if len(self._matcher) and any(
            self.nlp.vocab.strings[match_id] == NEXT_STEP_KEY
            for match_id, _, _ in self._matcher(doc)
        ):
            return True
        return bool(len(self._dependency_matcher)) and any(
            self.nlp.vocab.strings[match_id] == NEXT_STEP_KEY
            for match_id, _ in self._dependency_matcher(doc)
        )

    def safe_text(self, text: str, fallback: str) -> str:
        """`text` when it passes the guard; otherwise `fallback`, and the findings are logged."""
        verdict = self.check(text)
        if verdict.ok:
            return text
        log.warning("tone guard replaced a text: %s | text: %r", verdict.describe(), text)
        return fallback

    def _verdict(
        self,
        doc: Doc,
        score: dict[str, float] | None = None,
        avoid: tuple[tuple[int, int], ...] = (),
    ) -> ToneVerdict:
        matches: list[tuple[str, Token, list[int]]] = []
        # An empty matcher warns on every call, so each runs only when it has patterns.
        if len(self._matcher):
            for match_id, start, end in self._matcher(doc):
                key = self.nlp.vocab.strings[match_id]
                matches.append((key, doc[start], list(range(start, end))))
        if len(self._dependency_matcher):
            for match_id, token_ids in self._dependency_matcher(doc):
                key = self.nlp.vocab.strings[match_id]
                matches.append((key, doc[token_ids[0]], sorted(token_ids)))
        # A refusal is excused by a way forward: a next step outside a closing question
        # ("We can't open on Sundays. Anything else?" is still a dead end).
        closing = {anchor.sent.start for key, anchor, _ in matches if key == CLOSING_KEY}
        has_next_step = any(
            key == NEXT_STEP_KEY and anchor.sent.start not in closing for key, anchor, _ in matches
        )
        cancelled = {
            (key.removeprefix(UNLESS_PREFIX), anchor.i)
            for key, anchor, _ in matches
            if key.startswith(UNLESS_PREFIX)
        }
        findings: list[Finding] = []
        for key, anchor, token_ids in matches:
            rule = self.rules.get(key)
            if rule is None or (rule.id, anchor.i) in cancelled:
                continue
            if rule.only_without_next_step and has_next_step:
                continue
            matched = doc[token_ids[0] : token_ids[-1] + 1]
            if rule.whole_sentence and _trim(matched.sent) != _trim(matched):
                continue
            findings.append(self._finding(rule, anchor, matched, avoid))
        if score is not None and self.classifier is not None:
            findings += self._classifier_findings(doc, score, findings, has_next_step, avoid)
        kept = _without_overlaps(findings)
        if not kept:
            return ToneVerdict(doc.text)
        dropped = self._leaning_hurtful(doc, kept)
        if dropped and not avoid:
            # The draft's subject is never taken from a sentence that goes.
            return self._verdict(doc, score, dropped)
        return ToneVerdict(
            doc.text,
            tuple(
                replace(
                    finding,
                    rewrite=_rewritten(
                        doc.text,
                        [(finding.replaces_start, finding.replaces_end, finding.suggestion)]
                        + [(start, end, "") for start, end in dropped],
                    ),
                )
                for finding in kept
            ),
            dropped,
        )

    def _leaning_hurtful(
        self, doc: Doc, findings: Sequence[Finding]
    ) -> tuple[tuple[int, int], ...]:
        """The stretches of the sentences, other than those of the findings, that the
        classifier flags when read alone: in a draft already found hurtful, the rest of the
        scolding ("... Read the manual next time.") goes with it when a suggestion is used."""
        if self.classifier is None:
            return ()
        sentences = [
            sentence
            for sentence in doc.sents
            if _trim(sentence).text.strip()
            and not any(
                finding.replaces_start < sentence.end_char
                and sentence.start_char < max(finding.replaces_end, finding.end)
                for finding in findings
            )
        ]
        judged = [
            sentence for sentence in sentences if tone_classifier.long_enough(sentence.as_doc())
        ]
        if not judged:
            return ()
        scores = self.classifier.scores(sentence.as_doc() for sentence in judged)
        return tuple(
            (sentence.start_char, sentence.end_char)
            for sentence, score in zip(judged, scores, strict=True)
            if self.classifier.kinds(score)
        )

    def _classifier_findings(
        self,
        doc: Doc,
        score: dict[str, float],
        found: list[Finding],
        has_next_step: bool,
        avoid: tuple[tuple[int, int], ...] = (),
    ) -> list[Finding]:
        """The kinds the classifier finds that the rules did not, each shown on the sentence
        that scores highest for it. A refusal with a next step is not stonewalling."""
        assert self.classifier is not None
        kinds = [
            kind
            for kind in self.classifier.kinds(score)
            if kind not in {finding.kind for finding in found}
            and not (kind == "stonewalling" and has_next_step)
        ]
        if not kinds:
            return []
        sentences = [_trim(sentence) for sentence in doc.sents if _trim(sentence).text.strip()]
        if not sentences:
            return []
        sentence_scores = (
            self.classifier.scores(sentence.as_doc() for sentence in sentences)
            if len(sentences) > 1
            else [score]
        )
        findings = []
        for kind in kinds:
            best = max(range(len(sentences)), key=lambda index: sentence_scores[index][kind])
            wording = self.book.kinds.get(kind, KindWording())
            findings.append(
                self._suggested(
                    kind, "classifier", wording.advice, wording.replacement, sentences[best], avoid
                )
            )
        return findings

    def _finding(
        self, rule: ToneRule, anchor: Token, matched: Span, avoid: tuple[tuple[int, int], ...]
    ) -> Finding:
        doc = matched.doc
        if rule.span == "sentence":
            shown = matched.sent
        elif rule.span == "clause":
            sentence = matched.sent
            start = max(min(anchor.left_edge.i, matched.start), sentence.start)
            end = min(max(anchor.right_edge.i + 1, matched.end), sentence.end)
            shown = doc[start:end]
        else:
            shown = matched
        replacement = rule.replacement or self.book.kinds.get(rule.kind, KindWording()).replacement
        return self._suggested(
            rule.kind, rule.id, rule.suggestion, replacement, _trim(shown), avoid
        )

    def _suggested(
        self,
        kind: str,
        rule: str,
        advice: str,
        replacement: str,
        shown: Span,
        avoid: tuple[tuple[int, int], ...] = (),
    ) -> Finding:
        """A finding whose suggestion replaces the sentence of the shown words and keeps the
        draft's subject."""
        doc = shown.doc
        sentence = _trim(shown.sent)
        replaces_end = sentence.end_char
        if replacement:
            subject = self._subject(shown, avoid)
            suggestion = replacement.replace("{subject}", subject).replace("{Subject}", subject)
            suggestion = suggestion[:1].upper() + suggestion[1:]
        else:
            suggestion = advice
        if suggestion[-1:] in (".", "?", "!"):
            # The suggestion brings its own full stop: the draft's goes with the sentence.
            replaces_end = shown.sent.start_char + len(shown.sent.text.rstrip())
        return Finding(
            kind=kind,
            span=shown.text,
            suggestion=suggestion,
            rule=rule,
            start=shown.start_char,
            end=shown.end_char,
            advice=advice,
            rewrite=doc.text[: sentence.start_char] + suggestion + doc.text[replaces_end:],
            replaces_start=sentence.start_char,
            replaces_end=replaces_end,
        )

    def _subject(self, shown: Span, avoid: tuple[tuple[int, int], ...] = ()) -> str:
        """What the draft is about: its first noun phrase that names a thing (a part, an
        order), looked for in the sentence of the shown words and then in the whole
        text, never in the stretches to `avoid` (sentences that go); the rules file's fallback
        ("this") when there is none."""
        for where in (shown.sent, shown.doc[:]):
            for chunk in where.noun_chunks:
                root = chunk.root
                if any(start <= chunk.start_char < end for start, end in avoid):
                    continue
                if root.pos_ not in ("NOUN", "PROPN") or root.lemma_.lower() in (
                    self.book.not_subjects
                ):
                    continue
                words = [token for token in chunk if token.dep_ != "predet"]
                first = words[0]
                end = chunk.end
                # "your e-bike", "the derailleur hanger": the parser may end the phrase early.
                while end < where.end and (
                    shown.doc[end].text == "-"
                    or shown.doc[end - 1].text == "-"
                    or shown.doc[end].pos_ in ("NOUN", "PROPN")
                ):
                    end += 1
                text = shown.doc[first.i : end].text
                if first.lower_ in ("our", "my"):
                    continue
                if first.pos_ != "PROPN" and not first.text.isupper():
                    text = text[:1].lower() + text[1:]
                return text
        return self.book.subject_fallback


def _without_overlaps(findings: list[Finding]) -> tuple[Finding, ...]:
    """One finding per kind and stretch of text: the widest, in the order of the text."""
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda item: (item.start, -(item.end - item.start))):
        if any(
            other.kind == finding.kind and finding.start < other.end and other.start < finding.end
            for other in kept
        ):
            continue
        kept.append(finding)
    return tuple(kept)


def build_guard() -> ToneGuard:
    """The full guard: the English pipeline, the rules file and the trained classifier (when
    it has been built; without it the rules work alone, with a logged warning). It coaches
    people writing freely (the agent console, `python -m bot tone`), where a false alarm costs
    one click. Loading takes seconds: a process builds it once (its composition root)."""
    return ToneGuard(language.load(), load_rules(), tone_classifier.load(KINDS))


def build_rules_guard() -> ToneGuard:
    """The guard on its rules alone, for the bot's own words: the shop's reviewed responses
    and what actions build from them. A false alarm there would replace a good answer with a
    generic one, so they are checked by the rules, which every response is tested against."""
    return ToneGuard(language.load(), load_rules())


def train_classifier(force: bool = False) -> tuple[Path, dict[str, Any]]:
    """Build the classifier's artefact for the corpus as it is now, unless it exists."""
    rules_only = build_rules_guard()
    return tone_classifier.build(rules_only.nlp, rules_only.check_rules_only, KINDS, force=force)
