"""Stopping a form, a customer back to shop, and a complaint's promise, through the real Rasa
server (trained model) and action server: a clear stop or refusal ends the repair booking with a
next step, "still thinking about that bike" is not a complaint, and the check-in the bot promises
after a complaint waits for the team in the console's follow-ups."""

from __future__ import annotations

import time

import pytest
from test_customer_journeys import Bot  # the fixtures come from this folder's conftest.py

from memory.shift import ShiftRecords

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STOPPED = "nothing has been booked"


@pytest.mark.parametrize("stop", ["STOP", "no i dont want a repair!!", "nah forget it"])
def test_a_clear_stop_ends_the_repair_booking(bot: Bot, stop: str) -> None:
    sender = f"stop-{stop.split()[-1].strip('!').lower()}"
    assert "Which bike is it?" in bot.say(sender, "/book_repair")
    reply = bot.say(sender, stop)
    assert STOPPED in reply, reply
    assert "Which bike is it?" not in bot.say(sender, "what are your opening hours")


def test_a_customer_still_deciding_is_not_given_the_complaint_script(bot: Bot) -> None:
    reply = bot.say("back-to-shop", "hiya, me again - still thinking about the gravel bike")
    assert "sorry this happened" not in reply.lower(), reply
    assert "check in with you" not in reply, reply


def test_a_complaint_s_check_in_waits_for_the_team(bot: Bot) -> None:
    reply = bot.say("promised", "the bell you fitted last week has already fallen off, not happy")
    assert "check in with you" in reply, reply
    records = ShiftRecords(bot.memory)
    deadline = time.monotonic() + 30
    while True:
        waiting = [f for f in records.follow_ups() if f.sender_id == "promised"]
        if waiting or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    # "Waiting for us" names what the complaint is about, in the customer's words.
    assert [f.what for f in waiting] == [
        "the bell you fitted last week has already fallen off, not happy"
    ]


@pytest.mark.parametrize(
    ("sender", "asked"),
    [
        ("person-in-form", "Can I talk to a real person please?"),
        (
            "person-no-booking",
            "I don't want to book anything. I want to speak to a human about a repair you did "
            "that went wrong.",
        ),
    ],
)
def test_a_person_asked_for_during_the_repair_booking_is_brought_in(
    bot: Bot, sender: str, asked: str
) -> None:
    # As an agent tried it through the widget: hours, the bike, then a repair gone wrong read
    # as a booking.
    said = [
        bot.say(sender, "Hi, I'm Jamie. What time do you open on Saturday?"),
        bot.say(sender, "I ride a Specialized Diverge, mostly gravel at weekends"),
        bot.say(
            sender,
            "No thanks. Actually I had my bike in for a tune-up last week and now there's a "
            "horrible grinding noise from the rear wheel. Something went wrong with the repair",
        ),
    ]
    assert "bike" in said[-1], said  # the repair form started, asking about the bike
    reference = bot.say(f"{sender}-reference", "/request_human")
    reply = bot.say(sender, asked)
    assert reply.split(":")[0] == reference.split(":")[0], (said, reply)
    assert "booked in" not in reply, reply
    assert "Which bike" not in reply and "Same bike" not in reply, reply
