"""What a REST caller is given of the console's messages: the agent's replies and notices
written since their previous message, once each: those the widget channel kept for the
conversation (no widget received them), or, without the widget channel, those of the tracker
(bot.waiting.console_messages_before_latest)."""

from __future__ import annotations

from typing import Any

from bot.channel import WidgetConfig, WidgetHub
from bot.waiting import as_rest_messages, console_messages_before_latest

ASKED = [
    {"event": "user", "text": "can I talk to a person"},
    {"event": "action", "name": "action_handoff"},
    {"event": "bot", "text": "a person will be with you shortly"},
    {"event": "pause"},
]
JOINED = {"event": "bot", "text": "Sam has joined the chat", "metadata": {"notice": "agent_joined"}}
REPLY = {"event": "bot", "text": "Hi, Sam here: what's up?", "metadata": {"agent": "Sam"}}


def test_the_agents_messages_since_the_previous_message_come_with_the_next() -> None:
    events = [*ASKED, JOINED, REPLY, {"event": "user", "text": "hello?"}]
    assert console_messages_before_latest(events) == [
        {"text": "Sam has joined the chat"},
        {"text": "Hi, Sam here: what's up?", "metadata": {"agent": "Sam"}},
    ]


def test_each_agent_message_is_given_once() -> None:
    events = [*ASKED, REPLY, {"event": "user", "text": "hello?"}]
    later = [*events, {"event": "user", "text": "my brakes squeal"}]
    assert console_messages_before_latest(events) != []
    assert console_messages_before_latest(later) == []


def test_the_bots_own_replies_are_not_given_again() -> None:
    events = [*ASKED, {"event": "user", "text": "hello?"}]
    assert console_messages_before_latest(events) == []


def test_the_warm_close_is_given_too() -> None:
    close = {"event": "bot", "text": "Back to me!", "data": {"custom": {"rating_request": True}}}
    events = [*ASKED, REPLY, close, {"event": "user", "text": "ok thanks"}]
    texts = [message["text"] for message in console_messages_before_latest(events)]
    assert texts == ["Hi, Sam here: what's up?", "Back to me!"]


class NoWidgets:
    """python-socketio's server as the widget channel sees it for a REST conversation: no
    widget in the conversation's room."""

    def __init__(self) -> None:
        self.manager = self

    def get_participants(self, namespace: str, room: str) -> list[str]:
        return []

    async def emit(self, *_: Any, **__: Any) -> None:
        raise AssertionError("nothing is sent to a conversation without a widget")


async def test_the_consoles_messages_kept_by_the_widget_channel_come_once_in_rest_shape() -> None:
    """With the widget channel in the server the console's messages for a REST conversation
    are the ones it kept (no widget received them); the REST channel reads no tracker."""
    hub = WidgetHub(NoWidgets(), WidgetConfig(session_secret="s", identity_secret="i"))  # type: ignore[arg-type]
    await hub.deliver("c1", {"text": "Sam has joined the chat", "notice": "agent_joined"})
    await hub.deliver("c1", {"text": "Hi, Sam here: what's up?", "agent": "Sam"})
    await hub.deliver("c2", {"text": "someone else's chat", "agent": "Sam"})
    assert as_rest_messages(await hub.live.take("c1")) == [
        {"text": "Sam has joined the chat"},
        {"text": "Hi, Sam here: what's up?", "metadata": {"agent": "Sam"}},
    ]
    assert as_rest_messages(await hub.live.take("c1")) == []
