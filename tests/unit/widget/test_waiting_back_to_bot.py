"""A chat that left a message for the team goes back to the bot once the message is taken: a new
question is answered as usual, only an answer to the bot's question for a contact stays with the
waiting reply (actions.waiting.answered_as_usual, bot.waiting.back_to_the_bot)."""

from __future__ import annotations

from typing import Any

import pytest

from actions.waiting import ASK_CONTACT, CONFIRM_EMAIL, CONTACT_SAVED, MORE, NOTED
from bot.waiting import back_to_the_bot

OFFERED = [
    {"event": "user", "text": "can someone call me about a frame", "parse_data": {}},
    {"event": "action", "name": "action_handoff"},
    {"event": "bot", "text": "leave your message with me"},
    {"event": "pause"},
    {"event": "user", "text": "my frame has a crack near the seat tube"},
]


def bot(response: str) -> dict[str, Any]:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


def user(text: str, intent: str = "nlu_fallback", confidence: float = 0.95) -> dict[str, Any]:
    parse = {"intent": {"name": intent, "confidence": confidence}}
    return {"event": "user", "text": text, "parse_data": parse}


def test_the_first_message_after_the_offer_is_the_message_for_the_team() -> None:
    assert not back_to_the_bot(OFFERED, offline=True)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("what time do you open on friday?", "ask_hours"),
        ("do you have lights in stock", "ask_stock"),
        ("what do you remember about me", "ask_what_you_know"),
    ],
)
def test_a_new_question_after_the_contact_question_is_answered_as_usual(
    text: str, intent: str
) -> None:
    events = [*OFFERED, bot(NOTED), bot(ASK_CONTACT), user(text, intent)]
    assert back_to_the_bot(events, offline=True)


def test_a_new_question_after_the_contact_is_kept_is_answered_as_usual() -> None:
    settled = [*OFFERED, bot(NOTED), bot(ASK_CONTACT), user("sam@example.com"), bot(CONTACT_SAVED)]
    assert back_to_the_bot([*settled, user("are you open tomorrow", "ask_hours")], offline=True)
    noted = [*OFFERED, bot(NOTED), user("and my brakes", "inform"), bot(MORE)]
    assert back_to_the_bot([*noted, user("ok thanks", "thank")], offline=True)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("sam@example.com", "inform"),
        ("07700 900123", "inform"),
        ("my email is sam at example", "nlu_fallback"),
        ("no thanks", "deny"),
        ("here is fine", "nlu_fallback"),
    ],
)
def test_an_answer_to_the_contact_question_stays_with_the_waiting_reply(
    text: str, intent: str
) -> None:
    events = [*OFFERED, bot(NOTED), bot(ASK_CONTACT), user(text, intent)]
    assert not back_to_the_bot(events, offline=True)


def test_yes_to_the_offered_email_stays_with_the_waiting_reply() -> None:
    events = [*OFFERED, bot(NOTED), bot(CONFIRM_EMAIL), user("yes", "affirm")]
    assert not back_to_the_bot(events, offline=True)


def test_a_chat_waiting_for_a_person_who_is_coming_stays_with_them() -> None:
    events = [*OFFERED, bot(NOTED), user("what time do you open", "ask_hours")]
    assert not back_to_the_bot(events, offline=False)


@pytest.mark.parametrize("intent", ["nlu_fallback", "inform"])
def test_detail_the_bot_cannot_answer_is_added_to_the_message(intent: str) -> None:
    events = [*OFFERED, bot(NOTED), bot(ASK_CONTACT), user("sam@example.com"), bot(CONTACT_SAVED)]
    assert not back_to_the_bot([*events, user("it's the rear one by the way", intent)], True)


def test_a_message_the_bot_is_unsure_of_is_added_to_the_message() -> None:
    events = [*OFFERED, bot(NOTED), bot(ASK_CONTACT), user("sam@example.com"), bot(CONTACT_SAVED)]
    assert not back_to_the_bot([*events, user("the back one", "order_status", 0.57)], True)
    assert back_to_the_bot([*events, user("where's my order", "order_status", 0.9)], True)
