"""Faults on a real Rasa server with the widget channel: the customer always gets a reply.

A server of its own (these tests stop, kill and start its processes): the action server down
gives the customer an honest reply with the shop's direct contacts within seconds, the message
is kept in the conversation, and once the action server is back the conversation goes on. The
Rasa server killed mid-conversation and started again continues every conversation with its
history, and memory has every exchange said before the kill, once. The memory writer killed:
the bot answers on, the health page says so and the exchanges wait in the outbox; started
again, it writes each of them once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time
from pathlib import Path

import aiohttp
import pytest
import rapport_widget_server
import socketio
from rapport_widget_server import HEALTH_TOKEN, WidgetServer
from widget_client import Widget, texts

from bot import health, processes, session_tokens
from voice import business

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HONEST_REPLY_SECONDS = 5.0


@pytest.fixture
def fault_server(restartable_server: WidgetServer) -> WidgetServer:
    """A server of its own (conftest.py), which the model-loading tests use after these."""
    return restartable_server


async def health_of(server: WidgetServer) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {HEALTH_TOKEN}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/webhooks/widget/health", headers=headers) as answer:
            return answer.status, await answer.json()


def _actions(server: WidgetServer) -> processes.Service:
    return next(s for s in server.services if s.name == "action server")


async def test_the_action_server_down_gets_an_honest_reply_and_the_chat_goes_on(
    fault_server: WidgetServer,
) -> None:
    widget = Widget(fault_server.url)
    await widget.connect()
    try:
        token, _ = await widget.start_session()
        assert (await widget.say("hello")).get("text")

        actions = _actions(fault_server)
        actions.stop()
        started = time.monotonic()
        reply = await widget.say("hello again, it's me")
        took = time.monotonic() - started
        assert reply.get("notice") == "unanswered", reply
        assert took < HONEST_REPLY_SECONDS, took
        # The next step works without the bot: the shop's own phone number.
        phone = business.load(Path(fault_server.settings.business_file)).locations[0].phone
        assert phone in reply["text"], reply["text"]
        # The operator sees it too: the health endpoint names the part that is down.
        status, report = await health_of(fault_server)
        assert status == 503 and report["status"] == "degraded", report
        assert report["action_server"]["ok"] is False, report
        assert report["memory"]["ok"] and report["tracker_store"]["ok"], report

        actions.start(fault_server.env)
        port = fault_server.env["ACTIONS_PORT"]
        processes.wait_until_ready(
            [actions],
            [(actions, f"http://127.0.0.1:{port}/health")],
            120,
            lambda elapsed, waiting: None,
        )
        answered = await widget.say("hello")
        assert answered.get("text") and answered.get("notice") is None, answered
        await asyncio.sleep(health.CACHE_SECONDS)
        status, report = await health_of(fault_server)
        assert status == 200 and report["action_server"]["ok"], report
    finally:
        await widget.close()

    # The message said while the action server was down is in the conversation's history.
    again = Widget(fault_server.url)
    await again.connect()
    try:
        _, history = await again.start_session(token)
        assert "hello again, it's me" in texts(history, "customer")
    finally:
        await again.close()


def _customer_exchanges(server: WidgetServer, conversation_id: str) -> list[str]:
    database = server.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT e.text FROM exchanges e JOIN conversations c ON e.conversation_id = c.id"
            " WHERE c.sender_id = ? AND e.speaker = 'customer' ORDER BY e.id",
            (conversation_id,),
        ).fetchall()
    return [row[0] for row in rows]


async def _until_answered(server: WidgetServer, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        probe = Widget(server.url)
        try:
            await probe.connect()
            await probe.start_session()
            if (await probe.say("hello")).get("text"):
                return
        except (AssertionError, OSError, socketio.exceptions.ConnectionError):
            await asyncio.sleep(2)
        finally:
            await probe.close()
    raise AssertionError(f"the Rasa server did not answer again:\n{server.log_tail()}")


async def test_the_rasa_server_killed_mid_conversation_loses_nothing(
    fault_server: WidgetServer,
) -> None:
    widget = Widget(fault_server.url)
    await widget.connect()
    said = ["hello", "what are your opening hours?"]
    try:
        token, _ = await widget.start_session()
        for text in said:
            assert (await widget.say(text)).get("text")
    finally:
        await widget.close()
    conversation_id = session_tokens.verify_session_token(
        rapport_widget_server.SESSION_SECRET, token
    )

    rasa = next(s for s in fault_server.services if s.name == "Rasa server")
    assert rasa.process is not None
    # A moment for the broker to hand the last events to its outbox file (docs/reliability.md).
    await asyncio.sleep(1.0)
    os.killpg(rasa.process.pid, signal.SIGKILL)
    rasa.process.wait()
    killed_at = time.monotonic()
    rasa.start(fault_server.env)
    await _until_answered(fault_server, rapport_widget_server.START_TIMEOUT_SECONDS)
    restart_seconds = time.monotonic() - killed_at

    again = Widget(fault_server.url)
    await again.connect()
    try:
        _, history = await again.start_session(token)
        assert again.errors() == [], again.errors()
        assert texts(history, "customer") == said
        assert (await again.say("thanks")).get("text")
    finally:
        await again.close()

    # Every customer message said before the kill is in memory, exactly once.
    deadline = time.monotonic() + 30
    while _customer_exchanges(fault_server, conversation_id) != [*said, "thanks"]:
        assert time.monotonic() < deadline, _customer_exchanges(fault_server, conversation_id)
        await asyncio.sleep(1)
    print(f"the Rasa server answered again {restart_seconds:.0f} s after the kill")


async def _health_until(server: WidgetServer, check, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        _, report = await health_of(server)
        if check(report["exchange_queue"]) or time.monotonic() > deadline:
            return report
        await asyncio.sleep(1.0)


async def test_the_memory_writer_killed_loses_nothing_and_the_bot_answers_on(
    fault_server: WidgetServer,
) -> None:
    writer = fault_server.service("memory writer")
    assert writer.process is not None
    os.killpg(writer.process.pid, signal.SIGKILL)
    writer.process.wait()
    widget = Widget(fault_server.url)
    await widget.connect()
    said = ["hello", "what are your opening hours?", "thanks"]
    try:
        token, _ = await widget.start_session()
        for text in said:
            assert (await widget.say(text)).get("text")  # the customer is answered
    finally:
        await widget.close()
    conversation_id = session_tokens.verify_session_token(
        rapport_widget_server.SESSION_SECRET, token
    )
    report = await _health_until(
        fault_server, lambda part: part.get("waiting", 0) > 0 and not part["ok"], 30
    )
    queue = report["exchange_queue"]
    assert report["status"] == "degraded" and queue["writer_running"] is False, report
    assert queue["waiting"] > 0  # waiting in the outbox, not lost
    assert _customer_exchanges(fault_server, conversation_id) == []

    writer.start(fault_server.env)
    deadline = time.monotonic() + 120
    while _customer_exchanges(fault_server, conversation_id) != said:
        assert time.monotonic() < deadline, _customer_exchanges(fault_server, conversation_id)
        await asyncio.sleep(1)
    report = await _health_until(fault_server, lambda part: part["ok"], 30)
    assert report["exchange_queue"]["writer_running"] is True, report


async def test_the_conversations_database_gone_is_said_and_no_one_is_greeted_as_new(
    fault_server: WidgetServer,
) -> None:
    widget = Widget(fault_server.url)
    await widget.connect()
    said = ["hello", "what are your opening hours?"]
    tracker_db = Path(fault_server.settings.tracker_db)
    aside = tracker_db.with_name("tracker-aside.db")
    try:
        token, _ = await widget.start_session()
        for text in said:
            assert (await widget.say(text)).get("text")
        await asyncio.sleep(health.REACHABLE_SECONDS)
        tracker_db.rename(aside)  # the database is gone: a new connection finds no tables
        try:
            reply = await widget.say("it's me again")
            assert reply.get("notice") == "records_down", reply
            phone = business.load(Path(fault_server.settings.business_file)).locations[0].phone
            assert phone in reply["text"], reply["text"]
            await asyncio.sleep(health.CACHE_SECONDS)
            status, report = await health_of(fault_server)
            assert status == 503 and report["tracker_store"]["ok"] is False, report
        finally:
            tracker_db.unlink(missing_ok=True)
            aside.rename(tracker_db)
        assert (await widget.say("thanks")).get("text")
    finally:
        await widget.close()

    again = Widget(fault_server.url)
    await again.connect()
    try:
        _, history = await again.start_session(token)
        # The conversation kept its history; the message said while it was down is not in it.
        assert texts(history, "customer") == [*said, "thanks"]
    finally:
        await again.close()
