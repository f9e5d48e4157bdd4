"""A typed answer acts as one of the bot's buttons on a real Rasa server, through the REST
channel: the buttons are the ones the bot sent last, and a customer message takes them."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp
import pytest
from rapport_widget_server import WidgetServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def _say(server: WidgetServer, sender: str, text: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {server.settings.rest_token}"}
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{server.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers=headers,
        ) as answer:
            assert answer.status == 200
            replies = await answer.json()
    assert replies, f"no reply to {text!r}"
    return list(replies)


async def _latest_customer_message(server: WidgetServer, sender: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{server.url}/conversations/{sender}/tracker",
            params={"token": server.settings.rasa_api_token},
        ) as answer:
            assert answer.status == 200
            tracker = await answer.json()
    return [event for event in tracker["events"] if event["event"] == "user"][-1]


async def _greeted(server: WidgetServer) -> tuple[str, dict[str, str]]:
    """A new customer's conversation after "hi", and the first button of the greeting."""
    sender = f"typed-{uuid.uuid4().hex[:12]}"
    replies = await _say(server, sender, "hi")
    buttons = [button for reply in replies for button in reply.get("buttons") or []]
    assert buttons, f"the greeting of a new customer offers buttons: {replies}"
    return sender, buttons[0]


async def test_a_typed_button_title_acts_as_the_button(widget_server: WidgetServer) -> None:
    sender, button = await _greeted(widget_server)
    typed = button["title"].upper() + "!"
    await _say(widget_server, sender, typed)
    said = await _latest_customer_message(widget_server, sender)
    assert said["text"] == button["payload"]
    assert said["metadata"]["typed"] == typed


async def test_a_title_typed_after_another_message_is_only_words(
    widget_server: WidgetServer,
) -> None:
    sender, button = await _greeted(widget_server)
    await _say(widget_server, sender, "where are you located")
    replies = await _say(widget_server, sender, "thanks")
    if any(reply.get("buttons") for reply in replies):
        pytest.fail(f"this test needs a reply without buttons to 'thanks': {replies}")
    await _say(widget_server, sender, button["title"])
    said = await _latest_customer_message(widget_server, sender)
    assert said["text"] == button["title"]
    assert "typed" not in (said.get("metadata") or {})
