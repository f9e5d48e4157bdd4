"""The customer's privacy: what the bot knows about them, forgetting it, and a copy of it.

For now these answer honestly about what this conversation holds (its slots and messages).
The relationship memory (memory/) keeps what the customer shares across visits; when it is
wired in, these actions extend to it: what it holds, erasing it, exporting it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import DomainDict, Events, ShopAction
from voice.business import Business

# Slots that say something about the customer, and how to describe each to them.
PERSONAL_SLOTS = {
    "customer_name": "Your name",
    "customer_id": "You're signed in as customer",
    "preferences": "What you like",
    "aspirations": "What you're aiming for",
    "ideas": "Ideas you shared",
    "bike_type": "The kind of riding you asked about",
    "product": "A product you asked about",
    "order_id": "Your order or repair reference",
    "repair_bike": "Your bike",
    "return_order_id": "The order you're returning from",
    "return_item": "The item you're returning",
}
# Slots the channel sets (who is signed in); forgetting the conversation keeps the sign-in.
KEPT_ON_FORGET = ("customer_id",)


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


def personal_facts(tracker: Tracker) -> list[str]:
    facts = []
    for slot, label in PERSONAL_SLOTS.items():
        value = tracker.get_slot(slot)
        if value not in (None, "", []):
            facts.append(f"• {label}: {_describe(value)}")
    return facts


def message_count(tracker: Tracker) -> int:
    return sum(1 for event in tracker.events if event.get("event") == "user")


class ActionWhatDoYouKnow(ShopAction):
    """Tells the customer what this conversation holds about them."""

    def name(self) -> str:
        return "action_what_do_you_know"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        facts = personal_facts(tracker)
        if not facts:
            dispatcher.utter_message(response="utter_know_nothing")
            return []
        dispatcher.utter_message(response="utter_what_i_know", facts="\n".join(facts))
        return []


class ActionForgetMe(ShopAction):
    """Forgets what the customer told us in this conversation (after they confirmed)."""

    def name(self) -> str:
        return "action_forget_me"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        kept = [SlotSet(slot, tracker.get_slot(slot)) for slot in KEPT_ON_FORGET]
        dispatcher.utter_message(response="utter_forgot")
        return [AllSlotsReset(), *[event for event in kept if event["value"] is not None]]


class ActionExportMyData(ShopAction):
    """Gives the customer a copy of what this conversation holds about them."""

    def name(self) -> str:
        return "action_export_my_data"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        facts = personal_facts(tracker) or ["• Nothing about you beyond the messages themselves."]
        facts.append(f"• Messages you sent in this conversation: {message_count(tracker)}")
        dispatcher.utter_message(response="utter_export", export="\n".join(facts))
        return []
