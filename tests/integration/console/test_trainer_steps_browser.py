"""The trainer's steps in real headless Chromium: the "They mean" list starts with no choice
(the bot's guess is often the mistake) and names each intent with an example, Save asks for a
choice, a saved label links to the training page, which is styled like the console, and a
missing evaluation report gives a page that says how to get one there."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from console_harness import PASSWORD, ConsoleServer

from memory.records import Exchange

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
WAIT_MS = 20_000
SAID = "need a bike to commute to work under 900 quid nothing fancy"


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_context(viewport={"width": 1500, "height": 950}).new_page()
        browser.close()


def test_a_trainer_chooses_the_meaning_and_is_led_to_training(
    console_server: ConsoleServer, page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = console_server.service.store  # type: ignore[attr-defined]
    at = datetime.now(timezone.utc) - timedelta(minutes=5)
    store.exchanges.start_conversation("ts-1", at)
    # The bot was unsure, and its guess was wrong.
    store.exchanges.record_exchange(
        Exchange("ts-1", "ts-1", "customer", SAID, at, "book_repair", 0.41)
    )

    page.goto(console_server.url + "/console")
    page.locator("input[name=name]").fill("Tess")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(console_server.url + "/console/trainer", timeout=WAIT_MS)
    page.locator("#groups li", has_text=SAID).first.click(timeout=WAIT_MS)
    page.locator("#messages li", has_text=SAID).wait_for(timeout=WAIT_MS)
    assert page.locator("#intent").input_value() == ""  # not the guess (book_repair)
    option = page.locator("#intent option[value=book_repair]")
    assert "(like “" in (option.text_content() or ""), option.text_content()

    page.locator("#accept").click()
    page.locator("#problem", has_text="Choose what these messages mean").wait_for(timeout=WAIT_MS)
    choice = next(
        value
        for value in page.locator("#intent option").evaluate_all("os => os.map(o => o.value)")
        if value and value != "book_repair" and not value.startswith("_")
    )
    page.locator("#intent").select_option(choice)
    page.locator("#accept").click()
    train = page.locator("#done a", has_text="Train the bot")
    train.wait_for(timeout=WAIT_MS)
    assert train.get_attribute("href") == "/console/training"

    train.click()
    page.wait_for_url(console_server.url + "/console/training", timeout=WAIT_MS)
    header = page.locator("header.top")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(31, 78, 121)"

    # No report yet: a page that leads back to the training page, no command line.
    import bot.evaluation_report

    monkeypatch.setattr(bot.evaluation_report, "REPORTS_DIR", tmp_path / "reports")
    page.locator("a", has_text="The last evaluation report").click()
    page.locator("#no-report").wait_for(timeout=WAIT_MS)
    assert page.locator("#no-report a").get_attribute("href") == "/console/training"
    assert "python" not in page.content()
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    missing = requests.get(f"{console_server.url}/console/evaluation", cookies=cookies, timeout=30)
    assert missing.status_code == 404 and "text/html" in missing.headers["Content-Type"]
