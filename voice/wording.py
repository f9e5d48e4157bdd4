"""Grammar that depends on data: how a date or a list of things reads in a sentence.

Small, tested helpers, so that no module glues words together in its own way. The words they
use come from the content (`business.yml`: the shop's `locale` and its `templates:`); dates are
written by Babel in the shop's locale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, get_day_names

# The templates a shop's date and list words come from (`templates:` in business.yml).
DAY_TODAY = "day_today"
DAY_TOMORROW = "day_tomorrow"
DAY_DATE = "day_date"  # a CLDR date pattern, "EEEE d MMMM"
DAY_TIME = "day_time"  # a time on a day: "{time} {day}"
DAY_MONTH = "day_month"  # a CLDR date pattern without the weekday, "d MMMM"
LIST_BULLET = "list_bullet"  # one line of a list: "• {item}"
# A list in a sentence, the way CLDR's list patterns build it: two items; the last two of
# more; each one before those ("{first}, {rest}").
LIST_TWO = "list_two"  # "{first} and {last}"
LIST_END = "list_end"  # "{first} and {last}"
LIST_MIDDLE = "list_middle"  # "{first}, {rest}"
WORDING_TEMPLATES = (
    DAY_TODAY,
    DAY_TOMORROW,
    DAY_DATE,
    DAY_TIME,
    DAY_MONTH,
    LIST_BULLET,
    LIST_TWO,
    LIST_END,
    LIST_MIDDLE,
)


def valid_locale(name: str) -> bool:
    """Whether Babel knows the locale `name` ("en_GB", "fr")."""
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class Wording:
    """The shop's words for days and lists: its locale, and the templates named above."""

    locale: str
    today: str
    tomorrow: str
    date_pattern: str
    day_time: str
    day_month: str
    bullet: str
    list_two: str
    list_end: str
    list_middle: str

    @classmethod
    def of(cls, locale: str, templates: Mapping[str, str]) -> Wording:
        """From the shop's locale and templates; KeyError names a template that is missing."""
        missing = [name for name in WORDING_TEMPLATES if name not in templates]
        if missing:
            raise KeyError(f"the business file has no template {missing[0]!r} under templates:")
        return cls(
            locale=locale,
            today=templates[DAY_TODAY],
            tomorrow=templates[DAY_TOMORROW],
            date_pattern=templates[DAY_DATE],
            day_time=templates[DAY_TIME],
            day_month=templates[DAY_MONTH],
            bullet=templates[LIST_BULLET],
            list_two=templates[LIST_TWO],
            list_end=templates[LIST_END],
            list_middle=templates[LIST_MIDDLE],
        )

    def day(self, day: dt.date, today: dt.date) -> str:
        """A date the way a person says it: the shop's words for today and tomorrow, else the
        date in its pattern and locale ("Saturday 28 November")."""
        if day == today:
            return self.today
        if day == today + dt.timedelta(days=1):
            return self.tomorrow
        return self.date(day)

    def date(self, day: dt.date) -> str:
        """The date in the shop's pattern and locale, whatever day it is: "Saturday 28 November"."""
        return format_date(day, format=self.date_pattern, locale=self.locale)

    def day_and_month(self, day: dt.date) -> str:
        """The date without its weekday: "28 November"."""
        return format_date(day, format=self.day_month, locale=self.locale)

    def weekday(self, index: int) -> str:
        """The name of a weekday (0 is Monday) in the shop's locale: "Saturday", "samedi"."""
        return str(get_day_names("wide", context="stand-alone", locale=self.locale)[index])

    def moment(self, moment: dt.datetime, today: dt.date) -> str:
        """A time on a day ("09:00 tomorrow"): the shop's pattern, the time in 24 hours."""
        return self.day_time.format(time=f"{moment:%H:%M}", day=self.day(moment.date(), today))

    def join(self, items: Iterable[str]) -> str:
        """ "a", "a and b", "a, b and c" in the shop's list patterns; empty items are left out."""
        return join_list(items, self.list_two, self.list_end, self.list_middle)

    def bullet_line(self, item: str) -> str:
        """One line of a list in the shop's bullet template ("• {item}")."""
        return self.bullet.format(item=item)

    def bullets(self, items: Iterable[str]) -> str:
        """One line per item, each in the shop's bullet template ("• {item}")."""
        return "\n".join(self.bullet_line(item) for item in items if item)


def join_list(items: Iterable[str], two: str, end: str, middle: str) -> str:
    """Items in a sentence by CLDR's list patterns: `two` ("{first} and {last}") for two items;
    for more, `end` joins the last two and `middle` ("{first}, {rest}") each one before them.
    Empty items are left out."""
    words = [item for item in items if item]
    if len(words) <= 1:
        return "".join(words)
    if len(words) == 2:
        return two.format(first=words[0], last=words[1])
    joined = end.format(first=words[-2], last=words[-1])
    for word in reversed(words[:-2]):
        joined = middle.format(first=word, rest=joined)
    return joined


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
