"""Everyday questions through the real Rasa server (trained model) and action server: a repair's
price and time with an offer to book instead of the booking form, parts recommended as parts,
a status question or a customer still deciding not taken for a complaint, a question the bot
cannot answer sent to who can, and closing time tonight. The messages were written for these
tests, in customers' voice; none is in the training data or in a held-out set."""

from __future__ import annotations

import pytest
import yaml
from test_customer_journeys import Bot  # the fixtures come from this folder's conftest.py

from bot.settings import ROOT
from voice import business

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SHOP = business.load(ROOT / "business.yml")
FORM_QUESTION = "Which bike is it?"


def complaint_words() -> tuple[str, ...]:
    """The complaint protocol's acknowledgement and apology, as the business file words them."""
    says = yaml.safe_load((ROOT / "business.yml").read_text(encoding="utf-8"))["say_yes"]
    return (says["complaints"]["says"]["acknowledge"], says["complaints"]["says"]["apologise"])


def service(name: str) -> business.RepairService:
    return next(found for found in SHOP.repairs if found.name == name)


@pytest.mark.parametrize(
    ("sender", "text", "name"),
    [
        ("e-tune", "what would a tune-up cost me?", "tune-up"),
        ("e-ebike", "do you guys repair electric bikes?", "e-bike service"),
        ("e-flat", "how long does sorting a puncture take, and the price", "puncture repair"),
    ],
)
def test_a_question_about_a_repair_gets_its_price_not_the_form(
    bot: Bot, sender: str, text: str, name: str
) -> None:
    reply = bot.say(sender, text)
    assert SHOP.format_price(service(name).price) in reply, reply
    assert FORM_QUESTION not in reply
    booked = bot.say(sender, "yes please")  # the offer's yes starts the booking
    assert FORM_QUESTION in booked, booked


def test_parts_asked_for_are_parts_not_bikes(bot: Bot) -> None:
    reply = bot.say("e-tyres", "which tyres would you suggest for getting to work")
    named = [product for product in SHOP.products if product.name in reply]
    assert named and not any(product.is_bike for product in named), reply


def test_a_booking_status_question_is_not_a_complaint(bot: Bot) -> None:
    reply = bot.say("e-status", "hello again, is my gravel bike still booked in for tomorrow?")
    assert not any(words in reply for words in complaint_words()), reply


def test_a_customer_still_deciding_is_not_a_complaint(bot: Bot) -> None:
    reply = bot.say("e-deciding", "hiya it's me again, still weighing up that bike from before")
    assert not any(words in reply for words in complaint_words()), reply


def test_a_question_the_bot_cannot_answer_gets_who_can(bot: Bot) -> None:
    reply = bot.say("e-unknown", "do students get money off?")
    assert SHOP.locations[0].phone in reply, reply


def test_closing_time_tonight_is_not_the_whole_week(bot: Bot) -> None:
    reply = bot.say("e-tonight", "when do u close tonite")
    weekdays = [day for day in SHOP.hours if day.capitalize() in reply]
    assert len(weekdays) <= 1, reply  # today's hours, not a line for every day


def test_a_bike_for_a_grandchild_is_the_kids_bike(bot: Bot) -> None:
    kids = next(product for product in SHOP.products if product.bike_type == "kids")
    reply = bot.say("e-grandchild", "looking for a bike for my grandson, he'll be 6 in the spring")
    assert kids.name in reply, reply
