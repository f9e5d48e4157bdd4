"""The grammar helpers: dates, lists, counted words and "a"/"an", with the words from content."""

from __future__ import annotations

import datetime as dt

import pytest

from voice.wording import format_day, indefinite, join_words, plural

TODAY = dt.date(2026, 11, 24)


def test_days_read_the_way_a_person_says_them() -> None:
    assert format_day(TODAY, TODAY) == "today"
    assert format_day(TODAY + dt.timedelta(days=1), TODAY) == "tomorrow"
    assert format_day(dt.date(2026, 11, 28), TODAY) == "Saturday 28 November"


@pytest.mark.parametrize(
    ("items", "joined"),
    [([], ""), (["a"], "a"), (["a", "b"], "a and b"), (["a", "", "b", "c"], "a, b and c")],
)
def test_lists_join_with_commas_and_a_last_and(items: list[str], joined: str) -> None:
    assert join_words(items) == joined


@pytest.mark.parametrize(
    ("count", "said"),
    [(0, "0 minutes"), (1, "1 minute"), (2, "2 minutes"), (1.5, "1.5 minutes"), (1.0, "1 minute")],
)
def test_a_count_takes_the_form_the_content_gives(count: float, said: str) -> None:
    assert plural(count, "{count} minute", "{count} minutes") == said


@pytest.mark.parametrize(
    ("phrase", "said"),
    [
        ("free tune-up", "a free tune-up"),
        ("e-bike", "an e-bike"),
        ("Old saddle", "an Old saddle"),
        ("£10 off any accessory", "a £10 off any accessory"),
        ("  ", ""),
    ],
)
def test_a_or_an_goes_by_the_first_letter(phrase: str, said: str) -> None:
    assert indefinite(phrase) == said
