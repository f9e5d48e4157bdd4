"""The console's tone coaching in real headless Chromium: "Use the suggestion" replaces only the
hurtful part of the draft and keeps the rest, leaves a suggestion that promises more for the agent
to finish (never sent before), and whatever is sent, a used suggestion included, is checked again
on Send."""

from __future__ import annotations

from pathlib import Path

import pytest
from console_harness import PASSWORD, ConsoleServer
from rasa.shared.core.events import ConversationPaused, UserUttered

from bot.console.suggestion import PLACEHOLDER
from voice.business import load

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
WAIT_MS = 20_000
SCOLDING = (
    "That's not our problem, you obviously didn't charge them properly. Read the manual next time."
)
PLACEHOLDER_WORDS = load(Path(__file__).resolve().parents[3] / "business.yml").templates[
    PLACEHOLDER
]


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        browser.close()


def claimed_chat(console_server: ConsoleServer, page, sender: str, said: str):
    """Alex signed in, holding the waiting chat of `sender` (who said `said`); the reply box."""

    async def paused() -> None:
        store = console_server.app.ctx.agent.tracker_store  # type: ignore[attr-defined]
        tracker = await store.get_or_create_tracker(sender)
        tracker.update(UserUttered(said))
        tracker.update(ConversationPaused())
        await store.save(tracker)

    console_server.run(paused())
    handoff = console_server.service.queue.enqueue(sender, "customer_asked", said)  # type: ignore[attr-defined]
    page.goto(console_server.url + "/console")
    if page.locator("input[name=name]").count():
        page.locator("input[name=name]").fill("Alex")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("button[type=submit]").click()
        page.wait_for_url(console_server.url + "/console", timeout=WAIT_MS)
    page.locator(f'#queue li[data-id="{handoff.id}"]').click(timeout=WAIT_MS)
    page.locator("#claim").click()
    reply = page.locator("#reply")
    reply.wait_for(state="visible", timeout=WAIT_MS)
    return reply


def selected_text(page) -> str:
    return page.evaluate(
        "() => { const box = document.getElementById('reply');"
        " return box.value.slice(box.selectionStart, box.selectionEnd); }"
    )


def test_a_used_suggestion_keeps_the_other_sentence_and_waits_for_the_agent(
    console_server: ConsoleServer, page
) -> None:
    reply = claimed_chat(
        console_server, page, "cust-brakes", "my brakes still rub after the service"
    )
    kept = "Your brakes are adjusted and ready to collect from the workshop."
    reply.fill(kept + " You should have booked the brake service earlier, that's not our fault.")
    reply.press("Enter")
    page.locator("#tone-confirm").wait_for(state="visible", timeout=WAIT_MS)
    page.locator("#use-suggestion").click()
    used = reply.input_value()
    # The sentence that did not hurt stays word for word, the subject stays, the hurt goes.
    assert used.startswith(kept + " "), used
    assert "brake service" in used[len(kept) :], used
    assert "fault" not in used and "should have" not in used, used
    # The suggestion promises more ("here's what I can do"): the agent is left in the box with
    # the placeholder selected, and Enter does not send it.
    assert page.evaluate("() => document.activeElement.id") == "reply"
    assert selected_text(page) == PLACEHOLDER_WORDS
    reply.press("Enter")
    page.locator("#problem").wait_for(state="visible", timeout=WAIT_MS)
    assert selected_text(page) == PLACEHOLDER_WORDS
    assert page.locator("#transcript li.agent").count() == 0
    # Typing replaces the selected placeholder; then Enter sends the agent's finished reply.
    page.keyboard.type("a free re-adjust today while you wait")
    finished = reply.input_value()
    assert PLACEHOLDER_WORDS not in finished and finished.startswith(kept)
    reply.press("Enter")
    sent = page.locator("#transcript li.agent").first
    sent.wait_for(timeout=WAIT_MS)
    text = sent.text_content() or ""
    assert kept in text and "a free re-adjust today while you wait" in text, text
    assert "sent over the tone guard" not in text


def test_a_used_suggestion_drops_the_insult_and_is_checked_again(
    console_server: ConsoleServer, page
) -> None:
    reply = claimed_chat(
        console_server, page, "cust-lights", "my lights stopped charging after 3 days"
    )
    reply.fill(SCOLDING)
    reply.press("Enter")
    page.locator("#tone-confirm").wait_for(state="visible", timeout=WAIT_MS)
    page.locator("#use-suggestion").click()
    used = reply.input_value()
    assert used and "Read the manual" not in used and "obviously" not in used, used
    assert "manual" not in used, used  # the suggestion's subject is not the insult's
    used = used.replace(PLACEHOLDER_WORDS, "a new charging cable today")

    # The agent adds a hurtful sentence to the used suggestion: Enter holds it again.
    reply.fill(used + " Obviously you never read anything.")
    reply.press("Enter")
    page.locator("#tone-confirm").wait_for(state="visible", timeout=WAIT_MS)
    assert page.locator("#transcript li.agent").count() == 0

    page.locator("#use-suggestion").click()
    assert "Obviously" not in reply.input_value()
    if PLACEHOLDER_WORDS in reply.input_value():  # the agent says what the suggestion promises
        assert selected_text(page) == PLACEHOLDER_WORDS
        page.keyboard.type("a new charging cable today")
    assert PLACEHOLDER_WORDS not in reply.input_value()
    reply.press("Enter")
    sent = page.locator("#transcript li.agent").first
    sent.wait_for(timeout=WAIT_MS)
    text = sent.text_content() or ""
    assert "manual" not in text and "bviously" not in text, text
    assert "sent over the tone guard" not in text
