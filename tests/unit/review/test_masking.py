"""Personal data is masked before a trainer sees a message: patterns for what has a shape,
spaCy's NER and the customer's known names for people; the shop's own words are kept."""

from __future__ import annotations

import pytest

from bot.review import shop_words
from bot.review.masking import Masker, spacy_pipeline
from bot.settings import ROOT
from voice import business


@pytest.fixture(scope="module")
def masker() -> Masker:
    return Masker(keep=shop_words(business.load(ROOT / "business.yml")), language=spacy_pipeline)


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("my email is jo.smith@example.com, any news?", "my email is <email>, any news?"),
        ("where is order #A1234", "where is order <reference>"),
        ("order 51234 hasnt come", "order <reference> hasnt come"),
        ("is repair R2041 ready", "is repair <reference> ready"),
        ("status of R-7KQ2M9XA?", "status of <reference>?"),
        ("ring me on 07700 900123 please", "ring me on <phone> please"),
        ("call +44 117 496 0000", "call <phone>"),
        ("I live at 12 Gloucester Road, BS6 5QA", "I live at <address>, <address>"),
        ("my name is dave and my bike is broken", "my name is <name> and my bike is broken"),
        ("Hi, I'm Sarah Connor, about my bike", "Hi, I'm <name>, about my bike"),
    ],
)
def test_personal_data_is_masked(masker: Masker, said: str, masked: str) -> None:
    assert masker.mask(said) == masked


def test_spacy_finds_a_name_said_in_passing(masker: Masker) -> None:
    masked = masker.mask("Yesterday Margaret Thatcher fixed the puncture for me")
    assert "Margaret" not in masked and "Thatcher" not in masked
    assert "<name>" in masked and "puncture" in masked


def test_the_names_the_memory_knows_are_masked_in_any_case(masker: Masker) -> None:
    assert masker.mask("thanks, this is jo again", known_names=["Jo"]) == (
        "thanks, this is <name> again"
    )


def test_plain_messages_and_the_shops_words_are_left_alone(masker: Masker) -> None:
    for said in ("what time do you open on saturday?", "do you do repairs on 3 bikes at once"):
        assert masker.mask(said) == said
    shop = business.load(ROOT / "business.yml")
    for product in shop.products[:10]:
        said = f"is the {product.name} in stock"
        assert masker.mask(said) == said, product.name


def test_without_a_language_model_the_patterns_still_mask() -> None:
    assert Masker().mask("email me at a.b@example.org") == "email me at <email>"
