"""Days written by their number: the date meant, and a weekday beside it that disagrees."""

from __future__ import annotations

import datetime as dt

import pytest

from voice.dates import numbered_days

THURSDAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("are u open sunday 27th december", dt.date(2026, 12, 27)),
        ("and the 24th?", dt.date(2026, 12, 24)),  # the next 24th: November's has gone
        ("sat 28th", dt.date(2026, 11, 28)),
        ("on the 2nd", dt.date(2026, 12, 2)),
        ("what are your hours on 29/11", dt.date(2026, 11, 29)),
        ("what about 2nd april", dt.date(2027, 4, 2)),
        ("monday the 14th", dt.date(2026, 12, 14)),
        ("the 31st", dt.date(2026, 12, 31)),  # November has no 31st
        ("dec 24 2027", dt.date(2027, 12, 24)),
    ],
)
def test_a_day_by_its_number_is_that_date(text: str, date: dt.date) -> None:
    [found] = numbered_days(text, THURSDAY)
    assert found.date == date and not found.disagrees


@pytest.mark.parametrize("text", ["i need 2 tubes", "my 2nd bike", "the 2nd bike is a trek", "45"])
def test_a_count_is_no_day(text: str) -> None:
    assert numbered_days(text, THURSDAY) == []


def test_a_weekday_that_is_not_the_dates_disagrees() -> None:
    [found] = numbered_days("can i come in sunday 28th", THURSDAY)
    assert found.date == dt.date(2026, 11, 28) and found.weekday == 6 and found.disagrees
