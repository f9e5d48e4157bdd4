"""A chat an agent holds stays with the agent when Rasa starts a new session after a silence
(a new session un-pauses a conversation), against the real servers."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from rapport_widget_server import SESSION_SECRET, WidgetServer

from bot import session_tokens
from memory.store import MemoryStore

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SILENCE_SECONDS = 3 * 3600  # longer than the domain's session_expiration_time


def age_conversation(tracker_db: str, sender_id: str, seconds: float) -> None:
    """Move a conversation's events back in time, as if the customer had gone quiet."""
    with sqlite3.connect(tracker_db) as db:
        db.execute(
            "UPDATE events SET timestamp = timestamp - ?, "
            "data = json_set(data, '$.timestamp', json_extract(data, '$.timestamp') - ?) "
            "WHERE sender_id = ?",
            (seconds, seconds, sender_id),
        )


async def open_handoff(widget_server: WidgetServer, sender_id: str) -> int:
    store = MemoryStore(widget_server.settings.database_url)
    try:
        queue = store.handoffs
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            handoff = await asyncio.to_thread(queue.open_for, sender_id)
            if handoff is not None:
                return handoff.id
            await asyncio.sleep(0.5)
    finally:
        store.close()
    raise AssertionError("the chat never reached the agents' queue")


async def test_a_chat_an_agent_holds_stays_paused_across_a_new_session(
    open_widget, widget_server: WidgetServer
) -> None:
    customer = await open_widget()
    token, _ = await customer.start_session()
    conversation = session_tokens.verify_session_token(SESSION_SECRET, token)
    await customer.say("I'd like to talk to a person please")
    handoff_id = await open_handoff(widget_server, conversation)
    store = MemoryStore(widget_server.settings.database_url)
    try:
        await asyncio.to_thread(store.handoffs.claim, handoff_id, "Alex")
    finally:
        store.close()
    await customer.drain(2.0)

    age_conversation(widget_server.settings.tracker_db, conversation, SILENCE_SECONDS)
    await customer.client.emit("user_uttered", {"message": "hello? are you still there?"})
    answered = [data for name, data in await customer.drain(10.0) if name == "bot_uttered"]
    assert answered == [], "the bot answered a chat an agent holds"
