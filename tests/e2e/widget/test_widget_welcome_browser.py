"""What a customer sees in real headless Chromium before and around their first message: the
greeting and the main menu (the business file's words), who answers and when in the header,
timestamps and a day separator, the demo page's products, and, on a phone, a panel that keeps
the keyboard's focus inside and closes with Escape from the message box. Screenshots of the
first-open panel and the phone view go to var/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from rapport_widget_server import WidgetServer

from bot import widget_welcome
from voice import business

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
WAIT_MS = 30_000
PHONE = {"width": 390, "height": 844}
# Whether the element that has the focus inside the widget is in the open panel.
FOCUS_IN_PANEL = (
    "() => { const root = document.querySelector('#rapport-widget').shadowRoot;"
    " const active = root.activeElement; return !!(active && active.closest('.panel')); }"
)


@pytest.fixture(scope="module")
def shop() -> business.Business:
    return business.load(ROOT / "business.yml")


def open_chat(page, url: str) -> None:
    page.goto(url + "/")
    page.locator(".launcher").click()
    page.locator('#rapport-widget[data-connection="online"]').wait_for(
        state="attached", timeout=WAIT_MS
    )


def test_the_first_open_greets_offers_the_menu_and_says_who_answers(
    widget_server: WidgetServer, browser, screenshots: Path, shop
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        open_chat(page, widget_server.url)
        greeting = page.locator(".welcome .bubble")
        greeting.wait_for(timeout=WAIT_MS)
        assert greeting.text_content() == shop.templates[widget_welcome.GREETING]
        main = [item.label for item in shop.menu if item.main]
        assert page.locator(".quick-replies .reply").all_text_contents() == main

        # Who answers now: one of the business file's availability lines, for this moment.
        status = page.locator(".status")
        moment = shop.local_now()
        expected = {widget_welcome.availability(shop, moment, online)["text"] for online in (0, 1)}
        page.locator(".status:not(:empty)").wait_for(timeout=WAIT_MS)
        assert status.text_content() in expected
        assert status.get_attribute("data-state") == "online"
        page.screenshot(path=str(screenshots / "widget-first-open.png"))

        # A menu button is a real offer: the bot takes it (the repair form's first question).
        page.locator(".quick-replies .reply", has_text="Book a repair").click()
        page.locator(".from-bot .bubble").first.wait_for(timeout=WAIT_MS)
        assert "Which bike" in (page.locator(".from-bot .bubble").last.text_content() or "")
        # Each message has its time; the first one of the day has a separator above it.
        assert page.locator(".message time").count() >= 2
        assert page.locator(".messages .day").count() == 1
        assert page.locator(".welcome").count() == 1  # the greeting stays where it was
    finally:
        context.close()


def test_the_demo_page_sells_what_the_business_file_lists(
    widget_server: WidgetServer, browser, shop
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(widget_server.url + "/")
        assert page.locator("h1").text_content() == shop.shop.name
        shown = page.locator("section[aria-label=Products] h3").all_text_contents()
        assert shown and set(shown) <= {product.name for product in shop.products}
    finally:
        context.close()


def test_on_a_phone_focus_stays_in_the_panel_and_escape_closes_it(
    widget_server: WidgetServer, browser, screenshots: Path
) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        open_chat(page, widget_server.url)
        page.locator(".welcome").wait_for(timeout=WAIT_MS)
        page.screenshot(path=str(screenshots / "widget-phone.png"))
        page.locator(".input").focus()
        for _ in range(12):  # more presses than the panel has controls: it must wrap around
            page.keyboard.press("Tab")
            assert page.evaluate(FOCUS_IN_PANEL)
        for _ in range(12):
            page.keyboard.press("Shift+Tab")
            assert page.evaluate(FOCUS_IN_PANEL)
        page.locator(".input").focus()
        page.keyboard.press("Escape")
        page.locator(".panel").wait_for(state="hidden", timeout=WAIT_MS)
        assert page.locator(".launcher").get_attribute("aria-expanded") == "false"
    finally:
        context.close()
