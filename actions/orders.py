"""Orders and repairs: where an order is, how a repair is going, booking a repair, a return.

Lookups go through the records seam (actions/shop_records.py); repairs booked here are written
to the bookings database in a worker thread, so the event loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base, requests
from actions.base import DomainDict, Events, ShopAction
from actions.shop import shop_records
from actions.shop_records import RepairRecord, bookings, normalise_reference
from voice.business import Business
from voice.say_yes import Request

ORDER_RESPONSES = {
    "processing": "utter_order_status_processing",
    "shipped": "utter_order_status_shipped",
    "delivered": "utter_order_status_delivered",
    "ready_for_collection": "utter_order_status_ready",
}
REPAIR_RESPONSES = {
    "booked": "utter_repair_status_booked",
    "in_progress": "utter_repair_status_in_progress",
    "waiting_parts": "utter_repair_status_waiting_parts",
    "ready": "utter_repair_status_ready",
}


def remember_bike(store: Any, sender_id: str, bike: str) -> None:
    """Keep the booked bike as a fact about the customer (synchronous: a worker thread)."""
    from memory.records import ExtractedFact

    customer_id = store.customer_for_sender(sender_id)
    store.record_fact(customer_id, ExtractedFact("bike", bike, confidence=1.0), source="form")


def reference_from(tracker: Tracker) -> str | None:
    """The order number or repair reference the customer gave: this message first, then earlier."""
    named = base.latest_entity_values(tracker, "order_id")
    for candidate in [*reversed(named), tracker.get_slot("order_id")]:
        reference = normalise_reference(candidate)
        if reference:
            return reference
    return normalise_reference((tracker.latest_message or {}).get("text"))


async def answer_order_status(
    dispatcher: CollectingDispatcher, shop: Business, reference: str | None
) -> Events:
    if reference is None:
        dispatcher.utter_message(response="utter_ask_order_number")
        return []
    records = await shop_records(shop)
    order = records.order(reference)
    if order is None:
        if await find_repair(shop, reference, None) is not None:
            # A repair reference given for an order: answer what they meant.
            return await answer_repair_status(dispatcher, shop, None, reference)
        dispatcher.utter_message(response="utter_order_not_found", order_id=f"#{reference}")
        return [SlotSet("order_id", reference)]
    dispatcher.utter_message(
        response=ORDER_RESPONSES.get(order.status, "utter_order_status_processing"),
        order_id=f"#{order.order_id}",
        items=base.join_words(order.items),
        date=base.format_day(order.status_date, base.today(shop)),
    )
    return [SlotSet("order_id", order.order_id)]


def conversations_of(store: Any, sender_id: str) -> list[str]:
    """Every conversation of the customer behind `sender_id` (call in a worker thread)."""
    card = store.card_for_sender(sender_id)
    if card is None:
        return [sender_id]
    return sorted({sender_id, *store.sender_ids(card.customer_id)})


async def own_repairs(
    shop: Business, customer_id: str | None, sender_id: str | None
) -> list[RepairRecord]:
    """The customer's repairs: booked in chat (this or their earlier conversations) first."""
    conversations: list[str] = []
    if sender_id:
        conversations = await base.with_memory(
            conversations_of, sender_id, conversation=sender_id, default=[sender_id]
        )
    url = (await base.settings()).bookings_url
    booked = await asyncio.to_thread(bookings(url).of, customer_id, conversations)
    records = await shop_records(shop)
    return booked + records.repairs_of(customer_id)


async def find_repair(
    shop: Business, reference: str | None, customer_id: str | None, sender_id: str | None = None
) -> RepairRecord | None:
    records = await shop_records(shop)
    if reference:
        found = records.repair(reference)
        if found is None:
            url = (await base.settings()).bookings_url
            found = await asyncio.to_thread(bookings(url).find, reference)
        return found
    own = await own_repairs(shop, customer_id, sender_id)
    return own[0] if own else None


async def answer_repair_status(
    dispatcher: CollectingDispatcher,
    shop: Business,
    tracker_customer: str | None,
    ref: str | None,
    sender_id: str | None = None,
) -> Events:
    repair = await find_repair(shop, ref, tracker_customer, sender_id)
    if repair is None and ref is None:
        dispatcher.utter_message(response="utter_ask_repair_number")
        return []
    if repair is None:
        dispatcher.utter_message(response="utter_repair_not_found", order_id=f"#{ref}")
        return []
    dispatcher.utter_message(
        response=REPAIR_RESPONSES.get(repair.status, "utter_repair_status_booked"),
        bike=repair.bike,
        order_id=repair.reference,
        date=base.format_day(repair.ready_date, base.today(shop)),
    )
    return [SlotSet("order_id", repair.reference)]


class ActionOrderStatus(ShopAction):
    """Where an online order is; asks for the order number when it wasn't given."""

    def name(self) -> str:
        return "action_order_status"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        named = base.latest_entity_values(tracker, "order_id")
        reference = normalise_reference(named[-1]) if named else None
        if reference is None:  # no number given: the signed-in customer's latest order
            own = (await shop_records(shop)).orders_of(tracker.get_slot("customer_id"))
            if own:
                reference = own[0].order_id
            elif await own_repairs(shop, tracker.get_slot("customer_id"), tracker.sender_id):
                # "Where's my order?" from someone whose only order with us is a repair.
                return await answer_repair_status(
                    dispatcher, shop, tracker.get_slot("customer_id"), None, tracker.sender_id
                )
        return await answer_order_status(dispatcher, shop, reference)


class ActionRepairStatus(ShopAction):
    """How a repair is going, by reference or (signed in) the customer's latest repair."""

    def name(self) -> str:
        return "action_repair_status"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        named = base.latest_entity_values(tracker, "order_id")
        reference = normalise_reference(named[-1]) if named else None
        return await answer_repair_status(
            dispatcher, shop, tracker.get_slot("customer_id"), reference, tracker.sender_id
        )


class ActionSubmitRepair(ShopAction):
    """Books the repair the form collected and confirms it with a reference and an estimate."""

    def name(self) -> str:
        return "action_submit_repair"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        bike = str(tracker.get_slot("repair_bike"))
        problem = str(tracker.get_slot("repair_problem"))
        drop_off = dt.date.fromisoformat(str(tracker.get_slot("repair_date")))
        url = (await base.settings()).bookings_url
        reference = await asyncio.to_thread(
            bookings(url).book,
            tracker.sender_id,
            tracker.get_slot("customer_id"),
            bike,
            problem,
            drop_off,
        )
        service = shop.repair_service(problem)
        estimate_text = ""
        if service is not None:
            ready = (
                "the same day"
                if service.lead_time_days == 0
                else f"{service.lead_time_days} day{'s' if service.lead_time_days > 1 else ''}"
            )
            estimate_text = (
                f"A {service.name} is usually {shop.format_price(service.price)} and takes "
                f"{ready}; the mechanic confirms the price before starting. "
            )
        workshop = next((place for place in shop.locations if place.workshop), shop.locations[0])
        dispatcher.utter_message(
            response="utter_repair_booked",
            bike=bike,
            date=base.format_day(drop_off, base.today(shop)),
            problem=problem,
            reference=reference,
            estimate_text=estimate_text,
            address=workshop.address,
        )
        # The bike is remembered, so the next booking asks "same bike as last time?".
        await base.with_memory(
            remember_bike, tracker.sender_id, bike, conversation=tracker.sender_id
        )
        return [
            SlotSet("order_id", reference),
            SlotSet("known_bike", bike),
            SlotSet("repair_bike", None),
            SlotSet("repair_problem", None),
            SlotSet("repair_date", None),
        ]


class ActionSubmitReturn(ShopAction):
    """The return the form collected, decided on the say-yes ladder: within the window it is
    set up at once; later, the nearest yes (store credit, a tune-up) or a person."""

    def name(self) -> str:
        return "action_submit_return"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        records = await shop_records(shop)
        wanted = tracker.get_slot("return_order_id")
        order = records.order(wanted)
        item = str(tracker.get_slot("return_item"))
        reset = [
            SlotSet("return_order_id", None),
            SlotSet("return_item", None),
            SlotSet("return_reason", None),
        ]
        if order is None:  # validation found it; the records may have changed since
            dispatcher.utter_message(response="utter_order_not_found", order_id=f"#{wanted}")
            return reset
        reset.append(SlotSet("order_id", order.order_id))
        age = (base.today(shop) - order.placed).days
        request = Request("return", {"item": item, "days_since_purchase": age})
        # A plain yes is done already (the form collected everything); other rungs ask first.
        decision = await requests.answer_request(
            dispatcher, tracker, request, accept="Yes, go ahead", asks=False
        )
        if decision.rung == "yes":
            policies = shop.policies
            dispatcher.utter_message(
                response="utter_return_started",
                item=item,
                order_id=f"#{order.order_id}",
                address=shop.locations[0].address,
                refund_method=policies.refund_method,
                refund_days=policies.refund_days,
                exchange_text=policies.exchanges,
            )
        return reset
