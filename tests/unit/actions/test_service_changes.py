"""A change of mind about the repair ("a full overhaul, not a tune up") changes the repair in the
form, or in the booking made, with its price; a swap asked for in a return is an exchange, never
also a refund."""

from __future__ import annotations

import datetime as dt
from typing import Any

from action_testkit import action_event, make_tracker, rendered, said, user_event
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import BOUGHT_SLOT, NO_ORDER, ValidateRepairForm
from actions.orders import ActionSubmitRepair, ActionSubmitReturn
from actions.shop_records import RepairBookings

SENDER = "test-customer"
CHANGE = "hmm actually no, i need a full overhaul not a tune up"


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_a_change_of_mind_in_the_form_changes_the_repair(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [
        {"event": "session_started"},
        action_event("action_listen"),
        user_event("book_repair", "book my bike in for a tune up pls"),
        {"event": "active_loop", "name": "repair_form"},
    ]
    tracker = make_tracker(
        "book_repair",
        CHANGE,
        slots={
            "requested_slot": "repair_date",
            "repair_problem": "tune up",
            "repair_bike": "Specialized Diverge",
        },
        history=history,
        active_loop="repair_form",
        sender_id=SENDER,
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["repair_problem"] == "full overhaul"
    assert said(dispatcher) == ["utter_repair_service_changed"]


async def test_a_change_of_mind_after_booking_changes_the_booked_repair_and_its_price(
    domain: dict[str, Any], sample_shop: Any
) -> None:
    store = RepairBookings(sample_shop.bookings_url)
    saturday = dt.date(2026, 11, 28)
    first = store.book(SENDER, None, "Specialized Diverge", "tune-up", saturday)
    text = "the repair should be a full overhaul not a tune up, can u change it"
    history = [
        {"event": "session_started"},
        action_event("action_listen"),
        user_event("book_repair", "book my bike in for a tune up pls"),
        {"event": "slot", "name": "order_id", "value": first},
        action_event("action_listen"),
        user_event("book_repair", text),
    ]
    tracker = make_tracker(
        "book_repair", text, history=history[:-2], active_loop="repair_form", sender_id=SENDER
    )
    filled = slot_values(await ValidateRepairForm().run(CollectingDispatcher(), tracker, domain))
    assert filled["repair_problem"] == "full overhaul"
    assert filled["repair_date"] == saturday.isoformat()  # the booking's day stays
    confirm = CollectingDispatcher()
    submitted = make_tracker(
        "book_repair", text, slots=filled, history=history[:-2], sender_id=SENDER
    )
    await ActionSubmitRepair().run(confirm, submitted, domain)
    [booked] = store.of(None, [SENDER])
    assert (booked.reference, booked.problem) == (first, "full overhaul")
    assert said(confirm) == ["utter_repair_changed"]
    assert "£140" in rendered(domain, confirm.messages[0])


async def test_a_swap_without_an_order_number_is_an_exchange_not_a_refund(
    domain: dict[str, Any],
) -> None:
    history = [
        {"event": "session_started"},
        action_event("action_listen"),
        user_event("return_request", "i want to return the lock i got last week"),
        {"event": "active_loop", "name": "return_form"},
        action_event("action_listen"),
        user_event("return_request", "actually can i swap it for a helmet instead"),
    ]
    slots = {"return_order_id": NO_ORDER, "return_item": "lock", BOUGHT_SLOT: "7"}
    decided = CollectingDispatcher()
    tracker = make_tracker("inform", "it's too heavy", slots=slots, history=history)
    await ActionSubmitReturn().run(decided, tracker, domain)
    assert "utter_exchange_started_without_order" in said(decided)
    words = " ".join(rendered(domain, message) for message in decided.messages)
    assert "swap" in words and "refund" not in words
