"""Groups similar customer messages so that a trainer labels a kind of message once.

Similarity is rapidfuzz's token-set ratio (0-100) of the normalised, masked texts: word order and
repeated words do not matter, typos cost little. Each message joins the first group whose first
message it resembles at least `threshold`; groups are ordered largest first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from rapidfuzz import fuzz, process

DEFAULT_THRESHOLD = 75.0
T = TypeVar("T")


def normalise(text: str) -> str:
    """Lower case, punctuation dropped, spaces collapsed (what similarity compares)."""
    return " ".join(re.sub(r"[^\w<>'\s]", " ", text.lower()).split())


def group(
    items: Sequence[T], text: Callable[[T], str], threshold: float = DEFAULT_THRESHOLD
) -> list[list[T]]:
    """`items` in groups of similar text, largest group first (ties: first seen first)."""
    texts = [normalise(text(item)) for item in items]
    if not texts:
        return []
    scores = process.cdist(texts, texts, scorer=fuzz.token_set_ratio, workers=1)
    groups: list[list[int]] = []
    for index in range(len(texts)):
        for members in groups:
            if scores[members[0]][index] >= threshold:
                members.append(index)
                break
        else:
            groups.append([index])
    groups.sort(key=lambda members: (-len(members), members[0]))
    return [[items[index] for index in members] for members in groups]
