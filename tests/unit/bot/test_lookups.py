"""The training lookups are written from the business file, and checked to match it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot import cli, lookups
from bot.settings import ROOT, Settings
from voice import business
from voice.business import BusinessFileError

sys.path.insert(0, str(ROOT / "tests" / "unit" / "voice"))
from small_shop import SMALL_SHOP, small_shop


def test_lookups_hold_every_name_tag_synonym_and_kind(tmp_path: Path) -> None:
    shop = small_shop(tmp_path)
    folder = tmp_path / "lookups"
    assert {path.name for path in lookups.write(shop, folder)} == {
        "products.yml",
        "bike_types.yml",
    }
    text = (folder / "products.yml").read_text(encoding="utf-8")
    assert text.startswith("# Generated from business.yml by `python -m bot train`")
    data = load_data(str(folder))
    tables = {table["name"]: table["elements"] for table in data.lookup_tables}
    assert {"Acme Roadster 5", "Stormy track pump", "track pump", "pumps"} <= set(tables["product"])
    assert "racer" not in tables["product"]  # a kind of bike's word is a bike_type only
    assert set(tables["bike_type"]) == {"road", "kids", "city"}
    assert data.entity_synonyms["roadster5"] == "Acme Roadster 5"
    assert data.entity_synonyms["balance bike"] == "kids"


def test_a_shop_without_kinds_of_bike_gets_no_bike_type_lookup(tmp_path: Path) -> None:
    start, end = SMALL_SHOP.index("  bike_kinds:"), SMALL_SHOP.index("  purposes:")
    text = (SMALL_SHOP[:start] + SMALL_SHOP[end:]).replace("    bike_type: road\n", "")
    text = text.replace("    bike_type: kids\n", "").replace("    bike_type: city\n", "")
    shop = small_shop(tmp_path, text)
    assert shop.vocabulary.bike_kinds == ()
    folder = tmp_path / "lookups"
    assert [path.name for path in lookups.write(shop, folder)] == ["products.yml"]
    assert lookups.stale(shop, folder) == []


def test_an_unchanged_file_is_not_rewritten_and_a_change_is_seen(tmp_path: Path) -> None:
    shop = small_shop(tmp_path)
    folder = tmp_path / "lookups"
    lookups.write(shop, folder)
    assert lookups.stale(shop, folder) == []
    assert lookups.write(shop, folder) == []  # same text: Rasa's fingerprint is unchanged
    changed = small_shop(tmp_path, SMALL_SHOP.replace("[stormy pump]", "[stormy pump, stormy]"))
    assert lookups.stale(changed, folder) == [folder / "products.yml"]


def test_one_synonym_for_two_products_is_refused(tmp_path: Path) -> None:
    text = SMALL_SHOP.replace("synonyms: [roadster9]", "synonyms: [roadster9, acme roadster]")
    with pytest.raises(BusinessFileError, match="'acme roadster' is a synonym of both"):
        lookups.render(small_shop(tmp_path, text))


def test_the_shipped_lookups_match_the_shipped_business_file() -> None:
    shipped = business.load(ROOT / "business.yml")
    assert lookups.stale(shipped, Settings().lookups_dir) == []


def test_validate_names_a_stale_lookup_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Settings(content_dir=tmp_path, business_file=ROOT / "business.yml")
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    with pytest.raises(cli.CommandFailed, match=r"products\.yml, data/nlu/lookups/bike_types\.yml"):
        cli.check_lookups(config)
    cli.write_lookups(config)
    cli.check_lookups(config)
