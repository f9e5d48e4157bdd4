"""The catalogue search: what a customer named is the shop's item, or nothing; never another."""

from __future__ import annotations

from pathlib import Path

import pytest
from small_shop import SMALL_SHOP, small_shop

from voice import business
from voice.business import Business, BusinessFileError
from voice.catalogue import Catalogue, similarity, words_of

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def shop(tmp_path: Path) -> Business:
    return small_shop(tmp_path)


def named(shop: Business, text: str) -> str | None:
    product = Catalogue.of(shop).product(text)
    return product.name if product else None


def test_words_are_compared_the_way_customers_write_them() -> None:
    assert words_of("Acme Roadster5") == ["acme", "roadster", "5"]
    assert words_of("X-Ray pumps") == ["xray", "pump"]
    assert similarity("roadstr", "roadster") > 85
    assert similarity("5", "9") == 0.0  # numbers must agree
    assert similarity("lid", "lad") == 0.0  # short words must be exact


@pytest.mark.parametrize(
    ("said", "item"),
    [
        ("Acme Roadster 5", "Acme Roadster 5"),
        ("acme roadster5", "Acme Roadster 5"),  # written together
        ("the roadster5", "Acme Roadster 5"),  # a synonym
        ("acme roadstr 5", "Acme Roadster 5"),  # a typo
        ("roadster 9", "Acme Roadster 9"),
        ("a track pump", "Stormy track pump"),  # a tag
        ("inflator", "Stormy track pump"),
        ("pumps", "Stormy track pump"),  # its category
        ("tail light", "Glow rear light"),
        ("a floor pump with a gauge", "Stormy track pump"),  # described, not named
        ("carbon race bike", "Acme Roadster 9"),
    ],
)
def test_what_a_customer_calls_an_item_finds_it(shop: Business, said: str, item: str) -> None:
    assert named(shop, said) == item


@pytest.mark.parametrize(
    "said",
    [
        "Acme Roadster 7",  # the brand and the model's name, another number: not ours
        "Acme Tourer 5",  # a word that is no word of any item
        "Stormy mini pump",
        "bicycles",  # a category every bike shares names none of them
        "a road bike",  # a kind of bike two bikes share
        "carbon wheels",
        "",
    ],
)
def test_what_the_shop_does_not_stock_is_nothing_not_another_item(
    shop: Business, said: str
) -> None:
    assert named(shop, said) is None


def test_business_find_product_uses_the_catalogue(shop: Business) -> None:
    assert shop.find_product("roadster5") is not None
    assert shop.find_product("Acme Roadster 7") is None


def test_a_message_is_searched_for_every_kind_of_thing_the_shop_has(shop: Business) -> None:
    catalogue = Catalogue.of(shop)

    def first(text: str) -> tuple[str, str] | None:
        found = catalogue.mentioned(text)
        return (found[0].item.kind, found[0].item.name) if found else None

    assert first("hmm is the stormy pump any good") == ("product", "Stormy track pump")
    assert first("my slipping gears again") == ("repair", "gear service")
    assert first("that repair class thing") == ("clinic", "Mend it Monday")
    assert first("the sunday ride?") == ("event", "Sunday Hills Loop")
    assert first("u open sat") == ("fact", "opening hours")
    assert first("what about an acme roadster 7") is None
    assert first("just a bicycles question") is None


def test_the_shipped_catalogue_knows_its_customers_words() -> None:
    shipped = business.load(ROOT / "business.yml")
    assert named(shipped, "Trek Marlin") is None
    assert named(shipped, "trek fx3") == "Trek FX 3"
    assert named(shipped, "U-lock") == "Kryptonite lock"
    assert named(shipped, "SPDs") == "Shimano SPD pedals"
    assert named(shipped, "seat") == "Brooks saddle"
    assert named(shipped, "fenders") == named(shipped, "mudguards") is not None


@pytest.mark.parametrize(
    ("said", "item"),
    [
        ("a lock for my bike", "Kryptonite lock"),
        ("padlock", "Kryptonite lock"),
        ("a skid lid", "Giro helmet"),
        ("lights for night riding", "Lezyne lights"),
        ("a headlight", "Lezyne lights"),
        ("comfy seat", "Brooks saddle"),
        ("oil for my chain", "chain lube"),
        ("stuff for a squeaky chain", "chain lube"),
        ("a spare inner", "inner tube"),
        ("waterproof rack bags", "Ortlieb panniers"),
        ("clip in pedals", "Shimano SPD pedals"),
        ("splash guards", "SKS Bluemels mudguards"),
    ],
)
def test_the_shipped_catalogue_finds_what_customers_describe(said: str, item: str) -> None:
    assert named(business.load(ROOT / "business.yml"), said) == item


@pytest.mark.parametrize(
    "said", ["one of those little pumps", "a phone holder for the handlebars", "a kickstand"]
)
def test_what_the_shipped_shop_does_not_stock_is_no_item(said: str) -> None:
    # Not stocked: the say-yes ladder offers a special order, never an unrelated item.
    assert named(business.load(ROOT / "business.yml"), said) is None


def test_a_message_describing_lights_finds_the_lights() -> None:
    shipped = business.load(ROOT / "business.yml")
    found = Catalogue.of(shipped).mentioned("need something to keep me seen at night")
    assert [match.item.name for match in found[:1]] == ["Lezyne lights"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    synonyms: [stormy pump]\n",
            "    synonyms: stormy pump\n",
            "products[4].synonyms must be a list, got 'stormy pump'",
        ),
        (
            "    tags: [tail light, back light]\n",
            "    tags: [tail light, 7]\n",
            "products[5].tags[1] must be text, got 7",
        ),
        (
            "repair class]}",
            "repair class], synonym: [x]}",
            "services.clinics[0].synonym is not a known key",
        ),
        (
            "  budget:\n",
            "  budgets:\n",
            "vocabulary.budgets is not a known key",
        ),
        (
            "a grand: 1000}",
            "a grand: lots}",
            "vocabulary.budget.amounts.a grand must be a positive number, got 'lots'",
        ),
        (
            "    bike_type: city\n",
            "    bike_type: cargo\n",
            "products[3].bike_type 'cargo' is not one of vocabulary.bike_kinds (road, kids, city)",
        ),
        (
            "    - {name: returns policy, intent: return_request,",
            "    - {name: returns policy,",
            "vocabulary.facts[1].intent is missing",
        ),
    ],
)
def test_a_wrong_new_key_names_the_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in SMALL_SHOP
    text = SMALL_SHOP.replace(old, new, 1)
    with pytest.raises(BusinessFileError) as error:
        small_shop(tmp_path, text)
    assert str(error.value).startswith("business.yml line ")
    assert message in str(error.value)


def test_a_shop_without_vocabulary_still_finds_its_items(tmp_path: Path) -> None:
    text = SMALL_SHOP[: SMALL_SHOP.index("vocabulary:")]
    shop = small_shop(tmp_path, text)
    assert named(shop, "acme roadster5") == "Acme Roadster 5"
    with pytest.raises(BusinessFileError):
        small_shop(tmp_path, text + "vocabulary: [road]\n")
