"""The business file: the shipped one loads, and each kind of mistake names its file and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from voice import business
from voice.business import BusinessFileError

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "business.yml"


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing `needle`."""
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def broken(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text, f"the shipped business.yml no longer contains {old!r}"
    changed = text.replace(old, new, 1)
    path = tmp_path / "business.yml"
    path.write_text(changed, encoding="utf-8")
    return path, changed


def test_the_shipped_business_file_loads() -> None:
    shop = business.load(SHIPPED)
    assert shop.shop.name
    assert {product.name for product in shop.products} >= {"Trek FX 3", "Kryptonite lock"}
    assert shop.policies.returns_window_days == 30
    assert shop.loyalty.rewards == tuple(sorted(shop.loyalty.rewards, key=lambda r: r.points))
    assert any(item.main for item in shop.menu)


def test_holidays_win_over_weekly_hours() -> None:
    shop = business.load(SHIPPED)
    christmas = dt.date(2026, 12, 25)  # a Friday, normally open
    assert shop.hours[business.WEEKDAYS[christmas.weekday()]] is not None
    assert shop.hours_on(christmas) is None
    assert shop.next_open_day(christmas) == dt.date(2026, 12, 27)


def test_products_are_found_by_partial_name_and_by_kind_of_riding() -> None:
    shop = business.load(SHIPPED)
    assert shop.find_product("a kryptonite") is not None
    assert shop.find_product("Kryptonite").name == "Kryptonite lock"  # type: ignore[union-attr]
    gravel_bikes = shop.products_for("gravel", bikes=True)
    assert [p.name for p in gravel_bikes] == ["Specialized Diverge"]
    assert shop.repair_service("my brakes squeal").name == "brake service"  # type: ignore[union-attr]


def test_weekly_events_repeat_and_one_off_events_end() -> None:
    shop = business.load(SHIPPED)
    upcoming = shop.upcoming_events(dt.date(2027, 6, 1), limit=10)
    assert upcoming and all(event.weekly for _, event in upcoming)


def test_the_say_yes_section_is_validated_by_the_one_loader(tmp_path: Path) -> None:
    path = tmp_path / "business.yml"
    # The shipped file's say_yes section, replaced by one the say-yes rules do not know.
    shipped = SHIPPED.read_text().split("\nsay_yes:")[0]
    path.write_text(shipped + "\nsay_yes:\n  anything: goes\n", encoding="utf-8")
    line = len(shipped.splitlines()) + 2
    with pytest.raises(BusinessFileError, match=rf"business\.yml line {line}: say_yes\.anything"):
        business.load(path)
    loaded = business.load(SHIPPED)
    assert loaded.say_yes is not None and "complaint" in loaded.say_yes_rules().kinds


@pytest.mark.parametrize(
    ("old", "new", "marker", "message"),
    [
        (
            "price: 849",
            "price: ten",
            "price: ten",
            "products[0].price must be a positive number, got 'ten'",
        ),
        (
            "stock: 3\n",
            "stock: -1\n",
            "stock: -1",
            "products[0].stock must be a whole number of 0 or more",
        ),
        (
            'thursday: {open: "09:00", close: "20:00"}',
            'thursday: {open: "09:00", close: "08:00"}',
            "thursday:",
            "hours.thursday.close must be later than hours.thursday.open",
        ),
        (
            'tuesday: {open: "09:00"',
            'tuesday: {open: "9am"',
            "tuesday:",
            "hours.tuesday.open must be a 24-hour time in quotes like \"09:00\", got '9am'",
        ),
        (
            "email: hello@spokeandchain.example",
            "email: hello",
            "email: hello",
            "locations[0].email must be an email address",
        ),
        (
            "returns_window_days: 30",
            "returns_window_days: thirty",
            "returns_window_days",
            "policies.returns_window_days must be a whole number above 0",
        ),
        (
            '- {date: "2026-12-25"',
            '- {date: "2026-13-25"',
            '"2026-13-25"',
            'holidays[1].date must be a date like "2026-12-25"',
        ),
        (
            "    weekly: saturday\n",
            "    weekly: caturday\n",
            "weekly: caturday",
            "events[0].weekly must be a weekday name, got 'caturday'",
        ),
        (
            "\nloyalty:",
            "\nloyalty_points: 3\nloyalty:",
            "loyalty_points:",
            "loyalty_points is not a known section",
        ),
        (
            "    category: bicycles\n    bike_type: hybrid\n",
            "    category: bicycles\n    bike_tipe: hybrid\n",
            "bike_tipe",
            "products[0].bike_tipe is not a known key",
        ),
        (
            "  locale: en_GB",
            "  locale: english please",
            "locale: english",
            "shop.locale 'english please' is not a locale",
        ),
    ],
)
def test_a_mistake_names_the_file_the_line_and_the_fault(
    tmp_path: Path, old: str, new: str, marker: str, message: str
) -> None:
    path, text = broken(tmp_path, old, new)
    with pytest.raises(BusinessFileError) as caught:
        business.load(path)
    assert str(caught.value).startswith(f"business.yml line {line_of(text, marker)}: ")
    assert message in str(caught.value)


def test_a_missing_section_and_bad_yaml_are_reported(tmp_path: Path) -> None:
    path, _ = broken(tmp_path, "\npolicies:", "\nold_policies:")
    with pytest.raises(BusinessFileError, match="old_policies is not a known section"):
        business.load(path)
    path.write_text("shop: [unclosed\n", encoding="utf-8")
    with pytest.raises(BusinessFileError, match=r"^business\.yml line \d+: not valid YAML"):
        business.load(path)
    with pytest.raises(BusinessFileError, match="cannot be read"):
        business.load(tmp_path / "absent.yml")


def test_a_shop_without_repairs_needs_no_repair_warranty(tmp_path: Path) -> None:
    """A café or a bookshop states its returns, not a repair warranty: the two lines are
    optional, together."""
    days = "  repair_warranty_days: 90\n"
    words = "  repair_warranty: If anything we fixed goes wrong within 90 days"
    text = SHIPPED.read_text(encoding="utf-8")
    warranty = text[text.index(days) : text.index("\n", text.index(words)) + 1]
    path, _ = broken(tmp_path, warranty, "")
    policies = business.load(path).policies
    assert (policies.repair_warranty_days, policies.repair_warranty) == (0, "")
    path, _ = broken(tmp_path, warranty, days)
    with pytest.raises(BusinessFileError, match="both repair_warranty_days and repair_warranty"):
        business.load(path)
