"""The console page in real headless Chromium against the console's test server: sign in, the
live queue, the card, claiming, the tone findings on a draft, replying, notes, resolving."""

from __future__ import annotations

from pathlib import Path

import pytest
from console_harness import PASSWORD, ConsoleServer
from rasa.shared.core.events import ConversationPaused, UserUttered

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 20_000
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        yield context.new_page()
        browser.close()


def test_the_console_page_end_to_end(console_server: ConsoleServer, page) -> None:
    async def paused() -> None:
        store = console_server.app.ctx.agent.tracker_store  # type: ignore[attr-defined]
        tracker = await store.get_or_create_tracker("cust-page")
        tracker.update(UserUttered("Can I speak to someone?"))
        tracker.update(ConversationPaused())
        await store.save(tracker)

    console_server.run(paused())
    customer_id = console_server.service.store.customers.customer_for_sender("cust-page")
    console_server.service.store.issues.open_issue(customer_id, "complaint", "Wheel arrived bent")

    page.goto(console_server.url + "/console")
    assert page.url.endswith("/console/sign-in")
    page.locator("input[name=name]").fill("Alex")
    page.locator("input[name=password]").fill(PASSWORD + "x")
    page.locator("button[type=submit]").click()
    page.locator("#problem").filter(has_text="don't match").wait_for(timeout=WAIT_MS)
    page.locator("input[name=name]").fill("Alex")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(console_server.url + "/console", timeout=WAIT_MS)
    page.locator("#live").filter(has_text="live").wait_for(timeout=WAIT_MS)
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script can read the session

    # A chat escalated while the console is open appears without a reload.
    console_server.service.queue.enqueue("cust-page", "complaint", "Can I speak to someone?")
    entry = page.locator("#queue li").first
    entry.wait_for(timeout=WAIT_MS)
    assert "complaint" in (entry.text_content() or "")
    page.screenshot(path=str(SCREENSHOTS.parent / "screenshots" / "console-page-queue.png"))
    entry.click()
    page.locator("#card-facts").filter(has_text="Wheel arrived bent").wait_for(timeout=WAIT_MS)
    # A customer who has not told their name: no "Name" row, never "Name: not given".
    facts = page.locator("#card-facts").text_content() or ""
    assert "Name" not in facts and "not given" not in facts, facts
    page.locator("#transcript li.customer", has_text="speak to someone").wait_for(timeout=WAIT_MS)
    page.locator("#claim").click()
    page.locator("#reply").wait_for(state="visible", timeout=WAIT_MS)

    page.locator("#reply").type("That's not our fault, you should have checked the box.")
    page.locator("#tone li").first.wait_for(timeout=WAIT_MS)
    page.locator("#reply").fill("I'm sorry about the wheel. I'll send a new one today.")
    page.locator("#reply-form button[type=submit]").click()
    page.locator("#transcript li.agent", has_text="new one today").wait_for(timeout=WAIT_MS)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-page-chat.png"))
    page.locator("#note").fill("Sent a replacement wheel")
    page.locator("#note-form button").click()
    page.locator("#notes li", has_text="replacement wheel").wait_for(timeout=WAIT_MS)
    page.locator("#resolve").click()
    page.locator("#chat-state").filter(has_text="Resolved").wait_for(timeout=WAIT_MS)
    page.locator("#queue-empty").wait_for(state="visible", timeout=WAIT_MS)
    tracker = console_server.run(
        console_server.app.ctx.agent.tracker_store.retrieve("cust-page")  # type: ignore[attr-defined]
    )
    assert not tracker.is_paused()
