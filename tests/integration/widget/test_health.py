"""The health endpoint of a real Rasa server: a verdict for anyone, the detail for the operator."""

from __future__ import annotations

import aiohttp
import pytest
from rapport_widget_server import HEALTH_TOKEN, WidgetServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PARTS = ("model", "action_server", "tracker_store", "memory", "exchange_queue")


async def _get(server: WidgetServer, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{server.url}/webhooks/widget/health", headers=headers or {}
        ) as answer:
            return answer.status, await answer.json()


async def test_anyone_gets_the_verdict_and_nothing_more(widget_server: WidgetServer) -> None:
    status, body = await _get(widget_server)
    assert (status, body) == (200, {"status": "ok"})


async def test_the_operator_gets_every_part(widget_server: WidgetServer) -> None:
    status, body = await _get(widget_server, {"Authorization": f"Bearer {HEALTH_TOKEN}"})
    assert status == 200 and body["status"] == "ok", body
    for part in PARTS:
        assert body[part]["ok"] is True, (part, body)
    assert body["model"]["id"]
    assert body["tracker_store"]["kind"] == "sqlite"
    assert body["exchange_queue"]["worker_alive"] is True
    # The memory writer process beside the Rasa server drains its outbox.
    assert body["exchange_queue"]["writer_running"] is True


async def test_a_wrong_token_gets_no_detail(widget_server: WidgetServer) -> None:
    for header in (f"Bearer {HEALTH_TOKEN}x", "Bearer ", HEALTH_TOKEN, "Basic abc"):
        status, body = await _get(widget_server, {"Authorization": header})
        assert status == 401 and "model" not in body, header
