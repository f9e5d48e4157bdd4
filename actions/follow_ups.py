"""Short follow-ups read in the context of the bot's previous turn.

A message that means little alone ("budget about 800", a size and a fitting, "how many days?")
is clear right after the bot talked about a kind of bike, a product or a repair. These functions
say what such a message is about; the fallback ladder and the details action send it to its
answer, whatever the NLU read it as. Every word list comes from the business file's vocabulary.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from voice.business import Business, Product, RepairService
from voice.catalogue import words_of
from voice.wants import amounts, read_wants

RECOMMEND_ACTION = "action_recommend_product"
PRODUCT_ACTION = "action_buy_product"
REPAIR_SERVICE_ACTION = "action_tell_repair_service"
# A size or fitting said for a product is short ("700x28 presta", "the 29er one").
MAX_SPEC_WORDS = 6
# How many of the customer's latest messages are searched for the repair talked about.
REPAIR_LOOKBACK = 4


def says_exactly(phrases: tuple[str, ...], text: str | None) -> bool:
    """Whether a message says one of `phrases`, its words together and whole."""
    said = " ".join(words_of(text or ""))
    return any(
        re.search(rf"(?<![\w']){re.escape(' '.join(words_of(phrase)))}(?![\w'])", said)
        for phrase in phrases
        if words_of(phrase)
    )


def budget_for_the_bikes_before(shop: Business, tracker: Tracker, text: str | None) -> bool:
    """Whether a message states a budget ("budget about 800", "up to £600") right after bikes
    were recommended or asked about: then it is for those, and the recommendation is made
    again within it."""
    if read_wants(shop, text).at_most is None:
        return False
    return bool(tracker.get_slot("bike_type")) or base.previous_action(tracker) == RECOMMEND_ACTION


def spec_for_the_product_before(
    shop: Business, tracker: Tracker, text: str | None
) -> Product | None:
    """The product the bot just answered about, when the message only gives a size or fitting
    for it: a few words with a figure among them, and no sum of money."""
    if base.previous_action(tracker) != PRODUCT_ACTION:
        return None
    name = tracker.get_slot("product")
    product = shop.find_product(str(name)) if name else None
    said = words_of(text or "")
    if product is None or not said or len(said) > MAX_SPEC_WORDS:
        return None
    if not any(character.isdigit() for character in str(text)):
        return None
    if amounts(shop, text) or read_wants(shop, text).at_most is not None:
        return None  # a price ("£5?"), not a size
    return product


def say_spec_asked(
    dispatcher: CollectingDispatcher, shop: Business, product: Product
) -> list[dict[str, Any]]:
    """What the bot knows of the product a size or fitting was said for, and who can check that
    exact one (the business file does not list sizes)."""
    place = shop.locations[0]
    dispatcher.utter_message(
        response="utter_product_spec",
        product=product.name,
        price=shop.format_price(product.price),
        description=product.description,
        phone=place.phone,
        email=place.email,
    )
    return [SlotSet("product", product.name)]


def asks_how_long(shop: Business, text: str | None) -> bool:
    """Whether a message asks how long a job takes ("how many days?", "when will it be ready")."""
    return says_exactly(shop.vocabulary.time_question, text)


def service_talked_about(shop: Business, tracker: Tracker) -> RepairService | None:
    """The repair the conversation was about lately: named in one of the customer's latest
    messages, or in the bot's answer about one."""
    seen = 0
    for event in reversed(tracker.events or []):
        kind = event.get("event")
        if kind == "bot":
            named = (event.get("metadata") or {}).get("service")
            service = _service_named(shop, named)
            if service is not None:
                return service
        elif kind == "user":
            seen += 1
            if seen == 1:
                continue  # the message being answered names none (or it would be answered)
            if seen > REPAIR_LOOKBACK:
                break
            text = str(event.get("text") or "")
            if text and not text.startswith("/"):
                service = shop.repair_service(text)
                if service is not None:
                    return service
    return None


def _service_named(shop: Business, name: Any) -> RepairService | None:
    if not isinstance(name, str) or not name:
        return None
    return next((service for service in shop.repairs if service.name == name), None)


def describes_a_fault(shop: Business, text: str | None) -> bool:
    """Whether a message describes a fault in the customer's own words ("it keeps slipping and
    clunks"): the business file's `vocabulary.faults`."""
    return says_exactly(shop.vocabulary.faults, text)


def names_a_time_of_day(shop: Business, tracker: Tracker, text: str | None) -> bool:
    """Whether a message names a time of day ("after 4 o'clock", "is 5pm ok"): a number
    followed by one of the business file's `vocabulary.clock` words, or a time the entity
    extractor found."""
    if base.latest_entity_values(tracker, "TIME"):
        return True
    clock = "|".join(re.escape(" ".join(words_of(word))) for word in shop.vocabulary.clock)
    if not clock:
        return False
    said = " ".join(words_of(text or ""))
    return (
        re.search(rf"\b\d{{1,2}}(?:\s?[:.]?\s?\d{{2}})?\s?(?:{clock})(?![\w'])", said) is not None
    )
