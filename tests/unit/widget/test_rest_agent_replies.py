"""What a REST caller is given of the console's messages: the agent's replies and notices
written since their previous message, once each (bot.waiting.console_messages_before_latest)."""

from __future__ import annotations

from bot.waiting import console_messages_before_latest

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
