"""Whether a customer's words name the same catalogue item, and how to keep what they said.

What a customer tells us about their own things is kept as they said it, tidied, never
replaced by a different item of the same brand: a catalogue item counts only when every
distinguishing word matches both ways (a model named with its number, written without the
space, is that model; another model of the same brand is not). A fuzzier catalogue search may
replace `same_item` later; the rule it keeps is that a match must be the same item, not a
neighbour.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words that say nothing about which item it is.
NOT_DISTINGUISHING = frozenset(
    {"a", "an", "the", "my", "our", "your", "his", "her", "their", "one", "it", "of", "old",
     "new", "bike", "bikes", "bicycle", "model", "frame", "about", "around", "roughly", "nearly",
     "almost", "maybe", "approximately", "like", "some"}
)  # fmt: skip
# Words kept in lower case when a said name is tidied ("Cannondale Topstone gravel bike").
COMMON_WORDS = frozenset(
    {"bike", "bicycle", "ebike", "e-bike", "road", "gravel", "mountain", "hybrid", "city",
     "commuter", "touring", "folding", "cargo", "kids", "electric", "and", "with", "of", "the",
     "a", "an", "old", "new", "my"}
)  # fmt: skip


def item_words(text: str) -> frozenset[str]:
    """The distinguishing words of an item's name, digits split from letters ("ab3" -> ab, 3)."""
    spaced = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text.lower().replace("-", ""))
    words = re.sub(r"[^a-z0-9]+", " ", spaced).split()
    return frozenset(word for word in words if word not in NOT_DISTINGUISHING)


def same_item(said: str, catalogue_name: str) -> bool:
    """True when the customer's words name exactly this catalogue item (all words match)."""
    wanted = item_words(said)
    return bool(wanted) and wanted == item_words(catalogue_name)


def names_a_thing(text: str) -> bool:
    """Whether words can name a product at all: a bare number ("50", "about 50") never does."""
    return any(re.search(r"[a-z]", word) for word in item_words(text) if len(word) > 1)


def as_said(text: str, brands: Iterable[str] = ()) -> str:
    """The customer's words tidied: spaces, and a named make in capitals.

    "cannondale topstone" -> "Cannondale Topstone"; "old gravel bike" stays as it is.
    """
    words = " ".join(text.split()).strip(" .,!?").split(" ")
    makes = {brand.lower() for brand in brands}
    if not any(word.lower() in makes for word in words):
        return " ".join(words)
    return " ".join(
        word[:1].upper() + word[1:]
        if word.isalpha() and word.islower() and word not in COMMON_WORDS
        else word
        for word in words
    )
