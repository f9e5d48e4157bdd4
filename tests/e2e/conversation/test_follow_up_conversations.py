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
