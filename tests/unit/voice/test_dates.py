"""Days written by their number: the date meant, and a weekday beside it that disagrees."""

from __future__ import annotations

import datetime as dt

import pytest

from voice.dates import (
    date_by_rule,
    latest_in_month,
    latest_with_day,
    names_a_time,
    next_date_by_rules,
    numbered_days,
)

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


@pytest.mark.parametrize(
    ("rule", "year", "date"),
    [
        ("12-24", 2026, dt.date(2026, 12, 24)),
        ("easter", 2027, dt.date(2027, 3, 28)),
        ("easter-2", 2027, dt.date(2027, 3, 26)),
        ("easter+1", 2026, dt.date(2026, 4, 6)),
        ("first monday of may", 2027, dt.date(2027, 5, 3)),
        ("last monday of august", 2026, dt.date(2026, 8, 31)),
        ("02-30", 2026, None),
    ],
)
def test_a_named_day_s_rule_gives_its_date(rule: str, year: int, date: dt.date | None) -> None:
    assert date_by_rule(rule, year) == date


def test_the_next_date_of_several_rules_is_the_soonest_ahead() -> None:
    rules = ("easter+1", "first monday of may", "last monday of august")
    assert next_date_by_rules(rules, dt.date(2026, 5, 2)) == dt.date(2026, 5, 4)
    assert next_date_by_rules(rules, dt.date(2026, 9, 1)) == dt.date(2027, 3, 29)


@pytest.mark.parametrize(
    ("day", "date"),
    [(3, dt.date(2026, 11, 3)), (28, dt.date(2026, 10, 28)), (31, dt.date(2026, 10, 31))],
)
def test_a_day_of_the_month_said_of_the_past_is_its_latest(day: int, date: dt.date) -> None:
    assert latest_with_day(day, dt.date(2026, 11, 24)) == date


@pytest.mark.parametrize(
    ("month", "date"),
    [(7, dt.date(2026, 7, 15)), (12, dt.date(2025, 12, 15)), (11, dt.date(2026, 11, 15))],
)
def test_a_month_said_of_the_past_is_its_middle(month: int, date: dt.date) -> None:
    assert latest_in_month(month, dt.date(2026, 11, 24)) == date


@pytest.mark.parametrize(
    "text",
    [
        "I'll drop it at 9 if that works",
        "i can come after 4 o'clock is ok?",
        "tuesday before work? like 8",
        "9am",
        "10:30 any good",
        "half 5",
    ],
)
def test_a_time_of_day_is_a_time(text: str) -> None:
    assert names_a_time(text, parts_of_day=False)


@pytest.mark.parametrize(
    "text",
    [
        "after 3 months it broke",
        "my 8 speed chain slips",
        "the chain came off at 20 mph",
        "the brakes squeal",
        "it squeaks in the morning",
    ],
)
def test_a_number_of_something_or_a_part_of_the_day_is_no_clock_time(text: str) -> None:
    assert not names_a_time(text, parts_of_day=False)


def test_a_part_of_the_day_counts_when_asked() -> None:
    assert names_a_time("tuesday morning")
    assert not names_a_time("tuesday")
