"""What a customer asks us to change about one fact, read from their own words.

"no, my bike is a Trek" corrects the bike; "forget my bike" forgets it; "my name's Sam, not
Sammy" corrects the name. The reader says which kind of fact (and which size) and the new value;
it never guesses a kind the customer did not name, so the bot asks which thing they mean instead.
Plain Python (no language model): the action server runs it on every correction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The words a customer uses for each kind of fact -> (kind, key).
KIND_WORDS: tuple[tuple[str, tuple[str, str]], ...] = (
    (r"(?P<size>frame|shoe|jersey|helmet|glove|jacket|wheel)s? size", ("size", "")),
    (r"size", ("size", "")),
    (r"(?:bike|bicycle|ride|wheels|e-?bike)", ("bike", "")),
    (r"(?:first |full )?name", ("name", "")),
    (r"(?:goal|dream|aim|ambition|plan|target|challenge)", ("aspiration", "")),
    (r"(?:riding style|style of riding|kind of riding|type of riding)", ("riding_style", "")),
    (r"(?:order |repair |booking )?(?:reference|ref|order number)", ("reference", "")),
)
SIZE_KEYS = {"glove": "gloves"}
# "I ride a Trek", "I've got a Giant now": the bike, said without "my bike".
OWNING = r"(?:i\s+(?:actually\s+|now\s+|really\s+)?(?:ride|own|have|use)|i'?ve\s+got|i\s+got)"
FILLER = r"(?:actually|really|now|in fact|just|called|named)\s+"
ARTICLE = r"(?:a|an|the|my)\s+"
TRAILING = re.compile(
    r"(?:[\s,]+(?:not|rather than|instead of)\b.*|\s+(?:now|anymore|any more|these days|"
    r"actually|thanks|thank you|please|though|instead)\b.*)$",
    re.IGNORECASE,
)


# Where a name is said, most explicit first; and what a name looks like (a few words of letters).
NAME_SAID = (
    r"\bname(?:'s|\s+is|:)\s+(?P<value>.+)$",
    r"\b(?:call me|i'?m|i am|it'?s)\s+(?P<value>.+)$",
)
NAME_LIKE = re.compile(r"^[^\W\d_][\w'-]*(?:\s+[^\W\d_][\w'-]*){0,3}$")


@dataclass(frozen=True)
class FactChange:
    """One fact to put right (`value`) or to forget (`value` is None)."""

    kind: str
    key: str = ""
    value: str | None = None


def _kind(words: str) -> tuple[str, str] | None:
    # "my goal is to ride ..." is about the goal: a kind after "my" wins over a word later on.
    for lead in (r"\bmy\s+", r"\b"):
        for pattern, (kind, key) in KIND_WORDS:
            found = re.search(rf"{lead}{pattern}\b", words)
            if found:
                size = found.groupdict().get("size")
                return kind, SIZE_KEYS.get(size, size) if size else key
    return None


def _clean(value: str) -> str | None:
    value = re.sub(r"[.!?]+$", "", value.strip())
    value = TRAILING.sub("", value).strip(" ,.;:!?\"'“”")
    value = re.sub(rf"^(?:{FILLER})*(?:{ARTICLE})?", "", value, flags=re.IGNORECASE).strip()
    return value if value and len(value) <= 120 else None


def _value(text: str, kind: str) -> str | None:
    said = " ".join(text.split())
    lowered = said.lower()
    for pattern, (found_kind, _) in KIND_WORDS:
        if found_kind != kind:
            continue
        match = re.search(rf"\bmy\s+{pattern}(?:'s|\s+is|\s+was|:)\s+(?P<value>.+)$", lowered)
        if match:
            return _clean(said[match.start("value") :])
    if kind == "bike":
        match = re.search(rf"\b{OWNING}\s+(?P<value>.+)$", lowered)
        if match:
            return _clean(said[match.start("value") :])
    if kind == "name":
        # "name is Tom Briggs" said without "my" first, then "call me", "I'm", "it's"; what
        # follows must read as a name: "it's a Trek Marlin, name is Tom Briggs" is no name
        # "Trek Marlin, name is Tom Briggs" (a name remembered wrong is worse than none).
        for pattern in NAME_SAID:
            match = re.search(pattern, lowered)
            value = _clean(said[match.start("value") :]) if match else None
            if value and NAME_LIKE.match(value):
                return value
    return None


def read_change(text: str, forget: bool) -> FactChange | None:
    """The change the customer asks for, or None when they named no kind of fact."""
    lowered = " ".join(text.lower().split())
    kind = _kind(lowered)
    if kind is None and not forget and re.search(rf"\b{OWNING}\b", lowered):
        kind = ("bike", "")
    if kind is None and not forget and re.search(r"\bcall me\b", lowered):
        kind = ("name", "")
    if kind is None:
        return None
    if forget:
        return FactChange(kind[0], kind[1])
    value = _value(text, kind[0])
    if value is None and kind[0] == "reference":
        return FactChange(*kind)  # "my order number isn't that": a wrong reference is forgotten
    if value is None:
        return None
    return FactChange(kind[0], kind[1], value)


# "no it's Jo not Joe", "Jo, not Joe": a new word said against the one it replaces.
_RATHER_THAN = re.compile(
    r"^(?:no+|nope|sorry|actually|oops)?[\s,.!]*(?:it'?s|its|i'?m|i\s+am|im)?\s*"
    r"(?P<new>[^\W\d_][\w'-]*)[\s,]+(?:not|rather\s+than|instead\s+of)\s+"
    r"(?P<old>[^\W\d_][\w'-]*)[\s.!]*$",
    re.IGNORECASE,
)


def name_put_right(text: str, name: str | None) -> FactChange | None:
    """The name corrected when the customer says a new one against the name the chat holds
    ("no it's Jo not Joe" to a Joe); None when the word replaced is not that name."""
    found = _RATHER_THAN.match(" ".join(text.split()))
    if found is None or not name:
        return None
    if found.group("old").casefold() != name.strip().casefold():
        return None
    new = found.group("new")
    return FactChange("name", "", new) if new.casefold() != name.strip().casefold() else None
