"""The grammar helpers: dates, lists, counted words and "a"/"an", with the words from content."""

from __future__ import annotations

import datetime as dt

import pytest

from voice.wording import WORDING_TEMPLATES, Wording, indefinite, plural, valid_locale

TODAY = dt.date(2026, 11, 24)
# In-test words (not the shipped files'), English and French, to show both come from content.
ENGLISH = {
    "day_today": "today",
    "day_tomorrow": "tomorrow",
    "day_date": "EEEE d MMMM",
    "day_time": "{time} {day}",
    "day_month": "d MMMM",
    "list_bullet": "• {item}",
    "list_two": "{first} and {last}",
    "list_end": "{first} and {last}",
    "list_middle": "{first}, {rest}",
}
FRENCH = {
    "day_today": "aujourd'hui",
    "day_tomorrow": "demain",
    "day_date": "EEEE d MMMM",
    "day_time": "{day} à {time}",
    "day_month": "d MMMM",
    "list_bullet": "– {item}",
    "list_two": "{first} et {last}",
    "list_end": "{first} et {last}",
    "list_middle": "{first}, {rest}",
}
WORDS = Wording.of("en_GB", ENGLISH)


def test_days_read_the_way_a_person_says_them() -> None:
    assert WORDS.day(TODAY, TODAY) == "today"
    assert WORDS.day(TODAY + dt.timedelta(days=1), TODAY) == "tomorrow"
    assert WORDS.day(dt.date(2026, 11, 28), TODAY) == "Saturday 28 November"
    assert WORDS.moment(dt.datetime(2026, 11, 25, 9, 0), TODAY) == "09:00 tomorrow"
    assert WORDS.date(TODAY) == "Tuesday 24 November"
    assert WORDS.day_and_month(TODAY) == "24 November"


def test_dates_follow_the_shops_locale_and_words() -> None:
    french = Wording.of("fr_FR", FRENCH)
    assert french.day(TODAY, TODAY) == "aujourd'hui"
    assert french.day(dt.date(2026, 11, 28), TODAY) == "samedi 28 novembre"
    assert french.moment(dt.datetime(2026, 11, 28, 9, 30), TODAY) == "samedi 28 novembre à 09:30"
    assert french.join(["a", "b", "c"]) == "a, b et c"
    assert (WORDS.weekday(5), french.weekday(0)) == ("Saturday", "lundi")
    assert french.bullets(["a", "b"]) == "– a\n– b"


def test_a_missing_word_names_its_template() -> None:
    for name in WORDING_TEMPLATES:
        with pytest.raises(KeyError, match=name):
            Wording.of("en_GB", {key: value for key, value in ENGLISH.items() if key != name})


def test_only_a_known_locale_is_a_locale() -> None:
    assert valid_locale("en_GB") and valid_locale("fr")
    assert not valid_locale("xx_NOPE") and not valid_locale("")


@pytest.mark.parametrize(
    ("items", "joined"),
    [
        ([], ""),
        (["a"], "a"),
        (["a", "b"], "a and b"),
        (["a", "", "b", "c"], "a, b and c"),
        (["a", "b", "c", "d"], "a, b, c and d"),
    ],
)
def test_lists_join_with_commas_and_a_last_and(items: list[str], joined: str) -> None:
    assert WORDS.join(items) == joined


def test_listed_lines_each_take_the_bullet() -> None:
    assert WORDS.bullets(["one", "", "two"]) == "• one\n• two"
    assert WORDS.bullets([]) == ""


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
