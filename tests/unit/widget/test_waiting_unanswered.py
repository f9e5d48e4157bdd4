"""Which messages of a paused chat the widget channel has answered while it waits for a person
(bot.waiting.unanswered_while_paused)."""

from __future__ import annotations

from bot.waiting import unanswered_while_paused

ASKED = [
    {"event": "user", "text": "can I talk to a person"},
    {"event": "action", "name": "action_handoff"},
    {"event": "bot", "text": "leave your message with me"},
    {"event": "pause"},
]


def test_a_message_after_the_pause_with_no_reply_is_unanswered() -> None:
    assert unanswered_while_paused([*ASKED, {"event": "user", "text": "my brakes squeal"}])


def test_the_request_for_a_person_itself_is_answered_by_the_handoff() -> None:
    assert not unanswered_while_paused(ASKED)


def test_a_message_already_answered_by_the_bot_or_an_agent_is_not_answered_again() -> None:
    message = {"event": "user", "text": "hello?"}
    assert not unanswered_while_paused([*ASKED, message, {"event": "bot", "text": "Got it"}])
    agent = {"event": "bot", "text": "Hi, Sam here", "metadata": {"agent": "Sam"}}
    assert not unanswered_while_paused([*ASKED, message, agent])


def test_a_chat_handed_back_or_in_a_new_session_is_not_paused() -> None:
    message = {"event": "user", "text": "thanks"}
    for unpausing in ("resume", "session_started", "restart"):
        assert not unanswered_while_paused([*ASKED, {"event": unpausing}, message])


def test_a_chat_that_never_paused_is_the_bots_as_usual() -> None:
    assert not unanswered_while_paused([{"event": "user", "text": "hi"}])
