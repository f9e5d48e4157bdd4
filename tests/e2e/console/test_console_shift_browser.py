"""A busy shift in real Chromium against the real Rasa and action servers: two agents, two
customers. A new chat raises an alert (tab title, alert list) and its wait ticks; the two chats
are told apart in the queue; the agent sees the customer typing, and a customer's new message
in a chat the agent is not looking at raises an alert; a hurtful draft sent with Enter is held
by the tone guard until the agent confirms it (recorded for coaching); a canned reply goes in
with Alt+1; the chat is transferred with a note and the other agent is alerted; a follow-up is
promised (the customer is told what and when), waits for us, and is kept; the resolved chat is
found again in past chats. Screenshots in var/screenshots/: console-shift-queue.png,
console-shift-tone.png, widget-follow-up.png, console-shift-past.png."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from rapport_widget_server import WidgetServer

from bot.console import canned
from memory.agents import AgentAccounts

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.slow]

WAIT_MS = 30_000
ROOT = Path(__file__).resolve().parents[3]
HURTFUL = "That's not our fault, you should have read the manual."


def sign_in(context, url: str, name: str, password: str):
    console = context.new_page()
    console.goto(url + "/console")
    console.locator("input[name=name]").fill(name)
    console.locator("input[name=password]").fill(password)
    console.locator("button[type=submit]").click()
    console.wait_for_url(url + "/console", timeout=WAIT_MS)
    console.locator("#live").filter(has_text="live").wait_for(timeout=WAIT_MS)
    return console


def open_chat(page, url: str) -> None:
    page.goto(url + "/")
    page.locator(".launcher").click()
    page.locator('#rapport-widget[data-connection="online"]').wait_for(
        state="attached", timeout=WAIT_MS
    )


def customer_says(page, text: str) -> None:
    page.locator(".input").fill(text)
    page.locator(".input").press("Enter")


def queued_ids(console) -> set[str]:
    return set(console.locator("#queue li").evaluate_all("(items) => items.map(i => i.dataset.id)"))


def asks_for_a_person(customer, console, url: str, text: str) -> str:
    """The customer asks for a person; the id of the chat that appears in the console."""
    before = queued_ids(console)
    open_chat(customer, url)
    replies = customer.locator(".from-bot, .from-agent").count()
    customer_says(customer, text)
    customer.locator(".from-bot, .from-agent").nth(replies).wait_for(timeout=WAIT_MS)
    console.locator("#queue li").nth(len(before)).wait_for(timeout=WAIT_MS)
    [new] = queued_ids(console) - before
    return new


def test_a_busy_shift_with_two_agents_and_two_customers(
    rapport_server: WidgetServer, chromium, screenshots: Path
) -> None:
    url = rapport_server.url
    password = secrets.token_urlsafe(16)
    suffix = secrets.randbelow(10_000)
    alex, blake = f"Alex{suffix}", f"Blake{suffix}"
    accounts = AgentAccounts(rapport_server.settings.database_url)
    accounts.add(alex, password)
    accounts.add(blake, password)
    first_canned = canned.load(canned.path_beside(ROOT / "business.yml"))[0].text

    contexts = [
        chromium.new_context(viewport={"width": 1500, "height": 1000}),
        chromium.new_context(viewport={"width": 1500, "height": 1000}),
        chromium.new_context(),
        chromium.new_context(),
    ]
    try:
        alex_console = sign_in(contexts[0], url, alex, password)
        blake_console = sign_in(contexts[1], url, blake, password)
        # The alert sound can be muted, and stays muted after a reload.
        blake_console.locator("#mute").click()
        blake_console.reload()
        blake_console.locator("#mute[aria-pressed=true]", has_text="Sound off").wait_for(
            timeout=WAIT_MS
        )
        blake_console.locator("#live").filter(has_text="live").wait_for(timeout=WAIT_MS)
        ann, ben = contexts[2].new_page(), contexts[3].new_page()

        # -- a new chat: alert, title count, a wait that ticks ------------------------------
        ann_chat = asks_for_a_person(ann, alex_console, url, "I'd like to talk to a person please")
        alex_console.locator("#alerts li", has_text="New chat waiting").wait_for(timeout=WAIT_MS)
        assert re.match(r"^\(\d+\) ", alex_console.title()), alex_console.title()
        wait = alex_console.locator(f'#queue li[data-id="{ann_chat}"] .wait')
        first_wait = wait.text_content()
        alex_console.wait_for_timeout(2200)
        assert wait.text_content() != first_wait, first_wait  # the wait ticks in the page

        ben_chat = asks_for_a_person(
            ben, alex_console, url, "Can a person help me with my order please"
        )
        entries = {
            chat: alex_console.locator(f'#queue li[data-id="{chat}"] .name').text_content()
            for chat in (ann_chat, ben_chat)
        }
        assert entries[ann_chat] != entries[ben_chat], entries  # no two "Anonymous customer"
        ben_entry = alex_console.locator(f'#queue li[data-id="{ben_chat}"]').text_content() or ""
        assert "Stage:" in ben_entry and "“" in ben_entry  # stage and what they asked
        alex_console.screenshot(path=str(screenshots / "console-shift-queue.png"))

        # -- Alex takes Ann's chat: customer typing, timestamps ----------------------------
        alex_console.locator(f'#queue li[data-id="{ann_chat}"]').click()
        alex_console.locator("#claim").click()
        alex_console.locator("#reply").wait_for(state="visible", timeout=WAIT_MS)
        ann.locator(".input").type("My brakes squ", delay=50)
        alex_console.locator("#customer-typing").wait_for(state="visible", timeout=WAIT_MS)
        ann.locator(".input").type("eal since the last service")
        ann.locator(".input").press("Enter")
        alex_console.locator("#transcript li.customer", has_text="brakes squeal").wait_for(
            timeout=WAIT_MS
        )
        assert alex_console.locator("#transcript li.customer time").count() >= 2

        # -- a hurtful draft sent with Enter is held until confirmed -------------------------
        alex_console.locator("#reply").fill(HURTFUL)
        alex_console.locator("#reply").press("Enter")
        alex_console.locator("#tone-confirm").wait_for(state="visible", timeout=WAIT_MS)
        assert alex_console.locator("#tone-confirm-findings li").count() >= 1
        assert alex_console.locator("#transcript li.agent", has_text="not our fault").count() == 0
        alex_console.screenshot(path=str(screenshots / "console-shift-tone.png"))
        alex_console.locator("#use-suggestion").click()  # one click: the suggestion replaces it
        suggested = alex_console.locator("#reply").input_value()
        assert suggested and suggested != HURTFUL
        alex_console.locator("#reply").fill(HURTFUL)
        alex_console.locator("#reply").press("Enter")
        alex_console.locator("#send-anyway").click()
        ann.locator(".from-agent .bubble", has_text="not our fault").wait_for(timeout=WAIT_MS)
        alex_console.locator(f'#queue li[data-id="{ann_chat}"]').click()  # reread the card
        alex_console.locator("#sent-anyway li", has_text="not our fault").wait_for(timeout=WAIT_MS)

        # -- a canned reply with Alt+1; Shift+Enter is a new line, Enter sends ---------------
        alex_console.locator("#reply").focus()
        alex_console.keyboard.press("Alt+Digit1")
        alex_console.keyboard.press("Shift+Enter")
        alex_console.keyboard.type("Alex")
        assert alex_console.locator("#reply").input_value() == first_canned + "\nAlex"
        alex_console.keyboard.press("Enter")
        ann.locator(".from-agent .bubble", has_text=first_canned[:30]).wait_for(timeout=WAIT_MS)

        # -- a new message in a claimed chat the agent is not looking at ---------------------
        alex_console.locator(f'#queue li[data-id="{ben_chat}"]').click()
        alex_console.locator("#claim").wait_for(state="visible", timeout=WAIT_MS)
        customer_says(ann, "Also the chain is noisy")
        alex_console.locator("#alerts li", has_text="New message").wait_for(timeout=WAIT_MS)
        alex_console.locator(f'#queue li.unread[data-id="{ann_chat}"]').wait_for(timeout=WAIT_MS)

        # -- transfer to Blake with a note: Blake is alerted --------------------------------
        alex_console.locator(f'#queue li[data-id="{ann_chat}"]').click()
        alex_console.locator("#transfer-to").select_option(blake)
        alex_console.locator("#transfer-note").fill("Brake pads probably worn, quote needed")
        alex_console.locator("#transfer").click()
        blake_console.locator("#alerts li", has_text=f"{alex} transferred").wait_for(
            timeout=WAIT_MS
        )
        ann.locator('.notice[data-notice="agent_transferred"]').wait_for(timeout=WAIT_MS)
        blake_console.locator(f'#queue li[data-id="{ann_chat}"]').click()
        blake_console.locator("#transfer-info", has_text="quote needed").wait_for(timeout=WAIT_MS)

        # -- a follow-up promised: the customer is told; it waits for us until kept ---------
        blake_console.locator("#follow-up").click()
        blake_console.locator("#follow-up-what").fill("a quote for new brake pads")
        blake_console.locator("#follow-up-save").click()
        told = ann.locator('.notice[data-notice="follow_up_promised"]')
        told.wait_for(timeout=WAIT_MS)
        assert "a quote for new brake pads" in (told.text_content() or "")
        assert blake in (told.text_content() or "")
        ann.screenshot(path=str(screenshots / "widget-follow-up.png"))
        waiting = alex_console.locator("#follow-ups li", has_text="a quote for new brake pads")
        waiting.wait_for(timeout=WAIT_MS)  # every agent sees what the team owes
        blake_console.locator("#follow-ups li", has_text="brake pads").locator(".keep").click()
        waiting.wait_for(state="detached", timeout=WAIT_MS)

        # -- Ben's chat resolved; both found again in past chats ------------------------------
        alex_console.locator(f'#queue li[data-id="{ben_chat}"]').click()
        alex_console.locator("#claim").click()
        alex_console.locator("#resolve").wait_for(state="visible", timeout=WAIT_MS)
        alex_console.locator("#resolve").click()
        alex_console.locator("#chat-state").filter(has_text="Resolved").wait_for(timeout=WAIT_MS)
        # The chat just resolved is in the past chats at once, without a search or a reload.
        alex_console.locator(f'#past li[data-id="{ben_chat}"]').wait_for(timeout=WAIT_MS)
        alex_console.locator("#past-q").fill("brakes squeal")
        alex_console.locator("#past-form button").click()
        found = alex_console.locator(f'#past li[data-id="{ann_chat}"]')
        found.wait_for(timeout=WAIT_MS)
        assert alex_console.locator(f'#past li[data-id="{ben_chat}"]').count() == 0
        found.click()
        alex_console.locator("#transcript li.customer", has_text="brakes squeal").wait_for(
            timeout=WAIT_MS
        )
        alex_console.locator("#follow-up-info", has_text="kept").wait_for(timeout=WAIT_MS)
        alex_console.locator("#sent-anyway li", has_text="not our fault").wait_for(timeout=WAIT_MS)
        # The transcript marks the reply sent over the guard, for whoever reads the chat later.
        alex_console.locator("#transcript li.agent.flagged", has_text="not our fault").wait_for(
            timeout=WAIT_MS
        )
        alex_console.screenshot(path=str(screenshots / "console-shift-past.png"))
        alex_console.locator("#past-q").fill("order please")
        alex_console.locator("#past-form button").click()
        alex_console.locator(f'#past li[data-id="{ben_chat}"]').wait_for(timeout=WAIT_MS)
    finally:
        for context in contexts:
            context.close()
