"""Rasa's socket.io protocol, as widgets written for Rasa speak it: polling only, Rasa's message
shapes, and a refused session that says so in the chat itself."""

from __future__ import annotations

import pytest
from widget_client import Widget

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# The top-level keys Rasa's own channel sends; rasa-webchat drops a message with any other.
RASA_SHAPES = ({"text"}, {"text", "quick_replies"}, {"text", "buttons"}, {"attachment"})


def shape(message: dict) -> set[str]:
    return set(message) - {"metadata"}


async def test_a_polling_client_gets_only_rasa_s_message_shapes(open_widget) -> None:
    widget = await open_widget()
    await widget.start_session()
    for text in ("hello", "what are your opening hours?", "where is the shop?"):
        await widget.say(text)
    await widget.drain(2.0)
    assert widget.wire, "no bot_uttered arrived"
    for message in widget.wire:
        assert shape(message) in RASA_SHAPES, message
        assert message["metadata"]["id"] and message["metadata"]["sender"] == "bot"
    assert any(shape(m) == {"text", "quick_replies"} for m in widget.wire), widget.wire


async def test_a_refused_session_is_announced_in_the_chat_as_a_new_one(open_widget) -> None:
    old = await open_widget()
    token, _ = await old.start_session()
    await old.say("hello")
    forged = token[:-4] + "0000"
    refused: Widget = await open_widget()
    _, history = await refused.start_session(forged)
    assert refused.errors() == ["session_refused"]
    assert history == []
    notice = refused.wire[-1]
    assert shape(notice) == {"text"} and notice["text"]
    assert notice["metadata"]["notice"] == "new_chat"
