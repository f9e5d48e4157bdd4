"""When the channel says itself that a message got no reply (bot/waiting.py)."""

from __future__ import annotations

from bot.waiting import unanswered_while_running


def _events(*kinds: str) -> list[dict]:
    return [{"event": kind} for kind in kinds]


def test_a_message_with_no_reply_in_a_running_chat_is_unanswered() -> None:
    assert unanswered_while_running(_events("user", "bot", "user", "action"))


def test_a_message_with_a_reply_is_answered() -> None:
    assert not unanswered_while_running(_events("user", "action", "bot", "action"))


def test_a_paused_chat_is_left_to_the_waiting_acknowledgement() -> None:
    assert not unanswered_while_running(_events("user", "bot", "pause", "user"))


def test_a_resumed_chat_is_running_again() -> None:
    assert unanswered_while_running(_events("pause", "user", "resume", "user"))


def test_no_message_at_all_is_not_unanswered() -> None:
    assert not unanswered_while_running(_events("action", "session_started"))
