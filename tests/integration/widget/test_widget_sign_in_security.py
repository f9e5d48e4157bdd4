"""Signing in and out through the real widget channel: an anonymous token is never a key to a
customer's record (a shared computer, or a script that reads the page's storage)."""

from __future__ import annotations

import asyncio
import time

import pytest
from rapport_widget_server import SESSION_SECRET, WidgetServer
from widget_client import texts

from bot import session_tokens
from memory.store import MemoryStore

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MEMORY_SECONDS = 90  # the exchange log may lag on a busy machine


def conversation_of(token: str) -> str:
    return session_tokens.verify_session_token(SESSION_SECRET, token)


async def wait_for_name(widget_server: WidgetServer, customer: str, name: str) -> None:
    store = MemoryStore(widget_server.settings.database_url)
    try:
        deadline = time.monotonic() + MEMORY_SECONDS
        while time.monotonic() < deadline:
            found = await asyncio.to_thread(store.customers.find_customer, customer)
            if (
                found is not None
                and (await asyncio.to_thread(store.cards.card, found)).name == name
            ):
                return
            await asyncio.sleep(0.5)
    finally:
        store.close()
    raise AssertionError(f"the memory never learnt {customer}'s name")


async def test_the_anonymous_token_from_before_sign_in_opens_nothing_of_the_account(
    open_widget, widget_server: WidgetServer
) -> None:
    customer = "cust-shared-pc-1"
    identity = {"id": customer, "signature": widget_server.sign(customer), "name": "Cara"}
    browser = await open_widget()
    before, _ = await browser.start_session()
    await browser.say("hello, my front brake rubs")
    after, history = await browser.start_session(before, customer=identity)
    assert browser.errors() == []
    # Signing in keeps what was said (merged into the customer's conversation)...
    await browser.say("what do you know about me?")
    await wait_for_name(widget_server, customer, "Cara")
    # ...and hands the browser a token for a fresh, empty anonymous conversation.
    assert conversation_of(after) != conversation_of(before)

    # The next person at this computer, or a script that read the old token from storage:
    later = await open_widget()
    token, history = await later.start_session(before)
    assert later.errors() == ["session_refused"]
    assert conversation_of(token) not in {conversation_of(before), conversation_of(after)}
    assert history == []
    answer = await later.say_all("what do you know about me?")
    assert "Cara" not in answer


async def test_signing_out_leaves_a_chat_with_nothing_of_the_account(
    open_widget, widget_server: WidgetServer
) -> None:
    customer = "cust-sign-out-1"
    identity = {"id": customer, "signature": widget_server.sign(customer), "name": "Dev"}
    browser = await open_widget()
    signed_in, _ = await browser.start_session(customer=identity)
    await browser.say("hello, I ride a Trek FX 3")
    await wait_for_name(widget_server, customer, "Dev")
    await browser.close()

    # Signed out: the page no longer renders an identity; the widget still holds its token.
    signed_out = await open_widget()
    token, history = await signed_out.start_session(signed_in)
    assert signed_out.errors() == []
    assert history == []
    assert "hello, I ride a Trek FX 3" not in texts(history, "customer")
    answer = await signed_out.say_all("what do you know about me?")
    assert "Dev" not in answer
    assert conversation_of(token) == conversation_of(signed_in)


async def test_non_ascii_tokens_and_signatures_get_an_answer_not_silence(
    open_widget, widget_server: WidgetServer
) -> None:
    widget = await open_widget()
    real, _ = await widget.start_session()
    forged = real.rsplit(".", 1)[0] + "." + "é" * 64
    identity = {"id": "cust-unicode-1", "signature": "ü" * 64, "name": "Eve"}
    token, history = await widget.start_session(forged, customer=identity)
    assert widget.errors() == ["session_refused", "identity_refused"]
    assert conversation_of(token) != conversation_of(real)
    assert history == []


async def test_an_identity_past_its_expiry_is_refused(
    open_widget, widget_server: WidgetServer
) -> None:
    from rapport_widget_server import IDENTITY_SECRET

    customer = "cust-expiring-1"
    lapsed = int(time.time()) - 60
    signature = session_tokens.identity_signature(IDENTITY_SECRET, customer, lapsed)
    widget = await open_widget()
    _, history = await widget.start_session(
        customer={"id": customer, "signature": signature, "expires": lapsed}
    )
    assert widget.errors() == ["identity_refused"]
    assert history == []
    ahead = int(time.time()) + 3600
    signature = session_tokens.identity_signature(IDENTITY_SECRET, customer, ahead)
    fresh = await open_widget()
    await fresh.start_session(customer={"id": customer, "signature": signature, "expires": ahead})
    assert fresh.errors() == []
