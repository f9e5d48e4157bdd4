"""The customer puts one remembered fact right, or has it forgotten, in their own words.

"no, my bike is a Trek" replaces every bike the memory holds with the Trek; "forget my bike"
deletes the bike and its history and nothing else. The slots that show the fact in this chat
follow, so "what do you know about me" shows the corrected fact straight away; a forgotten
fact leaves no slot that shows it (the kind's own slots, and the customer's words kept in
`preferences` and `aspirations` that name it), so it cannot come back with a slot carried
over to the next session either. A message that
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
from memory.corrections import FactChange, name_put_right, read_change
from voice.business import Business
from voice.items import as_said

FORGET_INTENT = "forget_fact"
# The chat's slots that show each kind of fact (cleared or set with it).
SHOWN_IN = {
    "bike": ("known_bike", "repair_bike", "bike_type"),
    "name": ("customer_name",),
    "aspiration": ("aspiration", "aspirations"),
    "reference": ("order_id", "return_order_id"),
}
# Slots of a kind that a correction empties rather than fills (a form's answer, a kind of
# bike said in this chat, the list of goals).
CLEARED_ON_CORRECTION = frozenset({"repair_bike", "bike_type", "aspirations", "return_order_id"})
# Slots that may hold what the customer named (a product, their own words), cleared or
# trimmed when they hold a forgotten value.
MAY_NAME_IT = ("product",)
WORDS_KEPT_IN = ("preferences", "aspirations")
# Kept in this chat only: an order or repair reference is the shop's record, not a fact the
# memory keeps about the customer.
CHAT_ONLY = frozenset({"reference"})


def apply_change(store: Any, sender_id: str, change: FactChange) -> tuple[str, ...]:
    """Correct or forget the fact in memory (synchronous: run it in a worker thread); the
    values forgotten (none for a correction)."""
    from memory.records import ExtractedFact

    card = store.cards.card_for_sender(sender_id)
    customer = (
        card.customer_id if card is not None else store.customers.customer_for_sender(sender_id)
    )
    if change.value is None:
        values = held_values(card, change) if card is not None else ()
        store.facts.forget_facts(customer, change.kind, change.key or None)
        return values
    store.facts.correct_fact(customer, ExtractedFact(change.kind, change.value, key=change.key))
    return ()


def held_values(card: Any, change: FactChange) -> tuple[str, ...]:
    """The values of the fact's kind that the card shows (what forgetting it removes)."""
    if change.kind == "name":
        return (str(card.name),) if card.name else ()
    if change.kind == "aspiration":
        return tuple(str(goal) for goal in card.aspirations)
    return tuple(
        str(fact.value)
        for fact in card.preferences
        if fact.kind == change.kind and (not change.key or fact.key == change.key)
    )


def _said(text: str) -> str:
    return " ".join(str(text).lower().split())


def naming(value: Any, forgotten: tuple[str, ...]) -> bool:
    """Whether a slot's value names one of the forgotten values (or is named by it)."""
    said = _said(value)
    return bool(said) and any(
        _said(gone) and (_said(gone) in said or said in _said(gone)) for gone in forgotten
    )


def tidy(change: FactChange, shop: Business) -> FactChange:
    """The value as the customer said it, tidied ("cannondale topstone" -> "Cannondale ...")."""
    if change.value is None:
        return change
    if change.kind == "name":
        value = " ".join(word[:1].upper() + word[1:] for word in change.value.split())
    else:
        value = as_said(change.value, (item.name.split()[0] for item in shop.products))
    return FactChange(change.kind, change.key, value)


def slots_after(
    change: FactChange, tracker: Tracker | None = None, forgotten: tuple[str, ...] = ()
) -> Events:
    """This chat's slots that show the fact: the new value, or nothing once forgotten (with
    the `forgotten` values wherever this chat's slots still hold them)."""
    events: Events = []
    for slot in SHOWN_IN.get(change.kind, ()):
        if change.value is None or slot in CLEARED_ON_CORRECTION:
            events.append(SlotSet(slot, [] if slot == "aspirations" else None))
        else:
            events.append(SlotSet(slot, change.value))
    if change.value is not None or tracker is None or not forgotten:
        return events
    changed = {event["name"] for event in events}
    for slot in MAY_NAME_IT:
        if slot not in changed and naming(tracker.get_slot(slot), forgotten):
            events.append(SlotSet(slot, None))
    for slot in WORDS_KEPT_IN:
        kept = tracker.get_slot(slot)
        if slot in changed or not isinstance(kept, list):
            continue
        left = [words for words in kept if not naming(words, forgotten)]
        if len(left) < len(kept):
            events.append(SlotSet(slot, left))
    return events


async def name_corrected(
    dispatcher: CollectingDispatcher, tracker: Tracker, response: str
) -> Events | None:
    """The name this chat holds put right ("no it's Jo not Joe" to a Joe), in the memory and
    this chat's slots, and said with `response`; None when the latest message puts no name
    right. In a form and out of one alike: a name put right is never a no."""
    text = str((tracker.latest_message or {}).get("text") or "")
    change = name_put_right(text, tracker.get_slot("customer_name"))
    if change is None:
        return None
    change = tidy(change, await base.load_business())
    forgotten = await base.with_memory(
        apply_change, tracker.sender_id, change, conversation=tracker.sender_id
    )
    if forgotten is None:
        dispatcher.utter_message(response="utter_fact_change_memory_down")
        return []
    dispatcher.utter_message(response=response, value=change.value)
    return slots_after(change, tracker, forgotten)


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
        if change is None and not forget:  # "no it's Jo not Joe": the name this chat holds
            change = name_put_right(text, tracker.get_slot("customer_name"))
        if change is None:
            dispatcher.utter_message(response="utter_fact_change_unclear")
            return []
        if change.kind == "reference":
            # Only a reference in the shop's format replaces one; anything else ("it's not m,
            # remove it") forgets it: a wrong reference is worse than none.
            change = FactChange(change.kind, value=normalise_reference(change.value))
        else:
            change = tidy(change, shop)
        forgotten: tuple[str, ...] | None = ()
        if change.kind not in CHAT_ONLY:
            forgotten = await base.with_memory(
                apply_change, tracker.sender_id, change, conversation=tracker.sender_id
            )
        if forgotten is None:
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
        return slots_after(change, tracker, forgotten)
