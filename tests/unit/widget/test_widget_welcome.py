"""Before the first message: the greeting, the main menu, and who answers when; the demo page
filled from the business file. A shop of the test's own (its hours, words and menu), so the
rules are tested, not the sample shop's content."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from bot import demo_page, widget_welcome
from voice import business
from voice.business import Holiday, MenuItem, OpeningHours, Product

ROOT = Path(__file__).resolve().parents[3]
NINE_TO_FIVE = OpeningHours(dt.time(9), dt.time(17))
WORDS = {
    "widget_greeting": "Hello from the test shop.",
    "widget_team_online": "Someone is here.",
    "widget_team_in": "The team is in until {close}.",
    "widget_team_back": "The team is back at {opening}.",
}


@pytest.fixture(scope="module")
def shop() -> business.Business:
    sample = business.load(ROOT / "business.yml")
    weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday")
    hours = {day: (NINE_TO_FIVE if day in weekdays else None) for day in sample.hours}
    menu = (
        MenuItem("ask_hours", "Hours"),
        MenuItem("book_repair", "Book a repair", main=True),
        MenuItem("order_status", "My order", main=True),
    )
    return dataclasses.replace(
        sample,
        hours=hours,
        holidays=(Holiday(dt.date(2030, 1, 2), "Stocktake", None),),
        templates={**sample.templates, **WORDS},
        menu=menu,
    )


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2030, 1, day, hour, minute)  # 1 January 2030 is a Tuesday


def test_in_hours_with_an_agent_at_the_console_a_person_is_online(shop) -> None:
    assert widget_welcome.availability(shop, at(1, 10), agents_online=2) == {
        "state": "team",
        "text": "Someone is here.",
    }


def test_in_hours_with_nobody_at_the_console_says_until_when_the_team_is_in(shop) -> None:
    assert widget_welcome.availability(shop, at(1, 10), agents_online=0) == {
        "state": "open",
        "text": "The team is in until 17:00.",
    }


def test_before_opening_the_team_is_back_today(shop) -> None:
    found = widget_welcome.availability(shop, at(1, 7, 30), agents_online=1)
    assert found == {"state": "away", "text": "The team is back at 09:00 today."}


def test_after_closing_the_team_is_back_on_the_next_open_day(shop) -> None:
    # Tuesday evening; Wednesday is a closed holiday, so Thursday.
    found = widget_welcome.availability(shop, at(1, 17, 0), agents_online=1)
    assert found["state"] == "away"
    assert found["text"] == "The team is back at 09:00 Thursday 3 January."


def test_the_welcome_offers_the_main_menu_as_quick_replies(shop) -> None:
    shown = widget_welcome.welcome(shop, at(1, 10), agents_online=0)
    assert shown["greeting"] == "Hello from the test shop."
    assert shown["quick_replies"] == [
        {"title": "Book a repair", "payload": "/book_repair"},
        {"title": "My order", "payload": "/order_status"},
    ]


def test_the_demo_page_shows_the_business_files_products_escaped(shop) -> None:
    odd = Product("Night <script>alert(1)</script> light", "lights", 19.5, 3, "bright & small")
    page = demo_page.render(
        dataclasses.replace(shop, products=(odd,)),
        (ROOT / "bot" / "static" / "index.html").read_text(encoding="utf-8"),
    )
    assert "<script>alert(1)</script>" not in page
    assert "Night &lt;script&gt;alert(1)&lt;/script&gt; light" in page
    assert "Bright &amp; small" in page
    assert shop.format_price(19.5) in page
    assert "<!--shop:" not in page  # every marker filled
    assert all(service.name.capitalize()[:5] in page for service in shop.repairs)
