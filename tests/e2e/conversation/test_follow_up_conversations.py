"""Follow-ups that keep their subject, through the real Rasa server (trained model) and action
server: a stock or reserving question right after a product is about that product, a typed yes
answers offers whose buttons are not a yes and a /deny, and a yes to a complaint's remedies
leads to a remedy, never to something unrelated."""

from __future__ import annotations

import pytest
from test_customer_journeys import Bot  # the fixtures come from this folder's conftest.py

from bot.settings import ROOT
from voice import business

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SHOP = business.load(ROOT / "business.yml")
SADDLE = next(product for product in SHOP.products if "saddle" in product.name.lower())


def test_a_stock_question_after_a_product_is_about_that_product(bot: Bot) -> None:
    sender = "fu-stock"
    first = bot.say(sender, f"do you sell the {SADDLE.name}?")
    assert SADDLE.name in first, first
    reply = bot.say(sender, "got one in a large?")
    assert SADDLE.name in reply, reply
    assert "don't know" not in reply and "Which product" not in reply


def test_a_typed_yes_to_shall_i_reserve_it_reserves_it(bot: Bot) -> None:
    sender = "fu-reserve"
    first = bot.say(sender, f"have you got the {SADDLE.name} in stock")
    assert "reserve it" in first, first
    reply = bot.say(sender, "go on then")
    assert "person" in reply.lower() or "team" in reply.lower(), reply
    assert "How can I help" not in reply and "don't know" not in reply


def test_a_typed_yes_to_would_you_like_that_on_the_loyalty_card_takes_it(bot: Bot) -> None:
    sender = "fu-loyalty"
    first = bot.say(sender, "how does your loyalty card work")
    assert "Would you like that?" in first, first
    reply = bot.say(sender, "yes pls")
    assert "team" in reply.lower() or "person" in reply.lower(), reply
    assert "don't know" not in reply


def test_a_yes_to_a_complaints_remedies_leads_to_a_remedy(bot: Bot) -> None:
    sender = "fu-complaint"
    complaint = bot.say(sender, "the gears you fixed last week are slipping again, not happy")
    assert "sorry" in complaint.lower(), complaint
    again = bot.say(sender, "yes please")
    assert SHOP.template("complaint_detail_choose") in again, again
    assert "points" not in again.lower()
    booking = bot.say(sender, "yes the free one please")
    assert "Which bike is it?" in booking or "When would you like" in booking, booking


# --- short follow-ups read in the context of the previous turn (docs/decisions.md) -----------

NOT_UNDERSTOOD = ("didn't quite get that", "not sure I've understood", "not sure yet what")
TUBE = next(product for product in SHOP.products if product.name == "inner tube")


def understood(reply: str) -> bool:
    return not any(words in reply for words in NOT_UNDERSTOOD)


def test_a_budget_after_a_kind_of_bike_is_used_in_the_recommendation(bot: Bot) -> None:
    sender = "fu-budget"
    bot.say(sender, "have you got any road bikes")
    reply = bot.say(sender, "my budget's around 800")
    assert understood(reply), reply
    assert SHOP.format_price(800) in reply, reply  # said back: what fits it, or the nearest


def test_a_size_right_after_a_product_is_about_that_product(bot: Bot) -> None:
    sender = "fu-size"
    bot.say(sender, "do you sell inner tubes")
    reply = bot.say(sender, "700x25 presta valve")
    assert understood(reply), reply
    assert TUBE.name in reply.lower() and SHOP.locations[0].phone in reply, reply


def test_how_long_after_a_repair_is_that_repairs_time(bot: Bot) -> None:
    sender = "fu-how-long"
    service = next(found for found in SHOP.repairs if found.lead_time_days > 1)
    bot.say(sender, f"how much do you charge for a {service.name}?")
    reply = bot.say(sender, "how many days would that be?")
    assert f"{service.lead_time_days} days" in reply, reply
    assert "doing great" not in reply, reply


def test_a_new_question_never_gets_the_same_reply_again(bot: Bot) -> None:
    sender = "fu-same"
    first = bot.say(sender, "do you fix bikes?")
    reply = bot.say(sender, "and whats included in those")
    assert reply != first, reply
    kids = "fu-same-kids"
    first = bot.say(kids, "looking for a bike for my 7 year old granddaughter")
    reply = bot.say(kids, "which wheel size would suit her, 20 or 24 inch?")
    assert reply != first, reply


def test_ok_thanks_after_an_answer_it_does_not_know_brings_nobody(bot: Bot) -> None:
    sender = "fu-ok-thanks"
    bot.say(sender, "do you give a student discount?")
    reply = bot.say(sender, "ok thanks")
    assert "welcome" in reply.lower() or "pleasure" in reply.lower(), reply
    assert "take a message" not in reply and "queue" not in reply.lower(), reply


def test_thanks_and_a_plan_to_visit_is_not_thanked_as_an_idea(bot: Bot) -> None:
    sender = "fu-thanks-visit"
    bot.say(sender, "what time do you close on saturday")
    reply = bot.say(sender, "Thanks ever so much, you've been lovely. I'll pop by with my son.")
    assert "passed it to the team" not in reply and "great idea" not in reply, reply


def test_a_time_to_come_in_is_answered_with_the_hours(bot: Bot) -> None:
    reply = bot.say("fu-come-at", "would it be ok if i came in after 5 o'clock?")
    assert "18:00" in reply, reply  # the hours, not "I don't know that one"
    assert "don't know" not in reply, reply


def test_a_fault_in_the_customers_words_gets_the_workshop(bot: Bot) -> None:
    reply = bot.say("fu-fault", "my gears keep skipping and clunking when i climb, any idea why?")
    assert understood(reply), reply
    assert "mechanic" in reply.lower() and "book" in reply.lower(), reply
