"""The console's tone coaching in real headless Chromium: "Use the suggestion" keeps none of the
hurtful draft, and whatever is sent, a used suggestion included, is checked again on Send."""

from __future__ import annotations

from pathlib import Path

import pytest
from console_harness import PASSWORD, ConsoleServer
from rasa.shared.core.events import ConversationPaused, UserUttered

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
WAIT_MS = 20_000
SCOLDING = (
    "That's not our problem, you obviously didn't charge them properly. Read the manual next time."
)


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        browser.close()


def test_a_used_suggestion_drops_the_insult_and_is_checked_again(
    console_server: ConsoleServer, page
) -> None:
    async def paused() -> None:
        store = console_server.app.ctx.agent.tracker_store  # type: ignore[attr-defined]
        tracker = await store.get_or_create_tracker("cust-lights")
        tracker.update(UserUttered("my lights stopped charging after 3 days"))
        tracker.update(ConversationPaused())
        await store.save(tracker)

    console_server.run(paused())
    console_server.service.queue.enqueue(  # type: ignore[attr-defined]
        "cust-lights", "customer_asked", "my lights stopped charging after 3 days"
    )
    page.goto(console_server.url + "/console")
    page.locator("input[name=name]").fill("Alex")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(console_server.url + "/console", timeout=WAIT_MS)
    page.locator("#queue li").first.click(timeout=WAIT_MS)
    page.locator("#claim").click()
    reply = page.locator("#reply")
    reply.wait_for(state="visible", timeout=WAIT_MS)

    reply.fill(SCOLDING)
    reply.press("Enter")
    page.locator("#tone-confirm").wait_for(state="visible", timeout=WAIT_MS)
    page.locator("#use-suggestion").click()
    used = reply.input_value()
    assert used and "Read the manual" not in used and "obviously" not in used, used
    assert "manual" not in used, used  # the suggestion's subject is not the insult's

    # The agent adds a hurtful sentence to the used suggestion: Enter holds it again.
    reply.fill(used + " Obviously you never read anything.")
    reply.press("Enter")
    page.locator("#tone-confirm").wait_for(state="visible", timeout=WAIT_MS)
    assert page.locator("#transcript li.agent").count() == 0

    page.locator("#use-suggestion").click()
    assert "Obviously" not in reply.input_value()
    reply.press("Enter")
    sent = page.locator("#transcript li.agent").first
    sent.wait_for(timeout=WAIT_MS)
    text = sent.text_content() or ""
    assert "manual" not in text and "bviously" not in text, text
    assert "sent over the tone guard" not in text
