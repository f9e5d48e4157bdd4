"""The thing being talked about, kept through the real Rasa server (trained model) and action
server: a recommendation of one item, or "Are you asking about our ...?", makes that item the
one a follow-up that names nothing is about ("is that in stock", "how much"); after a
recommendation of several, "the first one" or "the cheaper one" picks among them and anything
else asks which, naming them; the customer's own bike said in passing is theirs, never sold to
them; and an item named in the message that starts a form is not asked for again."""

from __future__ import annotations

import pytest
from test_customer_journeys import Bot  # the fixtures come from this folder's conftest.py

from bot.settings import ROOT
from voice import business

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SHOP = business.load(ROOT / "business.yml")
EBIKE = next(product for product in SHOP.products if product.bike_type == "e-bike")
HYBRID = next(product for product in SHOP.products if product.bike_type == "hybrid")
GRAVEL = next(product for product in SHOP.products if product.bike_type == "gravel")
LIGHTS = next(product for product in SHOP.products if "light" in product.name.lower())
# What the bot says when it lost the thing: it didn't get it, or it asks which product.
LOST = ("didn't quite get", "Which product", "not sure I've understood", "don't know that one")


def lost_track(reply: str) -> bool:
    return any(words in reply for words in LOST)


def test_is_that_in_stock_right_after_one_recommended_bike(bot: Bot) -> None:
    sender = "thing-rec-stock"
    first = bot.say(sender, "can you recommend an e-bike?")
    assert EBIKE.name in first, first
    reply = bot.say(sender, "is that in stock")
    assert EBIKE.name in reply and not lost_track(reply), reply


def test_how_much_right_after_one_recommended_bike(bot: Bot) -> None:
    sender = "thing-rec-price"
    first = bot.say(sender, "can you recommend an e-bike?")
    assert EBIKE.name in first, first
    reply = bot.say(sender, "how much")
    assert EBIKE.name in reply and SHOP.format_price(EBIKE.price) in reply, reply
    assert not lost_track(reply), reply


def test_reserve_it_right_after_one_recommended_bike(bot: Bot) -> None:
    sender = "thing-rec-reserve"
    first = bot.say(sender, "can you recommend an e-bike?")
    assert EBIKE.name in first, first
    reply = bot.say(sender, "can you reserve it for me")
    assert not lost_track(reply), reply
    assert EBIKE.name in reply or "team" in reply.lower(), reply


def test_does_it_come_in_blue_right_after_one_recommended_bike(bot: Bot) -> None:
    sender = "thing-rec-colour"
    first = bot.say(sender, "can you recommend an e-bike?")
    assert EBIKE.name in first, first
    reply = bot.say(sender, "does it come in blue?")
    assert EBIKE.name in reply and not lost_track(reply), reply


def test_the_cheaper_one_picks_among_several_recommended(bot: Bot) -> None:
    sender = "thing-rec-several"
    first = bot.say(sender, "what bike would you suggest for commuting?")
    assert HYBRID.name in first and GRAVEL.name in first, first
    listed = [product for product in SHOP.products if product.name in first]
    cheaper = min(listed, key=lambda product: product.price)  # of all the items listed
    reply = bot.say(sender, "how much is the cheaper one")
    assert cheaper.name in reply and SHOP.format_price(cheaper.price) in reply, reply


def test_is_that_in_stock_after_several_recommended_asks_which_naming_them(bot: Bot) -> None:
    sender = "thing-rec-which"
    first = bot.say(sender, "what bike would you suggest for commuting?")
    assert HYBRID.name in first and GRAVEL.name in first, first
    reply = bot.say(sender, "is it in stock?")
    assert HYBRID.name in reply and GRAVEL.name in reply, reply
    assert "didn't quite get" not in reply and "Which product are you after" not in reply
    picked = bot.say(sender, "the first one")
    assert HYBRID.name in picked and GRAVEL.name not in picked, picked


def test_how_much_is_it_right_after_are_you_asking_about_our(bot: Bot) -> None:
    sender = "thing-did-you-mean"
    first = bot.say(sender, "dutch bike")
    assert f"Are you asking about our {EBIKE.name}?" in first, first
    reply = bot.say(sender, "how much is it")
    assert EBIKE.name in reply and SHOP.format_price(EBIKE.price) in reply, reply


def test_a_yes_then_in_stock_after_are_you_asking_about_our(bot: Bot) -> None:
    sender = "thing-did-you-mean-yes"
    first = bot.say(sender, "dutch bike")
    assert f"Are you asking about our {EBIKE.name}?" in first, first
    assert EBIKE.name in bot.say(sender, "yes")
    reply = bot.say(sender, "is it in stock")
    assert EBIKE.name in reply and not lost_track(reply), reply


@pytest.mark.parametrize(
    ("sender", "message", "theirs"),
    [
        ("own-noise", f"its a {HYBRID.synonyms[0]} that's making the noise", HYBRID),
        ("own-ride", f"I ride a {GRAVEL.synonyms[0].title()}, the brakes squeal", GRAVEL),
        ("own-is", "my bike is a specialized sirrus", GRAVEL),
    ],
)
def test_the_customers_own_bike_is_never_sold_to_them(
    bot: Bot, sender: str, message: str, theirs: object
) -> None:
    reply = bot.say(sender, message)
    assert "Are you asking about our" not in reply, reply
    assert (
        "in stock" not in reply and "Would you like a person from our team to reserve" not in reply
    )
    assert "we can order it in" not in reply.lower() and "Yes, we can get" not in reply, reply
    assert reply.strip(), reply


def test_an_item_named_when_a_return_starts_is_not_asked_for(bot: Bot) -> None:
    sender = "thing-return-item"
    reply = bot.say(sender, "i want to return the lights")
    assert "Which item" not in reply, reply


def test_an_item_named_when_a_price_match_starts_is_not_asked_for(bot: Bot) -> None:
    sender = "thing-price-match-item"
    reply = bot.say(sender, f"can you price match the {LIGHTS.name}? I saw them for £30")
    assert "Which item" not in reply, reply
