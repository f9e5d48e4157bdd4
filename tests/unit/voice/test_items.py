"""A customer's own item is the catalogue's only when it is the same item; numbers name nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice.business import load
from voice.items import as_said, names_a_thing, same_item


@pytest.mark.parametrize(
    ("said", "name", "same"),
    [
        ("trek fx3", "Trek FX 3", True),
        ("my Trek FX 3 bike", "Trek FX 3", True),
        ("cannondale topstone", "Cannondale Synapse", False),
        ("trek", "Trek FX 3", False),
        ("trek fx 3 disc", "Trek FX 3", False),
        ("", "Trek FX 3", False),
    ],
)
def test_same_item_needs_every_distinguishing_word(said: str, name: str, same: bool) -> None:
    assert same_item(said, name) is same


def test_what_was_said_is_tidied_not_replaced() -> None:
    assert as_said("cannondale topstone", ["Cannondale"]) == "Cannondale Topstone"
    assert as_said("  old  gravel bike ", ["Cannondale"]) == "old gravel bike"


@pytest.mark.parametrize("text", ["50", "about 50", "3", "the 2"])
def test_a_number_names_no_product(text: str) -> None:
    assert not names_a_thing(text)


def test_a_number_from_another_sentence_is_never_found_inside_a_product_name() -> None:
    shop = load(Path("business.yml"))
    assert shop.find_product("50") is None  # not the Continental GP5000
    assert shop.find_product("about 50") is None
    assert shop.find_product("50 days") is None
    found = shop.find_product("gp5000")
    assert found is not None and found.name == "Continental GP5000"
