"""The widget's limits per socket, per client address and per handoff, against a real Rasa server.

Conversations are free (a `session_request` without a token starts one), so a limit per
conversation alone can be walked around: these tests try, through the real channel, on the
away server (rapport_widget_server.start_away), whose limits are small; the out-of-hours tests
share it. The harness connects from 127.0.0.1, which this server trusts as a proxy, so each
test names its client address in X-Forwarded-For (addresses no other test of it uses).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from rapport_widget_server import (
    HANDOFFS_PER_ADDRESS,
    MESSAGES_PER_ADDRESS,
    MESSAGES_PER_CONVERSATION,
    NEW_SESSIONS_PER_ADDRESS,
    SESSION_SECRET,
    SESSIONS_PER_SOCKET,
    WidgetServer,
)
from sqlalchemy import create_engine, select
from test_widget_channel import Widget

from bot import session_tokens
from memory import schema

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ASK_FOR_A_PERSON = "let me speak to a person"


@pytest.fixture
def limits_server(away_server: tuple[WidgetServer, str]) -> WidgetServer:
    return away_server[0]


@pytest.fixture
async def widget_from(limits_server: WidgetServer) -> AsyncIterator:
    """Opens a widget whose client address (behind the trusted proxy) is `address`."""
    widgets: list[Widget] = []

    async def make(address: str, forwarded_for: str | None = None) -> Widget:
        widget = Widget(limits_server.url)
        await widget.connect({"X-Forwarded-For": forwarded_for or address})
        widgets.append(widget)
        return widget

    yield make
    for widget in widgets:
        await widget.close()


async def request_session(widget: Widget, token: str | None = None) -> tuple[str, Any]:
    """session_request -> ("session_confirm", token) or ("rapport_error", error)."""
    await widget.client.emit("session_request", {"session_id": token})

    async def answer() -> tuple[str, Any]:
        while True:
            name, data = await widget.events.get()
            if name in ("session_confirm", "rapport_error"):
                if name == "rapport_error" and data.get("code") != "session_limited":
                    continue  # a refused token is followed by a new session
                return name, data

    return await asyncio.wait_for(answer(), 30)


async def send(widget: Widget, text: str) -> dict:
    """A message and the first reply to it (a notice, or the bot's answer)."""
    await widget.client.emit("user_uttered", {"message": text})
    reply = await widget.next("bot_uttered", 60)
    await widget.drain(1.0)  # the rest of the answer, so that it is not read as the next reply
    return reply


def conversation_of(token: str) -> str:
    return session_tokens.verify_session_token(SESSION_SECRET, token)


def queued(server: WidgetServer, conversations: list[str]) -> list[str]:
    engine = create_engine(server.settings.database_url, future=True)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(schema.handoffs.c.sender_id).where(
                    schema.handoffs.c.sender_id.in_(conversations)
                )
            ).all()
    finally:
        engine.dispose()
    return [row.sender_id for row in rows]


async def test_one_socket_asking_for_new_sessions_is_refused_after_the_limit(widget_from) -> None:
    widget = await widget_from("198.51.100.11")
    answers = [await request_session(widget) for _ in range(SESSIONS_PER_SOCKET + 2)]
    kinds = [name for name, _ in answers]
    assert kinds[:SESSIONS_PER_SOCKET] == ["session_confirm"] * SESSIONS_PER_SOCKET
    assert kinds[SESSIONS_PER_SOCKET:] == ["rapport_error", "rapport_error"]
    refusal = answers[-1][1]
    assert refusal["code"] == "session_limited" and refusal["message"]


async def test_new_sessions_do_not_reset_the_message_limit_of_a_socket(widget_from) -> None:
    widget = await widget_from("198.51.100.12")
    await request_session(widget)
    for number in range(MESSAGES_PER_CONVERSATION):
        assert "notice" not in await send(widget, f"hello {number}")
    name, _ = await request_session(widget)  # a fresh conversation, the same socket
    assert name == "session_confirm"
    refused = await send(widget, "hello again")
    assert refused.get("notice") == "rate_limited" and refused["text"]


async def test_many_sockets_from_one_address_share_its_message_limit(widget_from) -> None:
    replies = []
    for _ in range(3):
        widget = await widget_from("198.51.100.13")
        await request_session(widget)
        for number in range(3):
            replies.append(await send(widget, f"hi {number}"))
    notices = [reply.get("notice") for reply in replies]
    assert notices[:MESSAGES_PER_ADDRESS] == [None] * MESSAGES_PER_ADDRESS
    assert notices[MESSAGES_PER_ADDRESS:] == ["rate_limited"]

    elsewhere = await widget_from("198.51.100.14")
    await request_session(elsewhere)
    assert "notice" not in await send(elsewhere, "hello")


async def test_many_sockets_from_one_address_are_refused_new_sessions(widget_from) -> None:
    kinds = []
    for _ in range(NEW_SESSIONS_PER_ADDRESS + 1):
        widget = await widget_from("198.51.100.15")
        kinds.append((await request_session(widget))[0])
    assert kinds == ["session_confirm"] * NEW_SESSIONS_PER_ADDRESS + ["rapport_error"]

    elsewhere = await widget_from("198.51.100.16")
    assert (await request_session(elsewhere))[0] == "session_confirm"


async def test_addresses_added_in_front_of_the_trusted_proxy_do_not_escape_the_limit(
    widget_from,
) -> None:
    # Only the hop the trusted proxy saw is believed; what the client wrote before it is not.
    kinds = []
    for number in range(NEW_SESSIONS_PER_ADDRESS + 1):
        widget = await widget_from("", forwarded_for=f"10.9.9.{number}, 198.51.100.17")
        kinds.append((await request_session(widget))[0])
    assert kinds[-1] == "rapport_error"
    assert kinds[:-1] == ["session_confirm"] * NEW_SESSIONS_PER_ADDRESS


async def test_handoffs_from_one_address_beyond_the_limit_are_not_queued(
    widget_from, limits_server: WidgetServer
) -> None:
    conversations = []
    replies = []
    for _ in range(HANDOFFS_PER_ADDRESS + 1):
        widget = await widget_from("198.51.100.18")
        _, token = await request_session(widget)
        conversations.append(conversation_of(token))
        replies.append(await send(widget, ASK_FOR_A_PERSON))
    assert sorted(queued(limits_server, conversations)) == sorted(
        conversations[:HANDOFFS_PER_ADDRESS]
    )
    # The one not queued still gets an answer with a next step, not silence.
    assert replies[-1].get("text")

    elsewhere = await widget_from("198.51.100.19")
    _, token = await request_session(elsewhere)
    await send(elsewhere, ASK_FOR_A_PERSON)
    assert queued(limits_server, [conversation_of(token)]) == [conversation_of(token)]
