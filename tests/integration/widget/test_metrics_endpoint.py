"""The Prometheus metrics of a real Rasa server and action server: refused without their token,
and moving when a customer talks to the bot through the widget."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import aiohttp
import pytest
import rapport_widget_server
from prometheus_client.parser import text_string_to_metric_families
from rapport_widget_server import HEALTH_TOKEN, METRICS_TOKEN, WidgetServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

Figures = dict[tuple[str, frozenset[tuple[str, str]]], float]
SETTLE_SECONDS = 20.0


def _rasa_metrics(server: WidgetServer) -> str:
    return f"{server.url}/webhooks/widget/metrics"


def _action_metrics(server: WidgetServer) -> str:
    return f"http://127.0.0.1:{server.settings.actions_port}/metrics"


async def _get(url: str, header: str | None) -> tuple[int, str]:
    headers = {"Authorization": header} if header is not None else {}
    async with aiohttp.ClientSession() as http:
        async with http.get(url, headers=headers) as answer:
            return answer.status, await answer.text()


async def _figures(url: str) -> Figures:
    status, text = await _get(url, f"Bearer {METRICS_TOKEN}")
    assert status == 200, text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(figures: Figures, name: str, **labels: str) -> float:
    return figures.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_are_refused_without_their_token(widget_server: WidgetServer) -> None:
    wrong = (None, f"Bearer {METRICS_TOKEN}x", "Bearer ", METRICS_TOKEN, f"Bearer {HEALTH_TOKEN}")
    for url in (_rasa_metrics(widget_server), _action_metrics(widget_server)):
        for header in wrong:
            status, body = await _get(url, header)
            assert status == 401, (url, header)
            assert "rapport_" not in body, (url, header)


async def test_counters_move_after_a_conversation(widget_server: WidgetServer, open_widget) -> None:
    rasa_before = await _figures(_rasa_metrics(widget_server))
    actions_before = await _figures(_action_metrics(widget_server))

    widget = await open_widget()
    await widget.start_session()
    reply = await widget.say("hello")
    assert reply.get("text") or reply.get("quick_replies")

    def moved(name: str, before: Figures, after: Figures, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    # The event broker counts the message when Rasa saves the turn, and the channel times the
    # reply when the turn is over: both just after the reply arrives.
    settled = (
        ("rapport_nlu_confidence_count", {}),
        ("rapport_reply_seconds_count", {"channel": "widget"}),
    )
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        rasa_after = await _figures(_rasa_metrics(widget_server))
        if all(moved(name, rasa_before, rasa_after, **labels) >= 1 for name, labels in settled):
            break
        assert time.monotonic() < deadline, f"the histograms never moved: {rasa_after}"
        await asyncio.sleep(0.5)
    actions_after = await _figures(_action_metrics(widget_server))

    widget_messages = {"channel": "widget"}
    assert moved("rapport_messages_in_total", rasa_before, rasa_after, **widget_messages) == 1
    assert moved("rapport_nlu_confidence_count", rasa_before, rasa_after) == 1
    assert moved("rapport_messages_out_total", rasa_before, rasa_after, **widget_messages) >= 1
    assert moved("rapport_reply_seconds_count", rasa_before, rasa_after, **widget_messages) == 1
    assert moved("rapport_reply_seconds_sum", rasa_before, rasa_after, **widget_messages) > 0
    ran = sum(
        value - actions_before.get(key, 0.0)
        for key, value in actions_after.items()
        if key[0] == "rapport_actions_run_total"
    )
    assert ran >= 1, actions_after
    # The live figures are read from memory and the outbox at each scrape.
    for gauge in (
        "rapport_handoffs_waiting",
        "rapport_handoff_longest_wait_seconds",
        "rapport_agents_online",
        "rapport_exchange_queue_depth",
    ):
        assert (gauge, frozenset()) in rasa_after, gauge
        assert rasa_after[(gauge, frozenset())] >= 0


async def test_json_log_lines_name_the_conversation_they_are_about() -> None:
    # A server of its own: JSON lines, and DEBUG so that Rasa and rasa_sdk log every step.
    server = await asyncio.to_thread(
        rapport_widget_server.start_server,
        {"LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG"},
        "metrics-json-logs",
    )
    sender = f"json-logs-{uuid.uuid4().hex[:12]}"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{server.url}/webhooks/rest/webhook",
                json={"sender": sender, "message": "hello"},
                headers={"Authorization": f"Bearer {server.settings.rest_token}"},
            ) as answer:
                assert answer.status == 200 and await answer.json()
    finally:
        await asyncio.to_thread(server.stop)
    about = []
    for service in server.services:
        lines = service.log_path.read_text(errors="replace").splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        assert records, f"the {service.name} wrote no JSON lines"
        # Each server's lines of the turn name it: Rasa's own, the action server's.
        named = [record for record in records if record.get("conversation") == sender]
        assert named, f"no line of the {service.name} names the conversation"
        about += [record for record in records if sender in record["message"]]
    assert about, "no line mentions the conversation"
    unnamed = [record for record in about if record.get("conversation") != sender]
    assert unnamed == [], unnamed[:5]
