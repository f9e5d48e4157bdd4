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
