"""Three visits of the same customer to the real bot, which uses what it learned each time.

A real Rasa server with the trained model, the real action server and the relationship memory
(SQLite), over the REST channel with one sender id. A new visit is a new Rasa session: the test
sends `/session_start`, the message Rasa itself answers with `action_session_start` (REST text
that starts with "/" is an intent, not parsed by NLU; the widget channel refuses such text from
customers). That is what happens when a customer comes back after the session has expired,
without waiting an hour. The transcript is printed (run with -s) and kept in docs/personal.md.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SENDER = "three-visits-sam"


def test_three_visits_the_bot_remembers(bot: Any) -> None:
    transcript: list[str] = []

    def say(text: str) -> str:
        reply = bot.say(SENDER, text)
        transcript.append(f"Customer: {text}")
        transcript.extend(f"Bot: {line}" for line in reply.splitlines() if line)
        return reply

    def new_visit(number: int) -> None:
        bot.wait_for_memory(SENDER)  # the event broker's worker thread has logged the visit
        transcript.append(f"\n--- visit {number} ---")
        bot.say(SENDER, "/session_start")

    try:
        transcript.append("--- visit 1 ---")
        hello = say("hi")
        assert "welcome" in hello.lower() and "welcome back" not in hello.lower()
        assert "Lovely to meet you, Sam" in say("my name is Sam Taylor")
        assert "I'll remember it" in say("I'm training for a gravel century in May")
        assert "Which bike is it?" in say("/book_repair")
        assert "What's going on with it?" in say("my Trek FX 3")
        assert "When would you like to bring it in?" in say("the brakes squeal badly")
        assert "you're booked in! Your Trek FX 3" in say("Tuesday")

        new_visit(2)
        hello = say("hello")
        assert "Welcome back, Sam" in hello  # the name from visit 1
        assert "gravel century in May" in hello  # and the dream they shared
        complaint = say("I'm really unhappy with my repair, the brakes on my Trek still squeal")
        assert "sorry" in complaint.lower()

        new_visit(3)
        hello = say("hi")
        assert "Welcome back, Sam" in hello
        assert "still squeal" in hello  # the open complaint comes first ...
        assert "gravel century" not in hello  # ... and is the only reference
        assert "Same bike as last time, the Trek FX 3?" in say("/book_repair")
        assert "What's going on with it?" in say("yes")  # the bike was not asked again
        assert "When would you like" in say("the brakes still squeal")
        # Sunday: no holiday in the sample shop's file falls on one (Boxing Day 2026 is a Saturday).
        assert "you're booked in! Your Trek FX 3" in say("Sunday")
        suggestion = say("/product_recommendation")  # no kind of riding named
        assert "For the gravel century in May you're aiming for" in suggestion  # and why
        known = say("/what_do_you_know")
        assert "Sam" in known and "Trek FX 3" in known
        facts = [line for line in known.splitlines() if line.startswith("•")]
        assert len(facts) == len(set(facts)) and sum("Trek FX 3" in f for f in facts) == 1
    finally:
        print("\n".join(transcript))
