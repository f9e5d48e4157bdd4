"""Days a customer writes by their number: "the 24th", "sat 28th", "on the 2nd", "29/11",
"27th december", "april 2nd". English date grammar, not the shop's words.

Each is the date meant (a day of the month alone is its next one from today; a date without a
year that has gone by more than a month ago is next year's), with the weekday written beside it,
if any, so that "sunday 28th" when the 28th is a Saturday can be asked back. Rasa's and the
project's dependencies hold no date reader that does this (python-dateutil reads one date per
text and ignores a weekday that disagrees), so the grammar is here, in one place.

The calendar arithmetic of named days ("easter+1", "last monday of may") is here too, with
Easter from python-dateutil; the days' names and rules are the business file's.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from dateutil.easter import easter

MONTHS = tuple(calendar.month_name[number].lower() for number in range(1, 13))
WEEKDAY_NAMES = tuple(calendar.day_name[number].lower() for number in range(7))
# A month's name or its first three letters ("dec", "sept" too).
_MONTH = r"(?P<month>" + "|".join(f"{m[:3]}(?:{m[3:]}|t)?" for m in MONTHS) + r")\b"
# A weekday written before the date ("sat 28th", "sunday the 27th").
_WEEKDAY = r"(?:(?P<weekday>mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)[a-z]*,?\s+)?"
_DAY = r"(?P<day>\d{1,2})"
_ORDINAL = r"(?:st|nd|rd|th)"
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?"
# Words that may follow a day of the month written alone ("the 24th at 10", "the 3rd instead").
_AFTER_A_DAY = (
    "at|or|and|instead|then|please|pls|plz|if|is|would|could|as|for|from|until|too|maybe|ok|"
    "okay|work|works|any|in|this|next|morning|afternoon|evening|open"
)
_FORMS = (
    re.compile(rf"\b{_WEEKDAY}(?:the\s+)?{_DAY}{_ORDINAL}?(?:\s+of)?\s+{_MONTH}{_YEAR}"),
    re.compile(rf"\b{_WEEKDAY}{_MONTH}\s+(?:the\s+)?{_DAY}{_ORDINAL}?\b{_YEAR}"),
    re.compile(
        rf"\b{_WEEKDAY}(?:the\s+)?{_DAY}[/.](?P<number>\d{{1,2}})(?:[/.](?P<short>\d{{2,4}}))?\b"
    ),
    # A day of the month alone needs a weekday, "on", "the"... before it and nothing that makes
    # it a count after it ("the 24th?", "sat 28th"; not "my 2nd bike").
    re.compile(
        r"\b(?:(?P<weekday>mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)[a-z]*,?\s+(?:the\s+)?"
        r"|(?:on|by|for|until|till|til|from)\s+(?:the\s+)?|the\s+)"
        rf"{_DAY}{_ORDINAL}(?=\s*$|\s*[?.!,;:)]|\s+(?:{_AFTER_A_DAY})\b)"
    ),
)
# A date without a year this long gone means next year's.
_JUST_PAST = dt.timedelta(days=30)


@dataclass(frozen=True)
class NumberedDay:
    """A day written by its number: where it is in the text, the date meant (None when no such
    date exists, like "31/11"), and the weekday written beside it (0 = Monday), if any."""

    start: int
    end: int
    date: dt.date | None
    weekday: int | None = None

    @property
    def disagrees(self) -> bool:
        """Whether the weekday written is not the date's ("sunday 28th", a Saturday)."""
        return (
            self.date is not None
            and self.weekday is not None
            and (self.date.weekday() != self.weekday)
        )


def _weekday(word: str | None) -> int | None:
    if not word:
        return None
    return next(index for index, name in enumerate(WEEKDAY_NAMES) if name.startswith(word[:3]))


def _month(word: str) -> int:
    return next(index for index, name in enumerate(MONTHS, 1) if name.startswith(word[:3]))


def _dated(day: int, month: int, year: int | None, today: dt.date) -> dt.date | None:
    try:
        if year is not None:
            return dt.date(year, month, day)
        candidate = dt.date(today.year, month, day)
        if candidate < today - _JUST_PAST:
            candidate = dt.date(today.year + 1, month, day)
        return candidate
    except ValueError:
        return None


def _next_with_day(day: int, today: dt.date) -> dt.date | None:
    """The next date (today or later) that is the `day`th of its month."""
    year, month = today.year, today.month
    for _ in range(13):
        if day <= calendar.monthrange(year, month)[1]:
            candidate = dt.date(year, month, day)
            if candidate >= today:
                return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def numbered_days(text: str | None, today: dt.date) -> list[NumberedDay]:
    """The days `text` writes by their number, in the order written."""
    lowered = (text or "").lower().replace("\u2019", "'")
    found: list[NumberedDay] = []
    taken: list[tuple[int, int]] = []
    for form in _FORMS:
        for match in form.finditer(lowered):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue  # a longer form read it already ("27th december", then "27th")
            parts = match.groupdict()
            day = int(parts["day"])
            if parts.get("month"):
                year = int(parts["year"]) if parts.get("year") else None
                date = _dated(day, _month(parts["month"]), year, today)
            elif parts.get("number"):
                short = parts.get("short")
                year = None if not short else int(short) + (2000 if len(short) == 2 else 0)
                date = _dated(day, int(parts["number"]), year, today)
            else:
                date = _next_with_day(day, today) if 1 <= day <= 31 else None
            taken.append((match.start(), match.end()))
            found.append(NumberedDay(match.start(), match.end(), date, _weekday(parts["weekday"])))
    return sorted(found, key=lambda numbered: numbered.start)


# Named days by their calendar rule (the business file's `vocabulary.named_days`): a fixed
# date ("12-24"), a day counted from Western Easter Sunday ("easter+1", "easter-2"), or a
# weekday of a month ("first monday of may", "last monday of august").
_NTH = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1}
_RULE = re.compile(
    r"^(?:(?P<month>\d{1,2})-(?P<day>\d{1,2})|easter(?P<offset>[+-]\d{1,2})?|(?P<nth>"
    + "|".join(_NTH)
    + r")\s+(?P<weekday>"
    + "|".join(WEEKDAY_NAMES)
    + r")\s+of\s+(?P<in_month>"
    + "|".join(MONTHS)
    + r"))$"
)


def is_date_rule(rule: str) -> bool:
    """Whether `rule` is one a named day may have (see `date_by_rule`)."""
    found = _RULE.match(" ".join(rule.lower().split()))
    if found is None:
        return False
    if found.group("month"):
        return date_by_rule(rule, 2024) is not None  # a leap year: "02-29" is a date
    return True


def date_by_rule(rule: str, year: int) -> dt.date | None:
    """The date a named day's rule gives in `year`, or None when the rule gives none."""
    found = _RULE.match(" ".join(rule.lower().split()))
    if found is None:
        return None
    if found.group("month"):
        try:
            return dt.date(year, int(found.group("month")), int(found.group("day")))
        except ValueError:
            return None
    if found.group("nth"):
        month = MONTHS.index(found.group("in_month")) + 1
        weekday = WEEKDAY_NAMES.index(found.group("weekday"))
        days = [
            dt.date(year, month, day)
            for day in range(1, calendar.monthrange(year, month)[1] + 1)
            if dt.date(year, month, day).weekday() == weekday
        ]
        return days[_NTH[found.group("nth")]]
    return easter(year) + dt.timedelta(days=int(found.group("offset") or 0))


def next_date_by_rules(rules: tuple[str, ...], today: dt.date) -> dt.date | None:
    """The first date on or after `today` that one of a named day's rules gives."""
    dates = [
        date
        for year in (today.year, today.year + 1)
        for rule in rules
        if (date := date_by_rule(rule, year)) is not None and date >= today
    ]
    return min(dates) if dates else None


def names_a_month(text: str | None) -> bool:
    """Whether `text` names a month ("in march", "3rd of dec")."""
    return re.search(rf"\b{_MONTH}", (text or "").lower()) is not None


def month_named(text: str | None) -> int | None:
    """The month `text` names (1-12), the first one written, or None."""
    found = re.search(rf"\b{_MONTH}", (text or "").lower())
    return _month(found.group("month")) if found else None


def latest_in_month(month: int, today: dt.date) -> dt.date:
    """Roughly when in the past a month means ("in march" said in November): the middle of
    the latest such month not after today (today itself, early in that very month)."""
    year = today.year if month <= today.month else today.year - 1
    middle = dt.date(year, month, 15)
    return min(middle, today)


def latest_with_day(day: int, today: dt.date) -> dt.date | None:
    """The latest date on or before `today` that is the `day`th of its month ("around the 3rd"
    said of a purchase), or None when no month has that day."""
    year, month = today.year, today.month
    for _ in range(13):
        if day <= calendar.monthrange(year, month)[1]:
            candidate = dt.date(year, month, day)
            if candidate <= today:
                return candidate
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return None


# A time of day: "at 9", "after 4 o'clock", "like 8", "9am", "10:30", "half 5"; a part of the
# day ("in the morning") apart. A number followed by a unit of something else ("after 3
# months", "an 8 speed") is no time.
_NOT_A_CLOCK = r"(?!\s*(?:days?|weeks?|months?|years?|mins?|minutes?|hours?|hrs?|speed|gears?|"
_NOT_A_CLOCK += r"miles?|km|kms|mph|psi|quid|pounds?|%|st\b|nd\b|rd\b|th\b|/|[.:]\d{3}))"
_CLOCK_TIME = re.compile(
    r"\b(?:\d{1,2}(?:[:.][0-5]\d)?\s*(?:am|pm|a\.m\.|p\.m\.|o'?\s?clock)"
    rf"|(?:at|after|before|around|about|from|until|till|like|half|quarter\s+(?:past|to))\s+"
    rf"\d{{1,2}}(?:[:.][0-5]\d)?\b{_NOT_A_CLOCK}"
    r"|\d{1,2}:[0-5]\d)(?![\w'])",
    re.IGNORECASE,
)
_PART_OF_DAY = re.compile(
    r"\b(?:morning|afternoon|evening|lunchtime|lunch\s+time|noon|midday|tonight)\b", re.I
)


def names_a_time(text: str | None, parts_of_day: bool = True) -> bool:
    """Whether a message names a time of day ("I'll drop it at 9", "after 4 o'clock", "like
    8"), not a time gone by or a number of something ("after 3 months"); with
    `parts_of_day`, "in the morning" counts too."""
    words = " ".join(str(text or "").replace("\u2019", "'").split())
    return bool(_CLOCK_TIME.search(words) or (parts_of_day and _PART_OF_DAY.search(words)))
