"""What a question asks about exactly: which days ("are you open sunday?"), and whether it asks
for a price ("how much is..."). The words come from the business file's `vocabulary` (`days`,
`price_question`), found as the catalogue search finds names (typos forgiven), so this module
holds no shop words.
"""

from __future__ import annotations

import datetime as dt

from voice.business import RELATIVE_DAYS, WEEKDAYS, Business
from voice.catalogue import phrase_at, words_of


def _first_place(said: list[str], spellings: tuple[str, ...]) -> int | None:
    places = [phrase_at(said, words_of(spelling), whole=False) for spelling in spellings]
    starts = [place[1] for place in places if place is not None]
    return min(starts) if starts else None


def days_asked(shop: Business, text: str | None, today: dt.date) -> list[dt.date]:
    """The days a message names, in the order it names them: a weekday is its next date (today
    when today is that weekday), `today` and `tomorrow` count from `today`."""
    said = words_of(text or "")
    named: list[tuple[int, dt.date]] = []
    for term in shop.vocabulary.days:
        place = _first_place(said, term.spellings)
        if place is None:
            continue
        if term.name in RELATIVE_DAYS:
            day = today + dt.timedelta(days=RELATIVE_DAYS[term.name])
        else:
            day = today + dt.timedelta(days=(WEEKDAYS.index(term.name) - today.weekday()) % 7)
        named.append((place, day))
    days: list[dt.date] = []
    for _, day in sorted(named):
        if day not in days:
            days.append(day)
    return days


def asks_price(shop: Business, text: str | None) -> bool:
    """Whether the message asks what something costs."""
    return _first_place(words_of(text or ""), shop.vocabulary.price_question) is not None
