"""Orders and repairs: where an order is, how a repair is going, booking a repair, a return.

Lookups go through the records seam (actions/shop_records.py); repairs booked here are written
to the bookings database in a worker thread, so the event loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base, requests
from actions.base import DomainDict, Events, ShopAction
from actions.forms import parse_day
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


# What a customer asks of a return, in their own words: their money back, or a swap.
WISHES = {
    "refund": re.compile(r"\b(refund\w*|money back|reimburs\w*|pay me back)\b"),
    "exchange": re.compile(
        r"\b(exchang\w*|swap\w*|replace\w*|replacement"
        r"|(different|another|other|bigger|smaller) (size|colour|color|model|one))\b"
    ),
}
NEGATIONS = re.compile(r"\b(not|no|never|without|don't|dont|doesn't|won't|n't)\b")


def _affirmed(found: re.Match[str]) -> bool:
    """Whether words found in a message are meant, not negated ("no rush", "not a refund")."""
    before = found.string[: found.start()].split()[-4:]
    return not NEGATIONS.search(" ".join(before))


def return_wish(texts: list[str]) -> str | None:
    """What the customer wants from a return, from their messages (oldest first): "refund",
    "exchange", or None for a plain return. The last wish named and not negated counts: "not
    a refund, can I swap it?" is a swap."""
    wish, at = None, (-1, -1)
    for number, text in enumerate(texts):
        lowered = text.lower().replace("\u2019", "'")
        for name, pattern in WISHES.items():
            for found in pattern.finditer(lowered):
                if _affirmed(found) and (number, found.start()) > at:
                    wish, at = name, (number, found.start())
    return wish


def return_request(wish: str | None, item: str, age: int, shop: Business) -> Request:
    """The ladder's request for a return, a refund or an exchange of `item`, `age` days on."""
    facts: dict[str, Any] = {"item": item, "days_since_purchase": age}
    product = shop.find_product(item)
    if wish == "refund":
        facts["has_receipt"] = True  # the order is on record: that is the receipt
        if product is not None:
            facts["value"] = product.price
        return Request("refund", facts)
    if wish == "exchange":
        if product is not None:
            facts["in_stock"] = product.in_stock
        return Request("exchange", facts)
    return Request("return", facts)


# A customer who needs the bike back by a day says so: "I need it back by Friday", "for
# Saturday's sportive", "I've a race on Sunday". A day counts as a deadline only next to words
# that make it one, so the drop-off day ("Tuesday", "I need to bring it on Saturday") never does.
READY_WORDS = re.compile(
    r"\b(need|needs|needed|must|have to|back|ready|done|fixed|finished|sorted)\b"
)
EVENT_WORDS = re.compile(
    r"\b(race|racing|sportive|event|trip|holiday|tour|audax|triathlon|wedding)\b"
)
DROP_OFF_WORDS = re.compile(r"\b(bring|bringing|drop|dropping|come|pop)\b")
BY_DAY = re.compile(r"\b(?:by|before|until|till)\s+(\S+(?:\s+\S+){0,3})")
FOR_DAY = re.compile(r"\b(?:for|on)\s+(\S+(?:\s+\S+){0,3})")
URGENT = re.compile(r"\b(urgent\w*|asap|as soon as possible|right away|rush|emergency)\b")


def _deadline_phrases(text: str) -> list[str]:
    """The parts of a message that may name the day a bike is needed, last one first."""
    ready, event = READY_WORDS.search(text), EVENT_WORDS.search(text)
    found = list(BY_DAY.finditer(text)) if ready or event else []
    if event or (ready and not DROP_OFF_WORDS.search(text)):
        found += FOR_DAY.finditer(text)
    return [match.group(1) for match in sorted(found, key=lambda m: m.start(), reverse=True)]


def needed_by(texts: list[str], today: dt.date, drop_off: dt.date) -> dt.date | None:
    """The day the customer needs their bike back, from their messages (newest first): a day
    named as a deadline, or the drop-off day itself when they said it is urgent."""
    for text in reversed(texts):
        lowered = text.lower().replace("\u2019", "'")
        for phrase in _deadline_phrases(lowered):
            day = parse_day(phrase, today)
            if day is not None and day >= today:
                return day
        if any(_affirmed(found) for found in URGENT.finditer(lowered)):
            return drop_off
    return None


def rush_request(shop: Business, problem: str, drop_off: dt.date, needed: dt.date) -> Request:
    """The ladder's request for a repair needed back by `needed`: how many days short the
    usual lead time falls (0 or less: it is done in time anyway)."""
    service = shop.repair_service(problem)
    facts: dict[str, Any] = {"service": service.name if service else "repair"}
    if service is not None:
        ready = drop_off + dt.timedelta(days=service.lead_time_days)
        facts["days_short"] = (ready - needed).days
    return Request("rush_repair", facts)


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
    """Books the repair the form collected and confirms it with a reference and an estimate.

    A customer who said they need the bike back by a day (or urgently) is also answered on the
    `rush_repair` ladder. When the usual lead time fits, the plain yes comes first. Otherwise
    the repair is booked as usual (a "no, thanks" loses nothing) and the ladder's offer follows:
    an early drop-off, or the workshop; a yes brings in a person to fast-track it.
    """

    def name(self) -> str:
        return "action_submit_repair"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        bike = str(tracker.get_slot("repair_bike"))
        problem = str(tracker.get_slot("repair_problem"))
        drop_off = dt.date.fromisoformat(str(tracker.get_slot("repair_date")))
        cleared = [
            SlotSet("repair_bike", None),
            SlotSet("repair_problem", None),
            SlotSet("repair_date", None),
        ]
        needed = needed_by(base.messages_since(tracker, "book_repair"), base.today(shop), drop_off)
        offer = CollectingDispatcher()  # the rush answer, said before or after the booking
        rush = None
        if needed is not None:
            rush = await requests.answer_request(
                offer,
                tracker,
                rush_request(shop, problem, drop_off, needed),
                accept="Yes, fast-track it",
                asks=False,
            )
        in_time = rush is None or rush.rung == "yes"
        if in_time:
            dispatcher.messages.extend(offer.messages)
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
            response="utter_repair_booked" if in_time else "utter_repair_booked_before_offer",
            bike=bike,
            date=base.format_day(drop_off, base.today(shop)),
            problem=problem,
            reference=reference,
            estimate_text=estimate_text,
            address=workshop.address,
        )
        if not in_time:
            dispatcher.messages.extend(offer.messages)
        # The bike is remembered, so the next booking asks "same bike as last time?".
        await base.with_memory(
            remember_bike, tracker.sender_id, bike, conversation=tracker.sender_id
        )
        return [SlotSet("order_id", reference), SlotSet("known_bike", bike), *cleared]


class ActionSubmitReturn(ShopAction):
    """The return the form collected, decided on the say-yes ladder: within the window it is
    set up at once; later, the nearest yes (store credit, a tune-up) or a person. A customer
    who asked for their money back is answered on the `refund` ladder, one who asked for a
    swap on the `exchange` ladder."""

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
        request = return_request(
            return_wish(base.messages_since(tracker, "return_request")), item, age, shop
        )
        # A plain yes is done already (the form collected everything); other rungs ask first.
        decision = await requests.answer_request(
            dispatcher, tracker, request, accept="Yes, go ahead", asks=False
        )
        if decision.rung == "yes":
            policies = shop.policies
            started = "utter_exchange_started" if request.kind == "exchange" else None
            dispatcher.utter_message(
                response=started or "utter_return_started",
                item=item,
                order_id=f"#{order.order_id}",
                address=shop.locations[0].address,
                refund_method=policies.refund_method,
                refund_days=policies.refund_days,
                exchange_text=policies.exchanges,
            )
        return reset
