"""The customers' words the forms read (the day to bring a bike in, something that happened, a
rough time of a purchase) come from the business file's vocabulary, never from code."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from actions.forms import drop_off_said
from voice.business import Business, load

ROOT = Path(__file__).resolve().parents[3]
TUESDAY = dt.date(2026, 11, 24)
SATURDAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def shop() -> Business:
    return load(ROOT / "business.yml")


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("it squeaks like mad, can i book it in for sat?", SATURDAY),
        ("can u look at it saturday", SATURDAY),
        ("the chain snapped on saturday", None),  # something that happened
        ("need it by saturday", None),  # a deadline
    ],
)
def test_the_day_to_bring_the_bike_in(shop: Business, text: str, day: dt.date | None) -> None:
    assert drop_off_said(shop, text, TUESDAY) == day


def test_the_drop_off_words_are_the_business_file_s(shop: Business) -> None:
    words = dataclasses.replace(shop.vocabulary, drop_off_day=("pour",), happened=("cassé",))
    other = dataclasses.replace(shop, vocabulary=words)
    assert drop_off_said(other, "pour saturday", TUESDAY) == SATURDAY
    assert drop_off_said(other, "for saturday", TUESDAY) is None
    assert drop_off_said(other, "cassé saturday, pour saturday", TUESDAY) == SATURDAY
    assert drop_off_said(other, "pour saturday cassé", TUESDAY) is None


def test_without_the_words_no_day_is_taken_for_a_drop_off(shop: Business) -> None:
    words = dataclasses.replace(shop.vocabulary, drop_off_day=(), happened=())
    other = dataclasses.replace(shop, vocabulary=words)
    assert drop_off_said(other, "book it in for sat", TUESDAY) is None
