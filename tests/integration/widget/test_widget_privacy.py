"""A customer's privacy through the real widget channel: internal notes never reach them.

An agent writes a note through the console's API of the running server; the customer then asks
for their data and reconnects. Neither the download nor the replayed history holds the note.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from rapport_widget_server import SESSION_SECRET, WidgetServer
from test_widget_channel import Widget

from bot import session_tokens
from memory.agents import AgentAccounts
from memory.store import MemoryStore

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NOTE_MARKER = "NOTE-b71e-never-for-the-customer"
AGENT_PASSWORD = "a long console password for the privacy test"


def _console_note(server: WidgetServer, conversation: str) -> None:
    """An agent signs in to the console and writes an internal note on the customer's chat."""
    store = MemoryStore(server.settings.database_url)
    try:
        accounts = AgentAccounts(store.engine)
        if "Morgan" not in accounts.names():
            accounts.add("Morgan", AGENT_PASSWORD)
        handoff = store.handoffs.enqueue(conversation, "customer_asked")
    finally:
        store.close()
    browser = requests.Session()
    signed_in = browser.post(
        f"{server.url}/console/sign-in",
        data={"name": "Morgan", "password": AGENT_PASSWORD},
        headers={"Origin": server.url},
        allow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text
    csrf = browser.get(f"{server.url}/console/api/me").json()["csrf_token"]
    api = f"{server.url}/console/api/handoffs/{handoff.id}"
    noted = browser.post(
        f"{api}/notes",
        json={"text": f"{NOTE_MARKER}: asked twice for a discount"},
        headers={"X-CSRF-Token": csrf},
    )
    assert noted.status_code == 200, noted.text
    assert NOTE_MARKER in json.dumps(noted.json())  # the agents see it


async def _replies(widget: Widget, seconds: float = 20.0) -> list[dict[str, Any]]:
    """Every bot message until none has come for a few seconds (the export is two)."""
    got: list[dict[str, Any]] = [await widget.next("bot_uttered", seconds)]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            got.append(await widget.next("bot_uttered", 4))
        except AssertionError:
            break
    return got


async def test_internal_notes_are_neither_exported_nor_replayed(
    widget_server: WidgetServer,
) -> None:
    widget = Widget(widget_server.url)
    await widget.connect()
    try:
        token, _ = await widget.start_session()
        conversation = session_tokens.verify_session_token(SESSION_SECRET, token)
        await widget.say("hi, my name is Robin and I ride a Brompton")
        _console_note(widget_server, conversation)

        await widget.client.emit("user_uttered", {"message": "export my data", "metadata": {}})
        replies = await _replies(widget)
        downloads = [m["custom"] for m in replies if (m.get("custom") or {}).get("data")]
        assert downloads, f"no download among {replies}"
        exported = json.loads(downloads[0]["data"])
        assert NOTE_MARKER not in json.dumps(replies)
        assert "agent_notes" not in exported
        # The customer's own words are in it: what they said in the conversation.
        said = [row.get("text") or "" for row in exported.get("conversation_messages", [])]
        assert any("Robin" in text for text in said), exported
    finally:
        await widget.close()

    again = Widget(widget_server.url)
    await again.connect()
    try:
        _, history = await again.start_session(token)
        assert any("Robin" in (m.get("text") or "") for m in history)
        assert NOTE_MARKER not in json.dumps(history)
    finally:
        await again.close()
