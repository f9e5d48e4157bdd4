"""What a replay of customers' conversations found, through the real Rasa server (trained model)
and action server: joining the loyalty card and a suggestion for the shop each get their own
answer; the shop's phone number is given, not asked for; a returning customer hears a promise
in words written for them; a copy of their data ends without a stray
message; named days, test rides and a cancel in the middle of a booking are read as such. The
messages were written for these tests, in customers' voice; none is in the training data or in
a held-out set."""

from __future__ import annotations

import json
import urllib.request

import pytest
from test_customer_journeys import Bot  # the fixtures come from this folder's conftest.py

from bot.settings import ROOT
from voice import business

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SHOP = business.load(ROOT / "business.yml")


def replies(bot: Bot, sender: str, text: str) -> list[dict]:
    """The bot's messages to one message, as the REST channel gives them (every field)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{bot.port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {bot.rest_token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as reply:  # noqa: S310 - loopback
        return list(json.loads(reply.read()))


# The model reads these messages wrongly today: the training examples written for them lowered
# the messy set's accuracy below its gate (0.890 against 0.90) and were taken back. Strict: a
# model that reads them right makes these fail, so that the mark is taken off.
NEEDS_EXAMPLES = pytest.mark.xfail(
    strict=True, reason="the NLU examples for this message were taken back (messy gate)"
)


def rides_named(reply: str) -> list[str]:
    return [event.name for event in SHOP.events if event.name in reply]


@pytest.mark.parametrize(
    ("sender", "text"),
    [
        pytest.param("r-join", "how do I join your loyalty thing", marks=NEEDS_EXAMPLES),
        ("r-signup", "sign me up for points"),
    ],
)
def test_joining_the_loyalty_card_is_about_the_card_not_the_rides(
    bot: Bot, sender: str, text: str
) -> None:
    reply = bot.say(sender, text)
    assert SHOP.loyalty.programme in reply, reply
    assert not rides_named(reply), reply
    assert str(SHOP.loyalty.sign_up_bonus) in reply, reply  # what joining brings


@pytest.mark.parametrize(
    ("sender", "text"),
    [
        ("r-idea-helmets", "you should stock more kids helmets"),
        pytest.param("r-idea-mondays", "would be good if you opened mondays", marks=NEEDS_EXAMPLES),
    ],
)
def test_a_suggestion_is_thanked_and_passed_on_not_answered_with_the_hours(
    bot: Bot, sender: str, text: str
) -> None:
    reply = bot.say(sender, text)
    assert "Monday: closed" not in reply and "Tuesday" not in reply, reply
    assert "passed it to the team" in reply, reply


@pytest.mark.parametrize(
    ("sender", "text"),
    [("r-phone", "what's your phone number"), ("r-ring", "can I ring you")],
)
def test_asked_for_the_shops_number_the_bot_gives_it(bot: Bot, sender: str, text: str) -> None:
    reply = bot.say(sender, text)
    assert SHOP.locations[0].phone in reply, reply
    assert "best email address or phone number" not in reply, reply
    assert "best way to reach you" not in reply, reply


@pytest.mark.parametrize(
    ("sender", "text"),
    [
        pytest.param("r-phone-waiting", "what's your phone number"),
        ("r-ring-waiting", "can I ring you"),
    ],
)
def test_asked_for_the_shops_number_while_a_message_waits_the_bot_gives_it(
    bot: Bot, sender: str, text: str
) -> None:
    bot.say(sender, "I'd like a quote for a custom wheel build")
    bot.say(sender, "/request_human")  # nobody online in these tests: a message is taken
    reply = bot.say(sender, text)
    assert SHOP.locations[0].phone in reply, reply
    assert "best email address or phone number" not in reply, reply


def test_a_returning_customer_hears_the_reply_we_promised_in_words_for_them(bot: Bot) -> None:
    sender = "r-promise"
    bot.say(sender, "hi")
    assert "Sam" in bot.say(sender, "my name is Sam Taylor")
    bot.say(sender, "I'd like a quote for a custom wheel build")
    bot.say(sender, "/request_human")  # nobody online in these tests: a message is taken
    bot.wait_for_memory(sender)
    bot.say(sender, "/session_start")  # a later visit
    hello = bot.say(sender, "hi")
    assert "Welcome back, Sam" in hello, hello
    assert SHOP.template("promise_told_reply_about").split("{")[0] in hello, hello
    assert "custom wheel build" in hello, hello
    assert "the customer" not in hello, hello  # never the team's note about them


@pytest.mark.parametrize(
    ("sender", "text"),
    [("r-copy", "can I get a copy of my data"), ("r-copy-button", "/export_my_data")],
)
def test_a_copy_of_the_data_ends_without_a_stray_message(bot: Bot, sender: str, text: str) -> None:
    bot.say(sender, "I'm training for a hilly sportive in june")
    messages = replies(bot, sender, text)
    assert any("Here's a copy of what we hold" in str(m.get("text")) for m in messages), messages
    for message in messages:
        shown = message.get("text")
        assert shown is None or (isinstance(shown, str) and shown.strip()), messages
        assert shown not in ("None", "null", ""), messages
        assert set(message) - {"recipient_id"}, messages  # nothing empty is sent


def test_a_named_day_is_asked_about_as_a_day(bot: Bot) -> None:
    reply = bot.say("r-nyd", "do you open on New Year's Day")
    assert "New Year's Day" in reply, reply
    assert "closed" in reply.lower(), reply  # the business file's holiday
    assert "remember" not in reply.lower(), reply  # not what the bot knows about them


def test_a_test_ride_of_a_named_bike_is_a_yes(bot: Bot) -> None:
    reply = bot.say("r-ride", "can I take the fx3 for a test ride")
    assert SHOP.policies.test_rides in reply, reply


def test_cancel_in_the_middle_of_a_booking_stops_it(bot: Bot) -> None:
    sender = "r-cancel"
    assert "Which bike is it?" in bot.say(sender, "/book_repair")
    assert "What's going on with it?" in bot.say(sender, "my Trek FX 3")
    reply = bot.say(sender, "actually cancel that")
    assert "When would you like" not in reply and "What's going on" not in reply, reply
    assert "nothing has been booked" in reply or "cancel" in reply.lower(), reply


# A later replay: answers that were another question's canned list, "Are you asking about our
# ...?" asked again and again, a budget passed over, half of a two-part message dropped.
BIKES = [product for product in SHOP.products if product.is_bike]
CHEAPEST_BIKE = min(BIKES, key=lambda product: product.price)
PARTS = [product for product in SHOP.products if not product.is_bike]
GRAVEL_BIKE = next(product for product in BIKES if product.bike_type == "gravel")
TUNE_UP = next(service for service in SHOP.repairs if service.name == "tune-up")
WORKSHOP_LIST = "our workshop does all of these"
# Conversations the model does not bring to the fixed answers yet: the test ride and the other
# thing are read as a recommendation or not understood, and "and any money off ..." (no question
# word first) is not read as a question. Strict: when they pass, take the mark off.
NOT_REACHED_YET = pytest.mark.xfail(strict=True, reason="the NLU does not reach the answer yet")


def test_bikes_asked_for_on_a_budget_no_bike_fits_are_bikes_said_to_be_over_it(bot: Bot) -> None:
    reply = bot.say("r2-budget-low", "i've only got 130 pounds, what bikes have you got")
    assert CHEAPEST_BIKE.name in reply, reply
    assert not [part.name for part in PARTS if part.name in reply], reply
    assert "nothing within" in reply, reply


def test_a_budget_typed_as_a_bare_number_is_not_passed_over_in_silence(bot: Bot) -> None:
    reply = bot.say("r2-budget-bare", "looking for a road bike, budget is 1300")
    shown = [bike for bike in BIKES if bike.name in reply]
    assert shown, reply
    assert SHOP.format_price(1300) in reply, reply
    if any(bike.price > 1300 for bike in shown):
        assert "nothing within" in reply, reply


@NOT_REACHED_YET
def test_a_bike_already_clear_is_answered_about_never_asked_about_again(bot: Bot) -> None:
    sender = "r2-gravel"
    first = bot.say(sender, "can you recommend a gravel bike?")
    assert GRAVEL_BIKE.name in first, first
    for text in (
        "hmm is a gravel one a lot slower than a proper road bike on tarmac",
        "could i take one of the gravel ones out for a test ride first",
        "and any money off if i get a helmet with it",
    ):
        reply = bot.say(sender, text)
        assert "Are you asking about our" not in reply, (text, reply)
        assert reply.strip(), text


@NOT_REACHED_YET
def test_a_test_ride_of_the_kind_just_talked_about_is_the_shops_yes(bot: Bot) -> None:
    sender = "r2-gravel-ride"
    first = bot.say(sender, "can you recommend a gravel bike?")
    assert GRAVEL_BIKE.name in first, first
    reply = bot.say(sender, "could i take one of the gravel ones out for a test ride first")
    assert SHOP.policies.test_rides in reply, reply
    assert "Are you asking about our" not in reply, reply


def test_both_parts_of_a_two_part_message_are_answered(bot: Bot) -> None:
    reply = bot.say(
        "r2-two-parts",
        "which lights do you recommend for dark evenings, and can you adjust my gears",
    )
    assert any(part.name in reply for part in PARTS if part.category == "lights"), reply
    assert TUNE_UP.name in reply and SHOP.format_price(TUNE_UP.price) in reply, reply


def test_how_much_with_nothing_talked_about_asks_which_not_the_workshop_list(bot: Bot) -> None:
    sender = "r2-window"
    bot.say(sender, "hiya")
    reply = bot.say(sender, "how much is it")
    assert WORKSHOP_LIST not in reply, reply
    assert not [service.name for service in SHOP.repairs if service.name in reply], reply


@NOT_REACHED_YET
def test_another_thing_asked_for_after_a_product_is_not_the_workshop_list(bot: Bot) -> None:
    sender = "r2-and-also"
    helmet = next(product for product in PARTS if product.category == "helmets")
    first = bot.say(sender, f"have you got the {helmet.name.lower()}")
    assert helmet.name in first, first
    reply = bot.say(sender, "a medium one. and do you do waterproof socks as well")
    assert WORKSHOP_LIST not in reply, reply
    assert "socks" in reply.lower() or "order" in reply.lower(), reply


def test_a_follow_up_to_a_scheme_the_bot_does_not_know_is_not_a_recommendation(bot: Bot) -> None:
    sender = "r2-scheme"
    first = bot.say(sender, "do you do the bike to work salary scheme")
    reply = bot.say(sender, "and can i get it on an electric bike or only normal ones")
    ebike = next(bike for bike in BIKES if bike.bike_type == "e-bike")
    assert ebike.name not in reply, (first, reply)
