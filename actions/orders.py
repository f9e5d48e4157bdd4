"""Orders and repairs: where an order is, how a repair is going, booking a repair, a return.

Lookups go through the records seam (actions/shop_records.py); repairs booked here are written
to the bookings database in a worker thread, so the event loop never waits on the disk. Status,
items and dates go only to the owner (actions/ownership.py decides who that is); anyone else
confirms the order's email address and postcode first, in the order check form.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base, exits, requests
from actions.base import DomainDict, Events, ShopAction
from actions.booking_changes import ahead_of, booking_changed
from actions.bookings import tell_bookings
from actions.exits import UNKNOWN
from actions.forms import BOUGHT_SLOT, NO_ORDER, UNKNOWN_AGE, parse_day
from actions.own_bike import remember_bike
from actions.ownership import (
    CHECK_FORM,
    CHECK_REFERENCE_SLOT,
    CONFIRMED_SLOT,
    EMAIL_SLOT,
    MAX_DETAIL_CHECKS,
    MISSES_SLOT,
    POSTCODE_SLOT,
    Record,
    asker_of,
    confirmed_with,
    details_match,
    email_in,
    find_record,
    own_repairs,
    owns,
    postcode_in,
    reference_of,
    shown,
)
from actions.shop import BUY_ACTION, about_the_product_before, repair_ready, shop_records
from actions.shop_records import OrderRecord, normalise_reference
from memory.facts import names_a_bike
from voice.business import Business, RepairService, Vocabulary
from voice.say_yes import Request

ORDER_RESPONSES = {
    "processing": "utter_order_status_processing",
    "shipped": "utter_order_status_shipped",
    "delivered": "utter_order_status_delivered",
    "ready_for_collection": "utter_order_status_ready",
}
ASK_REPAIR_NUMBER = "utter_ask_repair_number"
# What a customer hears about a reference that isn't theirs or doesn't exist (the same words).
CHECK_INTRO = "utter_order_check_intro"
CHECK_NO_MATCH = "utter_order_check_no_match"
CHECK_LIMIT = "utter_order_check_limit"
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
# A return's wish is read from all of its messages (the form asks up to six questions, and the
# wish may be in the request itself).
RETURN_MESSAGES = 40
NEGATIONS = re.compile(
    r"\b(not|no|never|without|don't|dont|doesn't|won't|n't|instead\s+of|rather\s+than)\b"
)


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
DROP_OFF_WORDS = re.compile(r"\b(bring|bringing|drop|dropping|come|pop)\b")
BY_DAY = re.compile(r"\b(?:by|before|until|till)\s+(\S+(?:\s+\S+){0,3})")
FOR_DAY = re.compile(r"\b(?:for|on)\s+(\S+(?:\s+\S+){0,3})")


def words_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """A pattern for any of `words` as whole words (longest first); matches nothing if none."""
    ordered = sorted({word.lower() for word in words if word}, key=len, reverse=True)
    if not ordered:
        return re.compile(r"(?!x)x")
    return re.compile(r"\b(" + "|".join(re.escape(word) for word in ordered) + r")\b")


def _deadline_phrases(text: str, occasions: re.Pattern[str]) -> list[str]:
    """The parts of a message that may name the day a bike is needed, last one first."""
    ready, event = READY_WORDS.search(text), occasions.search(text)
    found = list(BY_DAY.finditer(text)) if ready or event else []
    if event or (ready and not DROP_OFF_WORDS.search(text)):
        found += FOR_DAY.finditer(text)
    return [match.group(1) for match in sorted(found, key=lambda m: m.start(), reverse=True)]


def needed_by(
    texts: list[str], today: dt.date, drop_off: dt.date, vocabulary: Vocabulary
) -> dt.date | None:
    """The day the customer needs their bike back, from their messages (newest first): a day
    named as a deadline, or the drop-off day itself when they said it is urgent (the words for
    urgency and for occasions come from the business file's vocabulary)."""
    urgent, occasions = words_pattern(vocabulary.urgent), words_pattern(vocabulary.occasions)
    for text in reversed(texts):
        lowered = text.lower().replace("\u2019", "'")
        for phrase in _deadline_phrases(lowered, occasions):
            day = parse_day(phrase, today, vocabulary.days)
            if day is not None and day >= today:
                return day
        if any(_affirmed(found) for found in urgent.finditer(lowered)):
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


def reference_in_message(tracker: Tracker) -> str | None:
    """The reference named in the latest message: its entity, else one written in its words."""
    named = base.latest_entity_values(tracker, "order_id")
    for candidate in reversed(named):
        reference = normalise_reference(candidate)
        if reference:
            return reference
    return normalise_reference((tracker.latest_message or {}).get("text"))


def reference_from(tracker: Tracker) -> str | None:
    """The order number or repair reference the customer gave: this message first, then earlier."""
    return reference_in_message(tracker) or normalise_reference(tracker.get_slot("order_id"))


def tell_status(dispatcher: CollectingDispatcher, shop: Business, record: Record) -> Events:
    """The status, items and dates of an order or repair: only ever for its owner."""
    today = base.today(shop)
    if isinstance(record, OrderRecord):
        dispatcher.utter_message(
            response=ORDER_RESPONSES.get(record.status, "utter_order_status_processing"),
            order_id=f"#{record.order_id}",
            items=shop.wording.join(record.items),
            date=shop.format_day(record.status_date, today),
        )
        return [SlotSet("order_id", record.order_id)]
    dispatcher.utter_message(
        response=REPAIR_RESPONSES.get(record.status, "utter_repair_status_booked"),
        bike=record.bike,
        order_id=record.reference,
        date=shop.format_day(record.ready_date, today),
    )
    return [SlotSet("order_id", record.reference)]


def start_details_check(
    dispatcher: CollectingDispatcher, tracker: Tracker, reference: str
) -> Events:
    """The customer asked about a reference that isn't (known to be) theirs, or that nobody
    has: the same words either way. They confirm its email address and postcode in the order
    check form; after too many misses, a person checks it with them instead."""
    misses = int(tracker.get_slot(MISSES_SLOT) or 0)
    if misses >= MAX_DETAIL_CHECKS:
        dispatcher.utter_message(response=CHECK_LIMIT, order_id=shown(reference))
        return []
    dispatcher.utter_message(response=CHECK_INTRO, order_id=shown(reference))
    # An email address and a postcode given with the reference are not asked again; the check
    # compares them as it compares answers.
    text = str((tracker.latest_message or {}).get("text") or "")
    rest = re.sub(rf"#?\s*{re.escape(reference)}", " ", text, flags=re.IGNORECASE)
    return [
        SlotSet(CHECK_REFERENCE_SLOT, reference),
        SlotSet(EMAIL_SLOT, email_in(rest)),
        SlotSet(POSTCODE_SLOT, postcode_in(rest)),
        ActiveLoop(CHECK_FORM),
    ]


async def answer_status(
    dispatcher: CollectingDispatcher,
    shop: Business,
    tracker: Tracker,
    reference: str | None,
    unasked: str = "utter_ask_order_number",
) -> Events:
    """Where an order or a repair is, told to its owner; anyone else confirms its details first.
    Without a reference, the question `unasked` asks for one."""
    if reference is None:
        dispatcher.utter_message(response=unasked)
        return []
    record = await find_record(shop, reference)
    if record is not None and owns(await asker_of(tracker), record):
        return tell_status(dispatcher, shop, record)
    return start_details_check(dispatcher, tracker, reference)


def repair_estimate(shop: Business, service: RepairService) -> str:
    """A booked repair's usual price and time, in the business file's words."""
    return shop.template("repair_estimate").format(
        service=service.name,
        price=shop.format_price(service.price),
        ready=repair_ready(shop, service),
    )


class ActionOrderStatus(ShopAction):
    """Where an online order is; asks for the order number when it wasn't given."""

    def name(self) -> str:
        return "action_order_status"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        reference = reference_in_message(tracker)
        text = (tracker.latest_message or {}).get("text")
        if reference is None and about_the_product_before(shop, tracker, text):
            return [FollowupAction(BUY_ACTION)]  # "can I order one?" right after a product
        if reference is None:  # no number given: the signed-in customer's latest order
            asker = await asker_of(tracker)
            own = (await shop_records(shop)).orders_of(asker.customer_id)
            if own:
                return tell_status(dispatcher, shop, own[0])
            repairs = await own_repairs(shop, asker)
            if repairs:  # "Where's my order?" from someone whose only order is a repair
                return tell_status(dispatcher, shop, repairs[0])
        return await answer_status(dispatcher, shop, tracker, reference)


async def answer_repair_status(
    dispatcher: CollectingDispatcher, shop: Business, tracker: Tracker, reference: str | None
) -> Events:
    """How a repair is going: the one asked about, else the customer's own latest repair."""
    if reference is None:
        own = await own_repairs(shop, await asker_of(tracker))
        ahead = ahead_of(
            (record for record in own if record.conversation_id), base.today(shop)
        )  # repairs booked through the bot, still to come
        if len(ahead) > 1:  # "have I got 2 bookings now?": all of them, to move or cancel one
            tell_bookings(dispatcher, shop, sorted(ahead, key=lambda record: record.ready_date))
            return []
        if own:
            return tell_status(dispatcher, shop, own[0])
    return await answer_status(dispatcher, shop, tracker, reference, ASK_REPAIR_NUMBER)


class ActionRepairStatus(ShopAction):
    """How a repair is going, by reference or (their own) the customer's latest repair."""

    def name(self) -> str:
        return "action_repair_status"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        return await answer_repair_status(dispatcher, shop, tracker, reference_in_message(tracker))


def last_said(tracker: Tracker) -> str | None:
    """The response the bot said last (its name), if any."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None


class ActionStatusReferenceUnknown(ShopAction):
    """ "I don't know the number" to the order or repair status question: accepted, never the
    question again. A repair booked in chat (or on the signed-in customer's account) is found
    without it; otherwise a person finds it another way, or the customer signs in."""

    def name(self) -> str:
        return "action_status_reference_unknown"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        if last_said(tracker) == ASK_REPAIR_NUMBER:
            own = await own_repairs(shop, await asker_of(tracker))
            if own:
                return tell_status(dispatcher, shop, own[0])
            dispatcher.utter_message(response="utter_repair_reference_unknown")
            return []
        dispatcher.utter_message(response="utter_order_number_unknown")
        return []


class ActionCheckOrderDetails(ShopAction):
    """The order check form is complete: the email address and postcode given either match the
    order or repair asked about (its status follows, and the chat may ask about it again), or
    they don't, or there is no such reference: the same say-yes answer for both, with a person
    as the next step."""

    def name(self) -> str:
        return "action_check_order_details"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        reference = str(tracker.get_slot(CHECK_REFERENCE_SLOT) or "")
        cleared = [
            SlotSet(CHECK_REFERENCE_SLOT, None),
            SlotSet(EMAIL_SLOT, None),
            SlotSet(POSTCODE_SLOT, None),
        ]
        email, postcode = tracker.get_slot(EMAIL_SLOT), tracker.get_slot(POSTCODE_SLOT)
        if UNKNOWN in (email, postcode):  # the customer doesn't have them: not a miss
            dispatcher.utter_message(response="utter_order_details_unknown")
            return cleared
        record = await find_record(shop, reference)
        if record is not None and details_match(record, email, postcode):
            confirmed = confirmed_with(tracker.get_slot(CONFIRMED_SLOT), reference_of(record))
            return [
                *cleared,
                SlotSet(CONFIRMED_SLOT, confirmed),
                *tell_status(dispatcher, shop, record),
            ]
        misses = int(tracker.get_slot(MISSES_SLOT) or 0) + 1
        response = CHECK_LIMIT if misses >= MAX_DETAIL_CHECKS else CHECK_NO_MATCH
        dispatcher.utter_message(response=response, order_id=shown(reference))
        return [*cleared, SlotSet(MISSES_SLOT, float(misses))]


class ActionStopOrderCheck(ShopAction):
    """The customer would rather not confirm the details: nothing is shown, a person can help."""

    def name(self) -> str:
        return "action_stop_order_check"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        dispatcher.utter_message(response="utter_order_check_stopped")
        return [
            SlotSet(CHECK_REFERENCE_SLOT, None),
            SlotSet(EMAIL_SLOT, None),
            SlotSet(POSTCODE_SLOT, None),
        ]


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
        cleared = [
            SlotSet("repair_bike", None),
            SlotSet("repair_problem", None),
            SlotSet("repair_date", None),
        ]
        if tracker.get_slot("repair_date") in (None, UNKNOWN):  # no day: a person finds one
            dispatcher.utter_message(response="utter_repair_needs_person")
            return cleared
        drop_off = dt.date.fromisoformat(str(tracker.get_slot("repair_date")))
        # What the customer couldn't say is named by the domain's words, and never remembered.
        bike_known = bike != UNKNOWN
        if not bike_known:
            bike = exits.phrase(domain, "utter_name_unknown_bike")
        if problem == UNKNOWN:
            problem = exits.phrase(domain, "utter_name_unknown_problem")
        needed = needed_by(
            base.messages_since(tracker, "book_repair"), base.today(shop), drop_off, shop.vocabulary
        )
        offer = CollectingDispatcher()  # the rush answer, said before or after the booking
        rush = None
        if needed is not None:
            rush = await requests.answer_request(
                offer,
                tracker,
                rush_request(shop, problem, drop_off, needed),
                accept=shop.template("accept_fast_track"),
                asks=False,
            )
        in_time = rush is None or rush.rung == "yes"
        if in_time:
            dispatcher.messages.extend(offer.messages)
        booked_here = (await base.services()).bookings()
        today = base.today(shop)
        record = await asyncio.to_thread(
            booking_changed,
            tracker,
            booked_here,
            lambda text: parse_day(text, today, shop.vocabulary.days) is not None,
            await asker_of(tracker),
            today,
        )
        reference = None if record is None else record.reference
        changed = record is not None and await asyncio.to_thread(
            booked_here.change, record.reference, record.conversation_id, bike, problem, drop_off
        )
        if not changed or reference is None:
            reference = await asyncio.to_thread(
                booked_here.book,
                tracker.sender_id,
                tracker.get_slot("customer_id"),
                bike,
                problem,
                drop_off,
            )
        service = shop.repair_service(problem)
        # The estimate is a sentence of its own before "Drop it at…" (the loader trims it).
        estimate_text = "" if service is None else f"{repair_estimate(shop, service).strip()} "
        workshop = next((place for place in shop.locations if place.workshop), shop.locations[0])
        dispatcher.utter_message(
            response="utter_repair_changed"
            if changed
            else "utter_repair_booked"
            if in_time
            else "utter_repair_booked_before_offer",
            bike=bike,
            date=shop.format_day(drop_off, base.today(shop)),
            problem=problem,
            reference=reference,
            estimate_text=estimate_text,
            address=workshop.address,
        )
        if not in_time:
            dispatcher.messages.extend(offer.messages)
        if not bike_known:
            return [SlotSet("order_id", reference), *cleared]
        # The bike is remembered, so the next booking asks "same bike as last time?".
        words = (await base.services()).fact_words()
        if not names_a_bike(bike, words, model=True):
            return [SlotSet("order_id", reference), *cleared]
        await base.with_memory(
            remember_bike, tracker.sender_id, bike, words, conversation=tracker.sender_id
        )
        return [SlotSet("order_id", reference), SlotSet("known_bike", bike), *cleared]


class ActionSubmitReturn(ShopAction):
    """The return the form collected, decided on the say-yes ladder: within the window it is
    set up at once; later, the nearest yes (store credit, a free service) or a person. A customer
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
            SlotSet(BOUGHT_SLOT, None),
            SlotSet("return_reason", None),
            SlotSet(EMAIL_SLOT, None),
            SlotSet(POSTCODE_SLOT, None),
        ]
        if item == UNKNOWN:  # which item, nobody could say: a person goes through it with them
            dispatcher.utter_message(response="utter_return_needs_person")
            return reset
        if wanted == NO_ORDER:
            await self._without_order(dispatcher, tracker, shop, item)
            return reset
        if order is None or not owns(await asker_of(tracker), order):
            # Validation confirmed it; the records (or the chat's confirmations) changed since.
            dispatcher.utter_message(response=CHECK_NO_MATCH, order_id=shown(str(wanted)))
            return reset
        reset.append(SlotSet("order_id", order.order_id))
        age = (base.today(shop) - order.placed).days
        wish = return_wish(base.messages_since(tracker, "return_request", RETURN_MESSAGES))
        request = return_request(wish, item, age, shop)
        # A plain yes is done already (the form collected everything); other rungs ask first.
        decision = await requests.answer_request(
            dispatcher, tracker, request, accept=shop.template("accept_go_ahead"), asks=False
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

    @staticmethod
    async def _without_order(
        dispatcher: CollectingDispatcher, tracker: Tracker, shop: Business, item: str
    ) -> None:
        """A purchase with no order number (bought in the shop, the number lost): the ladder
        decides from the item and roughly when it was bought; not knowing when counts as past
        the returns window, so the nearest yes (store credit, an exchange, a person) is offered."""
        bought = str(tracker.get_slot(BOUGHT_SLOT) or UNKNOWN_AGE)
        policies = shop.policies
        age = int(bought) if bought.isdigit() else policies.returns_window_days + 1
        wish = return_wish(base.messages_since(tracker, "return_request", RETURN_MESSAGES))
        request = return_request(wish, item, age, shop)
        if request.kind == "refund":  # no order on record: no receipt to go by
            request = Request(request.kind, {**request.facts, "has_receipt": False})
        decision = await requests.answer_request(
            dispatcher, tracker, request, accept=shop.template("accept_go_ahead"), asks=False
        )
        if decision.rung == "yes":
            swap = request.kind == "exchange"  # a swap is never also a refund
            dispatcher.utter_message(
                response="utter_exchange_started_without_order"
                if swap
                else "utter_return_started_without_order",
                item=item,
                address=shop.locations[0].address,
                refund_method=policies.refund_method,
                refund_days=policies.refund_days,
                exchange_text=policies.exchanges,
            )
