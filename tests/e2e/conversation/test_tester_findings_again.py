"""Conversations from the tester's later findings, through the real Rasa server (trained model)
and action server: the cheapest pick is a recommendation, the shop's number is where to reach
it, an ache from riding is a fit question, a booking's day moved with "make it ...", the status
question's way out for a booking made in chat, and the bike named right after a complaint."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import yaml
from test_customer_journeys import SHOP_TODAY, Bot  # fixtures: this folder's conftest.py
from test_tester_findings import handoff_reasons

from bot.settings import ROOT
from voice import business

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SHOP = business.load(ROOT / "business.yml")


def test_the_cheapest_bike_is_a_recommendation_not_a_price_match(bot: Bot) -> None:
    reply = bot.say("f10-cheap", "cheapest road bike u got?")
    assert "what price did you see" not in reply and "match" not in reply.lower()
    assert "£" in reply


def test_the_shops_phone_number_is_where_to_reach_it(bot: Bot) -> None:
    reply = bot.say("f14-phone", "whats ur phone number")  # the tester's words
    assert SHOP.locations[0].phone in reply
    assert "Here's what I remember" not in reply


def test_an_ache_from_riding_is_a_fit_question_not_a_serious_complaint(bot: Bot) -> None:
    reply = bot.say("f-ache", "my knees ache and my back hurts on long rides, what should I change")
    assert "bringing one in" not in reply and "sorry" not in reply.lower()
    time.sleep(3)  # a handoff would be queued before the reply; give the memory a moment
    assert handoff_reasons(bot, "f-ache", timeout=1) == []


def new_day_words(today: dt.date) -> tuple[str, dt.date]:
    """A short way of writing a weekday that is neither today, tomorrow nor Tuesday, and its
    next date (the shop's workshop works that day)."""
    for word, weekday in (("weds", 2), ("thurs", 3), ("fri", 4), ("sat", 5)):
        ahead = (weekday - today.weekday()) % 7
        if ahead >= 2 and weekday != 1:
            return word, today + dt.timedelta(days=ahead)
    raise AssertionError("no weekday to move to")


def test_make_it_another_day_moves_the_booking_made_in_this_chat(bot: Bot) -> None:
    sender = "f2-make-it"
    assert "Which bike is it?" in bot.say(sender, "/book_repair")
    assert "What's going on with it?" in bot.say(sender, "my Trek FX 3")
    assert "When would you like to bring it in?" in bot.say(sender, "the brakes squeal badly")
    booked = bot.say(sender, "Tuesday")
    assert "Your reference is " in booked, booked
    reference = booked.split("Your reference is ")[1].split(".")[0]
    word, day = new_day_words(SHOP_TODAY)
    moved = bot.say(sender, f"actually can we make it {word}")
    assert f"I've changed your booking {reference}" in moved, moved
    assert day.strftime("%A") in moved  # the new day, nothing asked again
    assert "Which bike" not in moved and "What's going on" not in moved


def test_no_reference_for_a_booking_made_here_is_the_dont_know_path(bot: Bot) -> None:
    sender = "f3-no-reference"
    bot.say(sender, "how's my repair coming along")
    reply = bot.say(sender, "no clue sorry, I sorted the booking on this chat last week")
    assert "we can find it without the reference" in reply, reply


def test_the_bike_named_right_after_a_complaint_is_its_detail(bot: Bot) -> None:
    sender = "f13-detail"
    complaint = bot.say(sender, "really not happy, the bike I bought here has a cracked frame")
    assert "sorry" in complaint.lower()
    reply = bot.say(sender, "its a cannondale synapse")
    assert SHOP.template("complaint_detail_added") in reply, reply
    assert "in stock" not in reply


# --- a later replay: what is no complaint, the return's way out, a fault is no preference ----

OWNED = SHOP.say_yes_rules().complaints.own  # "This is on us ...": said only to a complaint


@pytest.mark.parametrize(
    ("sender", "text"),
    [
        ("g-test-ride", "went for a test ride on saturday and honestly really enjoyed it"),
        ("g-monthly", "is there any way to pay in monthly instalments instead of all upfront?"),
        ("g-other-shop", "do you fix e-bikes that were bought somewhere else?"),
        ("g-joke", "my mate is even more hopeless at fixing punctures than me haha"),
    ],
)
def test_what_is_no_complaint_gets_no_apology_or_remedy(bot: Bot, sender: str, text: str) -> None:
    reply = bot.say(sender, text)
    assert OWNED not in reply, reply
    assert "put it right" not in reply.lower(), reply


def test_a_fault_given_for_the_order_number_is_the_faulty_item_answer(bot: Bot) -> None:
    sender = "g-pump"
    assert "order number" in bot.say(sender, "/return_request")
    reply = bot.say(sender, "the head has snapped off the mini pump I bought from you")
    assert "order number" not in reply, reply
    # The business file's answer to a faulty item: its own first words, then its remedies.
    [faulty] = [kind for kind in SHOP.say_yes_rules().complaints.kinds if kind.name == "faulty"]
    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    assert responses[faulty.acknowledge][0]["text"] in reply, reply


def test_a_question_is_a_way_out_of_the_order_number(bot: Bot) -> None:
    sender = "g-insurance"
    assert "order number" in bot.say(sender, "/return_request")
    reply = bot.say(sender, "hang on, do you lot do bike insurance?")
    assert "doesn't look like an order number" not in reply, reply


def test_a_stolen_bike_is_not_a_return_and_is_promised_nothing(bot: Bot) -> None:
    reply = bot.say("g-stolen", "someone nicked my bike from outside the gym last night")
    assert "order number" not in reply, reply
    assert "exchange" not in reply.lower() and "refund" not in reply.lower(), reply


def test_a_fault_said_like_a_taste_is_not_remembered_as_one(bot: Bot) -> None:
    reply = bot.say("g-squeal", "hiya my brakes have started squeeling really loudly")
    assert "I'll remember that" not in reply, reply
