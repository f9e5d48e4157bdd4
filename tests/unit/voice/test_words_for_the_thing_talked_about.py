"""Which thing a message is about, read with another shop's words (the small shop's business
file): the customer's own bike said in passing (`said_as_own`, `owned_things`), the one of
several items just recommended that a follow-up picks (`choice_among`), and a follow-up that
picks while it asks ("how much is the cheaper one?")."""

from __future__ import annotations

from pathlib import Path

import pytest
from small_shop import SMALL_SHOP, small_shop

from voice.asked import asked_about_the_thing_before, choice_among, owned_things, said_as_own
from voice.business import Business, BusinessFileError

WORDS = """\
  price_question: [combien, how much]
  pointing_back: [le, la, the, it, is, one, un]
  question_starts: [est-ce]
  stock_question: [en stock, bleu]
  choosing:
    first: [premier, first]
    last: [dernier]
    cheapest: [moins cher]
    dearest: [plus cher]
  owning:
    words: [mon, je roule sur]
    between: [un, une, vieux, velo, est]
    about_it: ["c'est"]
    trouble: [bruit, casse]
"""


@pytest.fixture
def shop(tmp_path: Path) -> Business:
    return small_shop(tmp_path, SMALL_SHOP + WORDS)


@pytest.fixture
def plain(tmp_path: Path) -> Business:
    return small_shop(tmp_path, SMALL_SHOP)


@pytest.mark.parametrize(
    ("text", "thing", "theirs"),
    [
        ("je roule sur un roadster9", "roadster9", True),
        ("mon vieux velo est un Acme Roadster 5", "Acme Roadster 5", True),
        ("mon roadster9 fait du bruit", "roadster9", True),
        ("c'est un roadster9 qui fait du bruit", "roadster9", True),  # it's theirs: a fault
        ("c'est un roadster9 que je veux", "roadster9", False),  # "it's the one I want": ours
        ("combien le roadster9", "roadster9", False),
        ("mon fils veut un roadster9", "roadster9", False),  # someone else's wish
        ("/buy_product mon roadster9", "roadster9", False),
    ],
)
def test_the_customers_own_bike_is_read_from_the_business_files_words(
    shop: Business, text: str, thing: str, theirs: bool
) -> None:
    assert said_as_own(shop, text, thing) is theirs


def test_owned_things_are_the_catalogues_items_said_as_their_own(shop: Business) -> None:
    assert [match.item.name for match in owned_things(shop, "je roule sur un roadster9")] == [
        "Acme Roadster 9"
    ]
    assert owned_things(shop, "combien le roadster9") == []


def test_a_kind_of_bike_said_as_their_own_names_none_of_the_catalogues_bikes(
    shop: Business,
) -> None:
    # "mon club racer" says what kind of bike they have, not that it is the shop's model
    # tagged so: remembering that model as theirs would be remembering wrong.
    assert owned_things(shop, "mon club racer fait du bruit") == []
    assert [match.item.name for match in owned_things(shop, "mon roadster5 fait du bruit")] == [
        "Acme Roadster 5"
    ]


def test_a_shop_without_owning_words_reads_no_bike_as_theirs(plain: Business) -> None:
    assert not said_as_own(plain, "mon roadster9", "roadster9")


@pytest.mark.parametrize(
    ("text", "picked"),
    [
        ("le premier", "Acme Roadster 9"),
        ("the first one", "Acme Roadster 9"),
        ("le dernier", "Acme Roadster 5"),
        ("le moins cher", "Acme Roadster 5"),
        ("le plus cher", "Acme Roadster 9"),
        ("le bleu", None),  # no colour is known: none picked (the bot asks which)
        ("le premier ou le dernier", None),  # two ways: none picked
    ],
)
def test_a_follow_up_picks_among_several_just_recommended(
    shop: Business, text: str, picked: str | None
) -> None:
    listed = [shop.find_product("Acme Roadster 9"), shop.find_product("Acme Roadster 5")]
    products = [product for product in listed if product is not None]
    chosen = choice_among(shop, text, products)
    assert (chosen.name if chosen else None) == picked


def test_a_follow_up_that_picks_while_it_asks_is_about_the_thing_before(shop: Business) -> None:
    assert asked_about_the_thing_before(shop, "combien le moins cher") == "price"
    assert asked_about_the_thing_before(shop, "le bleu en stock") == "stock"
    assert asked_about_the_thing_before(shop, "combien le velo rouge") is None


def test_a_way_of_choosing_the_bot_does_not_know_is_refused(tmp_path: Path) -> None:
    wrong = WORDS.replace("    last: [dernier]\n", "    middling: [moyen]\n")
    with pytest.raises(BusinessFileError, match=r"choosing\.middling"):
        small_shop(tmp_path, SMALL_SHOP + wrong)
