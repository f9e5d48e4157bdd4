"""The queue and the notes in the agent's words: an internal note says why the chat came to a
person in words, not a code name, and the queue's badges stay on one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from console_harness import PASSWORD, ConsoleServer
from rasa.shared.core.events import ConversationPaused, UserUttered

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
WAIT_MS = 20_000


def _waiting(server: ConsoleServer, sender_id: str, reason: str, text: str):
    async def write() -> None:
        store = server.app.ctx.agent.tracker_store  # type: ignore[attr-defined]
        tracker = await store.get_or_create_tracker(sender_id)
        tracker.update(UserUttered(text))
        tracker.update(ConversationPaused())
        await store.save(tracker)

    server.run(write())
    return server.service.queue.enqueue(sender_id, reason, text)  # type: ignore[attr-defined]


def test_the_follow_up_note_says_the_reason_in_words(console_server: ConsoleServer) -> None:
    handoff = _waiting(console_server, "cust-words", "at_risk", "Still no refund")
    alex = console_server.signed_in("Alex")
    api = f"{console_server.url}/console/api/handoffs/{handoff.id}"
    assert alex.post(f"{api}/claim", json={}).status_code == 200
    due = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    done = alex.post(
        f"{api}/resolve",
        json={"outcome": "follow_up", "what": "a call about the refund", "due_at": due.isoformat()},
    )
    assert done.status_code == 200, done.text
    notes = [note["text"] for note in console_server.service.notes("cust-words")]  # type: ignore[attr-defined]
    reason = console_server.service.reason_words("at_risk")  # type: ignore[attr-defined]
    assert any(reason in note for note in notes), notes
    assert not any("at_risk" in note for note in notes), notes


@pytest.mark.browser
@pytest.mark.slow
def test_the_queue_badges_stay_on_one_line(console_server: ConsoleServer) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    _waiting(console_server, "cust-badges", "complaint", "The wheel you trued came loose")
    issues = console_server.service.store.issues  # type: ignore[attr-defined]
    customer = console_server.service.store.customers.customer_for_sender("cust-badges")  # type: ignore[attr-defined]
    for what in ("Wheel came loose", "Nobody called back"):
        issues.open_issue(customer, "complaint", what)  # two open complaints: at risk
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.goto(console_server.url + "/console")
        page.locator("input[name=name]").fill("Alex")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("button[type=submit]").click()
        badge = page.locator("#queue li .risk-badge").first
        badge.wait_for(timeout=WAIT_MS)
        assert page.locator("#queue li .serious-badge").count() == 1
        lines = badge.evaluate("element => element.getClientRects().length")
        style = badge.evaluate("element => getComputedStyle(element).whiteSpace")
        browser.close()
    assert (lines, style) == (1, "nowrap")
