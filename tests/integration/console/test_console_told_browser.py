"""What the console shows of the shop's promises, in real headless Chromium set to another
locale and timezone than the shop's: the reply promised reads the same time in the chat's header
and on the card, in the shop's locale (en_GB, Europe/London), until the agent's reply keeps it;
the bot's check-in after a complaint waits for us under the customer's words; the card lists
what she asked when she left the message and her earlier chats, each readable from there."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from console_harness import PASSWORD, ConsoleServer
from rasa.shared.core.events import ConversationPaused, UserUttered

from memory import services
from memory.handoffs import escalate, memory_promise

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
WAIT_MS = 20_000
ASKED = "my gears keep slipping on my new bike"


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # An agent whose browser speaks US English on the US west coast: the console still
        # writes times as the shop says them.
        context = browser.new_context(
            viewport={"width": 1400, "height": 900},
            locale="en-US",
            timezone_id="America/Los_Angeles",
        )
        yield context.new_page()
        browser.close()


def test_the_promise_reads_as_told_in_the_shops_time_until_the_reply_keeps_it(
    console_server: ConsoleServer, page
) -> None:
    store = console_server.service.store  # type: ignore[attr-defined]

    async def paused() -> None:
        trackers = console_server.app.ctx.agent.tracker_store  # type: ignore[attr-defined]
        tracker = await trackers.get_or_create_tracker("cust-kim")
        tracker.update(UserUttered(ASKED))
        tracker.update(ConversationPaused())
        await trackers.save(tracker)

    console_server.run(paused())
    # An earlier chat of Kim's, resolved: the card lists it.
    earlier = store.handoffs.enqueue("cust-kim", "customer_asked", "is my saddle in stock yet")
    store.handoffs.claim(earlier.id, "Blake")
    store.handoffs.resolve(earlier.id, "Blake", "resolved")
    # Kim left a message out of hours and was told a person replies at the next opening.
    told = (datetime.now(timezone.utc) + timedelta(days=2)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    shown = told.astimezone(ZoneInfo("Europe/London"))
    told_words = f"{shown.day} {shown:%b %Y, %H:%M}"  # "29 Nov 2026, 09:00"
    with store.unit_of_work() as work:
        escalation = escalate(
            work.handoffs,
            [],
            "cust-kim",
            "customer_asked",
            open_now=False,
            detail=ASKED,
            promise=memory_promise(work, lambda subject: f"A person replies about: {subject}"),
            reply_by=told,
        )
    chat = escalation.handoff.id
    # Gary's complaint: the bot promised to check in; that waits for us in his words.
    gary = store.customers.customer_for_sender("cust-gary")
    services.complaint_with_promise(
        store,
        gary,
        "the lights stopped charging",
        "I've noted everything, and someone from our team will check in with you by Saturday.",
        told,
        sender_id="cust-gary",
    )

    page.goto(console_server.url + "/console")
    page.locator("input[name=name]").fill("Alex")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(console_server.url + "/console", timeout=WAIT_MS)

    waiting = page.locator("#follow-ups li", has_text="the lights stopped charging")
    waiting.wait_for(timeout=WAIT_MS)
    assert "check in with you" not in (waiting.text_content() or "")  # not the bot's sentence
    assert told_words in (waiting.text_content() or "")

    entry = page.locator(f'#queue li[data-id="{chat}"]')
    assert ASKED in (entry.text_content() or "")
    entry.click(timeout=WAIT_MS)
    header = page.locator("#chat-contact")
    header.wait_for(state="visible", timeout=WAIT_MS)
    assert (header.text_content() or "").strip() == f"Promised a reply by {told_words}"
    promise = page.locator("#card-facts dd", has_text="A person replies about")
    promise.wait_for(timeout=WAIT_MS)
    assert f"due {told_words}" in (promise.text_content() or "")  # the same time as told
    # Her earlier chat is on the card, readable from there.
    page.locator(f'#earlier-chats li[data-id="{earlier.id}"]', has_text="saddle").wait_for(
        timeout=WAIT_MS
    )
    # What she asked when she left the message is on the card.
    facts = page.locator("#card-facts").text_content() or ""
    assert "Left a message" + ASKED in facts, facts

    page.locator("#claim").click()
    reply = page.locator("#reply")
    reply.wait_for(state="visible", timeout=WAIT_MS)
    assert header.is_visible()  # taking the chat is no reply yet
    reply.fill("Hi Kim, I can look at the gears on your bike today.")
    reply.press("Enter")
    page.locator("#transcript li.agent").first.wait_for(timeout=WAIT_MS)
    header.wait_for(state="hidden", timeout=WAIT_MS)  # the reply kept the promise
    page.locator("#card-facts dd", has_text="A person replies about").wait_for(
        state="detached", timeout=WAIT_MS
    )
    page.locator(f'#earlier-chats li[data-id="{earlier.id}"]').click()
    page.locator("#chat-state", has_text="Resolved").wait_for(timeout=WAIT_MS)
    page.locator(f'#earlier-chats li[data-id="{chat}"]').wait_for(timeout=WAIT_MS)
    page.locator(f'#earlier-chats li[data-id="{chat}"]').click()
    # A time today reads as the clock, in the shop's timezone.
    at = page.locator("#transcript li.agent time").first.text_content() or ""
    now = datetime.now(ZoneInfo("Europe/London"))
    assert at in {f"{now:%H:%M}", f"{(now - timedelta(minutes=1)):%H:%M}"}, at
