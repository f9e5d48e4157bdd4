"""Grammar that depends on data: how a date or a list of things reads in a sentence.

Small, tested helpers, so that no module glues words together in its own way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def format_day(day: dt.date, today_: dt.date) -> str:
    """A date the way a person says it: "today", "tomorrow", "Saturday 28 November"."""
    if day == today_:
        return "today"
    if day == today_ + dt.timedelta(days=1):
        return "tomorrow"
    return f"{day:%A} {day.day} {day:%B}"


def join_words(items: Iterable[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    words = [item for item in items if item]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def plural(count: float, one: str, other: str) -> str:
    """The form of a counted phrase for `count`: `one` for 1, `other` otherwise, with `{count}`
    filled in. The forms come from the content ("{count} minute", "{count} minutes")."""
    return (one if count == 1 else other).replace("{count}", f"{count:g}")


def indefinite(phrase: str) -> str:
    """`phrase` with "a" or "an" before it, by the sound of its first letter ("an e-bike",
    "a bell"); a phrase that starts with a digit or symbol takes "a"."""
    words = phrase.strip()
    if not words:
        return ""
    return ("an " if words[0].lower() in "aeio" else "a ") + words
