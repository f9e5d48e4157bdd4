"""The customer's own bike, said in passing ("I ride a ...", "my bike is a ...", "its a ...
that's making the noise"): kept as their bike on their card, and never answered as something
to sell them. Which words say it is theirs is the business file's (`vocabulary.owning`, read by
voice.asked.said_as_own)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.base import Events
from memory.facts import FactWords, names_a_bike
from voice.asked import owned_things, said_as_own
from voice.business import Business

PRODUCT_SLOT = "product"


def remember_bike(store: Any, sender_id: str, bike: str, words: FactWords) -> bool:
    """Keep a bike as a fact about the customer when the words name a bike (a "thx" or "back
    wheel is all buckled" that reached a form is no bike); synchronous: a worker thread.
    Whether it was kept."""
    from memory.records import ExtractedFact

    if not names_a_bike(bike, words, model=True):
        return False
    customer_id = store.customers.customer_for_sender(sender_id)
    store.facts.record_fact(
        customer_id,
        ExtractedFact("bike", bike, confidence=1.0),
        source="form",
        exchange_id=store.exchanges.latest_customer_exchange(sender_id),  # the evidence
    )
    return True


def own_bikes_said(shop: Business, tracker: Tracker) -> list[str]:
    """The bikes the latest message names as the customer's own, as they wrote them: products
    the NLU or the catalogue found in it straight after "my", "I ride a"... (`said_as_own`)."""
    text = (tracker.latest_message or {}).get("text")
    found = [
        value
        for value in base.latest_entity_values(tracker, PRODUCT_SLOT)
        if said_as_own(shop, text, value)
    ]
    for match in owned_things(shop, text):
        if all(match.item.name != shop_name(shop, value) for value in found):
            found.append(match.item.name)
    # Only bikes: an accessory said as theirs ("my ... won't charge") is no bike (a
    # complaint about something bought, not their bike); a name the catalogue does not hold
    # is left to the memory's bike check.
    return [value for value in found if _may_be_a_bike(shop, value)]


def _may_be_a_bike(shop: Business, said: str) -> bool:
    product = shop.find_product(said)
    return product is None or product.is_bike


def shop_name(shop: Business, said: str) -> str | None:
    product = shop.find_product(said)
    return product.name if product is not None else None


def is_own_bike(shop: Business, tracker: Tracker, named: str | None) -> bool:
    """Whether `named` (a product value) is a bike the latest message names as theirs."""
    if not named:
        return False
    own = own_bikes_said(shop, tracker)
    return named in own or (shop_name(shop, named) or named) in {
        shop_name(shop, bike) or bike for bike in own
    }


async def keep_own_bike(shop: Business, tracker: Tracker) -> Events:
    """Remember the bike the latest message names as theirs; the conversation's product is
    then not that bike (the NLU may have filled the slot with it)."""
    own = own_bikes_said(shop, tracker)
    if not own:
        return []
    bike = own[0]
    words = (await base.services()).fact_words()
    await base.with_memory(
        remember_bike, tracker.sender_id, bike, words, conversation=tracker.sender_id
    )
    events: Events = [SlotSet("known_bike", bike)]
    if is_own_bike(shop, tracker, tracker.get_slot(PRODUCT_SLOT)):
        events.append(SlotSet(PRODUCT_SLOT, None))
    return events


def say_own_bike_noted(dispatcher: CollectingDispatcher, bike: str) -> None:
    """Their bike, noted, and what the bot can do for it."""
    dispatcher.utter_message(response="utter_own_bike_noted", bike=bike)
