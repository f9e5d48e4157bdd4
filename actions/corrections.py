"""The customer puts one remembered fact right, or has it forgotten, in their own words.

"no, my bike is a Trek" replaces every bike the memory holds with the Trek; "forget my bike"
deletes the bike and its history and nothing else. The slots that show the fact in this chat
follow, so "what do you know about me" shows the corrected fact straight away. A message that
names no kind of fact is answered with an example of what to say, never a guess.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.base import DomainDict, Events, ShopAction
from actions.shop_records import normalise_reference
from memory.corrections import FactChange, read_change
from voice.business import Business
from voice.items import as_said

FORGET_INTENT = "forget_fact"
# The chat's slots that show each kind of fact (cleared or set with it).
SHOWN_IN = {
    "bike": ("known_bike", "repair_bike"),
    "name": ("customer_name",),
    "aspiration": ("aspiration", "aspirations"),
    "reference": ("order_id", "return_order_id"),
}
# Kept in this chat only: an order or repair reference is the shop's record, not a fact the
# memory keeps about the customer.
CHAT_ONLY = frozenset({"reference"})


def apply_change(store: Any, sender_id: str, change: FactChange) -> bool:
    """Correct or forget the fact in memory (synchronous: run it in a worker thread)."""
    from memory.records import ExtractedFact

    card = store.cards.card_for_sender(sender_id)
    customer = (
        card.customer_id if card is not None else store.customers.customer_for_sender(sender_id)
    )
    if change.value is None:
        store.facts.forget_facts(customer, change.kind, change.key or None)
    else:
        store.facts.correct_fact(customer, ExtractedFact(change.kind, change.value, key=change.key))
    return True


def tidy(change: FactChange, shop: Business) -> FactChange:
    """The value as the customer said it, tidied ("cannondale topstone" -> "Cannondale ...")."""
    if change.value is None:
        return change
    if change.kind == "name":
        value = " ".join(word[:1].upper() + word[1:] for word in change.value.split())
    else:
        value = as_said(change.value, (item.name.split()[0] for item in shop.products))
    return FactChange(change.kind, change.key, value)


def slots_after(change: FactChange) -> Events:
    """This chat's slots that show the fact: the new value, or nothing once forgotten."""
    events: Events = []
    for slot in SHOWN_IN.get(change.kind, ()):
        if change.value is None or slot in ("repair_bike", "aspirations", "return_order_id"):
            events.append(SlotSet(slot, [] if slot == "aspirations" else None))
        else:
            events.append(SlotSet(slot, change.value))
    return events


class ActionChangeFact(ShopAction):
    """Corrects (intent correct_fact) or forgets (intent forget_fact) one remembered fact."""

    def name(self) -> str:
        return "action_change_fact"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        text = str((tracker.latest_message or {}).get("text") or "")
        forget = base.latest_intent(tracker) == FORGET_INTENT
        change = read_change(text, forget=forget)
        if change is None:
            dispatcher.utter_message(response="utter_fact_change_unclear")
            return []
        if change.kind == "reference":
            # Only a reference in the shop's format replaces one; anything else ("it's not m,
            # remove it") forgets it: a wrong reference is worse than none.
            change = FactChange(change.kind, value=normalise_reference(change.value))
        else:
            change = tidy(change, shop)
        done = change.kind in CHAT_ONLY or await base.with_memory(
            apply_change, tracker.sender_id, change, conversation=tracker.sender_id
        )
        if not done:
            dispatcher.utter_message(response="utter_fact_change_memory_down")
            return []
        if change.value is None:
            dispatcher.utter_message(response=f"utter_fact_forgotten_{change.kind}")
        else:
            dispatcher.utter_message(
                response=f"utter_fact_corrected_{change.kind}",
                value=change.value,
                size_of=change.key or "",
            )
        return slots_after(change)
