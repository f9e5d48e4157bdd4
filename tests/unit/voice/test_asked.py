"""What a question asks about exactly: the days it names and whether it asks for a price, read
with another shop's words (the small shop's business file), so nothing is wired to the sample."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from small_shop import SMALL_SHOP, small_shop

from voice.asked import (
    asked_about_the_thing_before,
    asks_price,
    asks_something,
    asks_to_try,
    days_asked,
    is_question,
    says_trouble,
    thing_asked_for,
)
from voice.business import Business, BusinessFileError
from voice.business import load as load_business

WORDS = """\
  days:
    - {name: saturday, words: [sat, samedi]}
    - {name: sunday, words: [sun]}
    - {name: today, words: [tonight]}
    - {name: tomorrow, words: [tmrw]}
  price_question: [how much, cost]
"""
THURSDAY = dt.date(2026, 11, 26)


@pytest.fixture
def shop(tmp_path: Path) -> Business:
    return small_shop(tmp_path, SMALL_SHOP + WORDS)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("open on saturday?", [dt.date(2026, 11, 28)]),
        ("ouvert samedi", [dt.date(2026, 11, 28)]),
        ("r u open saturdy", [dt.date(2026, 11, 28)]),  # a typo forgiven
        ("sunday or sat?", [dt.date(2026, 11, 29), dt.date(2026, 11, 28)]),  # in the order said
        ("open tonight", [THURSDAY]),
        ("tmrw?", [dt.date(2026, 11, 27)]),
        ("what are your hours", []),
        ("open monday?", []),  # a day this shop's words don't name
    ],
)
def test_the_days_a_question_names(shop: Business, text: str, days: list[dt.date]) -> None:
    assert days_asked(shop, text, THURSDAY) == days


def test_a_weekday_asked_on_that_day_is_today(shop: Business) -> None:
    saturday = dt.date(2026, 11, 28)
    assert days_asked(shop, "open saturday", saturday) == [saturday]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("how much is the roadster", True), ("what does it cost", True), ("got a roadster?", False)],
)
def test_a_price_question(shop: Business, text: str, expected: bool) -> None:
    assert asks_price(shop, text) is expected


def test_a_day_name_the_shop_has_no_hours_for_is_refused(tmp_path: Path) -> None:
    text = SMALL_SHOP + "  days:\n    - {name: caturday, words: [cat day]}\n"
    with pytest.raises(BusinessFileError, match=r"vocabulary\.days\[0\]\.name 'caturday'"):
        small_shop(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "thing"),
    [
        # The shop's own item, named by its main noun or a synonym or tag.
        ("do you sell floor pumps", "Stormy track pump"),
        ("do u sell rear lights", "Glow rear light"),
        ("have you got a tail light?", "Glow rear light"),
        ("do u have any inflators in", "Stormy track pump"),
        # A modifier names the item when the main noun is a word many items share.
        ("do you have any club racer bikes", "Acme Roadster 5"),
        # Something the shop does not have: the customer's words, for the special order.
        ("do you sell unicycles", "unicycles"),
        ("have you got any cargo bikes", "cargo bikes"),
        ("do you stock tubeless sealant?", "tubeless sealant"),
        ("can i buy a tandem from you", "tandem"),
        ("I'm looking for a child seat", "child seat"),
        # Not an item the phrase merely shares a modifier with: a pump bag is not a pump.
        ("do you sell pump bags", "pump bags"),
        # Without a thing asked for, the item the message names anywhere.
        ("I'd love a floor pump, mine broke", "Stormy track pump"),
        # Nothing named, or only words every bike shares: the bot asks which.
        ("do you sell bikes", None),
        ("can I buy it here?", None),
        ("do you have one?", None),
        ("something to keep me warm", None),
        ("/buy_product", None),
        ("", None),
    ],
)
def test_the_thing_a_buying_question_asks_for(shop: Business, text: str, thing: str | None) -> None:
    assert thing_asked_for(shop, text) == thing


FOLLOW_UP_WORDS = """\
  price_question: [how much, cost]
  question_starts: [quoi, est-ce]
  pointing_back: [ca, le, la, je, vous]
  stock_question: [en stock, disponible, taille]
  reserve_question: [reserver, mettre de cote]
"""


@pytest.fixture
def french(tmp_path: Path) -> Business:
    return small_shop(tmp_path, SMALL_SHOP + FOLLOW_UP_WORDS)


def test_how_a_question_starts_comes_from_the_business_file(french: Business) -> None:
    assert is_question(french, "quoi de neuf") and is_question(french, "whatever?")
    assert not is_question(french, "what time is it")  # not among this shop's question starts
    assert not is_question(french, "?") and not is_question(french, "/ask_hours")


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("est-ce en stock", "stock"),
        ("la taille?", "stock"),
        ("je peux le reserver", None),  # "peux" is neither pointing back nor asking
        ("reserver la", "reserve"),
        ("mettre de cote ca", "reserve"),
        ("how much ca", "price"),
        ("en stock le velo rouge", None),  # names something: not about the thing before
        ("ca", None),  # points back and asks nothing
    ],
)
def test_what_a_follow_up_asks_about_the_thing_before(
    french: Business, text: str, asked: str | None
) -> None:
    assert asked_about_the_thing_before(french, text) == asked


def test_a_shop_without_the_words_reads_no_follow_up(shop: Business) -> None:
    assert asked_about_the_thing_before(shop, "is it in stock") is None
    assert not is_question(shop, "what time is it")
    assert is_question(shop, "what time is it?")


NAMED_DAYS = """\
  days:
    - {name: monday, words: [mon]}
    - {name: sunday, words: [sun]}
  named_days:
    - {name: fete day, words: [the fete], dates: ["07-14"]}
    - {name: lundi de paques, words: [easter monday], dates: [easter+1]}
    - {name: bank holiday monday, words: [bank holiday], dates: [easter+1, last monday of may]}
"""


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("open on fete day?", [dt.date(2027, 7, 14)]),  # this year's has gone by: next year's
        ("do you open easter monday", [dt.date(2027, 3, 29)]),  # Easter Sunday 2027 is 28 March
        ("hours on the bank holiday monday?", [dt.date(2027, 3, 29)]),  # the Monday is no other day
        ("the fete or sunday?", [dt.date(2027, 7, 14), dt.date(2026, 11, 29)]),
    ],
)
def test_a_named_day_is_its_next_date(tmp_path: Path, text: str, days: list[dt.date]) -> None:
    shop = small_shop(tmp_path, SMALL_SHOP + NAMED_DAYS)
    assert days_asked(shop, text, THURSDAY) == days


def test_a_named_day_without_a_calendar_rule_is_refused(tmp_path: Path) -> None:
    words = "  named_days:\n    - {name: feast, dates: [the third full moon]}\n"
    with pytest.raises(BusinessFileError, match="not a date rule"):
        small_shop(tmp_path, SMALL_SHOP + words)


@pytest.mark.parametrize(
    ("text", "tries"),
    [
        ("can i test ride one at the weekend", True),
        ("could I try the gravel one before buying?", True),
        ("fancy a spin on the roadster", False),  # not this shop's words
        ("the test was fine", False),
        ("try again tomorrow", False),
    ],
)
def test_asking_to_try_a_bike_uses_the_shop_s_words(tmp_path: Path, text: str, tries: bool) -> None:
    words = "  test_ride: [test ride, try before]\n"
    assert asks_to_try(small_shop(tmp_path, SMALL_SHOP + words), text) is tries


def sample() -> Business:
    return load_business(Path(__file__).resolve().parents[3] / "business.yml")


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("ok whats the phone number", True),
        ("so how long does a service take", True),
        ("right, and where do I park", True),
        ("ok thanks", False),
        ("it is broken", False),  # a question's first word after a word that opens nothing
        ("ok", False),
    ],
)
def test_a_question_may_open_with_a_word_that_only_opens_it(text: str, asks: bool) -> None:
    assert asks_something(sample(), text) is asks


@pytest.mark.parametrize(
    ("text", "trouble"),
    [
        ("hi my brakes are squeeling", True),  # typo forgiven
        ("the back wheel has gone all wobbly", True),
        ("I prefer gravel", False),
        ("I like riding early in the morning", False),
    ],
)
def test_trouble_is_read_from_the_business_files_words(text: str, trouble: bool) -> None:
    assert says_trouble(sample(), text) is trouble
