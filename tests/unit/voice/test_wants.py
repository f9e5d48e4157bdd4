"""Budgets and purposes: what a recommendation request asks for, in the shop's own words."""

from __future__ import annotations

from pathlib import Path

import pytest
from small_shop import small_shop

from voice import business
from voice.business import Business
from voice.wants import Wants, amounts, read_wants, within

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def shop(tmp_path: Path) -> Business:
    return small_shop(tmp_path)


@pytest.mark.parametrize(
    ("said", "wants"),
    [
        ("something under €500", Wants(at_most=500)),
        ("a couple of hundred euros", Wants(at_most=200)),
        ("up to 1k for commuting", Wants("commuting", at_most=1000)),
        ("max 300 euro for my 5-year-old", Wants("kids", at_most=300)),
        ("something cheap to commute", Wants("commuting", cheap=True)),
        ("the best you've got for racing", Wants("racing", best=True)),
        ("a town bike", Wants("city")),
        ("a bike for my daughter", Wants("kids")),
        ("hello", Wants()),
    ],
)
def test_the_request_is_read_from_the_shops_words(shop: Business, said: str, wants: Wants) -> None:
    assert read_wants(shop, said) == wants


def test_a_bare_number_is_not_money_and_a_cap_wins_over_another_sum(shop: Business) -> None:
    assert amounts(shop, "for my 5 year old") == []
    assert read_wants(shop, "between €300 and up to €800").at_most == 800
    assert read_wants(shop, "I've €2000, but under €900 ideally").at_most == 900


def test_an_interest_already_known_is_kept(shop: Business) -> None:
    assert read_wants(shop, "cheap please", "road") == Wants("road", cheap=True)


def test_the_budget_filters_and_orders(shop: Business) -> None:
    bikes = shop.products_for(None, bikes=True)
    assert [p.name for p in within(Wants(at_most=500), bikes)] == ["Pip 16", "Commuto 3"]
    assert within(Wants(cheap=True), bikes)[0].name == "Pip 16"
    assert within(Wants(best=True), bikes)[0].name == "Acme Roadster 9"


def test_the_shipped_shop_reads_pounds_and_purposes() -> None:
    shipped = business.load(ROOT / "business.yml")
    assert read_wants(shipped, "under £500") == Wants(at_most=500)
    assert read_wants(shipped, "a couple of hundred quid").at_most == 200
    assert read_wants(shipped, "something for commuting").interest == "commuting"
    assert read_wants(shipped, "a bike for my 5-year-old").interest == "kids"


@pytest.mark.parametrize(
    ("said", "at_most"),
    [
        ("looking for a road bike around 1200", 1200),
        ("max 800 for a commuter", 800),
        ("my budget is 650, what have you got", 650),
        ("something roughly 400-ish for my son", 400),
        # Words that only ever say a budget, not a cap: "budget", "spending", "price range".
        ("budget 800 for a gravel bike", 800),
        ("my price range 500 or so", 500),
        ("spending 700 tops on a commuter", 700),
        ("max budget 900 but under £700 ideally", 700),
        ("about 20 mins from the shop, want a hybrid", None),
        ("under 10 miles each way to work", None),
        ("for my 5 year old", None),
    ],
)
def test_a_bare_number_straight_after_a_budget_word_is_the_budget(
    said: str, at_most: float | None
) -> None:
    shipped = business.load(ROOT / "business.yml")
    assert read_wants(shipped, said).at_most == at_most


def test_one_list_says_which_words_make_a_bare_number_a_budget(tmp_path: Path) -> None:
    """`vocabulary.budget.stated` alone decides it, for every reader of sums: a word there
    makes the number after it money; a cap word (`at_most`) not there does not."""
    from small_shop import SMALL_SHOP

    cap_words = "at_most: [under, below, up to, max]"
    assert cap_words in SMALL_SHOP
    shop = small_shop(
        tmp_path, SMALL_SHOP.replace(cap_words, f"{cap_words}\n    stated: [budget, under]")
    )
    assert [amount for amount, _, _ in amounts(shop, "budget 800 for a town bike")] == [800]
    assert read_wants(shop, "under 600 for commuting") == Wants("commuting", at_most=600)
    assert amounts(shop, "max 300 for my 5-year-old") == []  # a cap word, not a budget word
