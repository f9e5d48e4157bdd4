"""Conversations from a first-time tester's findings, through the real Rasa server (trained
model) and action server: an injury is a serious complaint, a clear question after two misses is
answered, another language is told the chat is in English, a fault with something bought is a
complaint, and a day asked after the hours gets that day."""

from __future__ import annotations

import time

import pytest
from test_customer_journeys import Bot  # the fixtures come from this folder's conftest.py

from bot.console.service import SERIOUS_REASONS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def handoff_reasons(bot: Bot, sender: str, timeout: float = 30) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(bot.memory)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as conn:
                reasons = list(
                    conn.execute(
                        text(
                            "SELECT reason FROM handoffs WHERE sender_id = :sender"
                            " AND reason != 'bot_promise'"  # a promise, not a handoff
                        ),
                        {"sender": sender},
                    ).scalars()
                )
            if reasons or time.monotonic() > deadline:
                return reasons
            time.sleep(0.5)
    finally:
        engine.dispose()


def test_an_injury_after_a_repair_is_a_serious_complaint_for_a_person(bot: Bot) -> None:
    said = "I crashed because the wheel you trued came loose, I've hurt my wrist"
    reply = bot.say("f11-rob", said)
    assert "sorry" in reply.lower()
    assert "I'm bringing one in" in reply
    assert "is everyone all right?" in reply  # a serious complaint's own first words
    assert "What kind of riding" not in reply
    reasons = handoff_reasons(bot, "f11-rob")
    assert reasons and set(reasons) <= set(SERIOUS_REASONS)  # the console marks it serious


def test_another_language_then_a_clear_question(bot: Bot) -> None:
    first = bot.say("f9-maria", "Hola, ¿tienen bicicletas eléctricas?")
    assert "English" in first and "0117 496 0321" in first
    bot.say("f9-maria", "Bonjour, vous êtes ouverts dimanche ?")
    reply = bot.say("f9-maria", "sorry, english: do you have electric bikes?")
    assert "Shall I bring someone in?" not in reply
    assert "Gazelle" in reply


def test_a_fault_with_lights_bought_here_is_a_complaint(bot: Bot) -> None:
    reply = bot.say("f13-lights", "hi, the lezyne lights I bought on saturday stopped charging")
    assert "sorry" in reply.lower()
    assert "in stock" not in reply and "reserve" not in reply


def test_a_day_after_the_hours_gets_that_days_hours(bot: Bot) -> None:
    bot.say("f7-jess", "yo wot time u open sat")
    reply = bot.say("f7-jess", "and sunday?")
    assert "Sunday" in reply
    assert "not sure yet what that goes with" not in reply
