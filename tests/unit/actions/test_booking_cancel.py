"""The customer's own bookings: listed when there is more than one ahead, and one cancelled by
its day or reference after a yes; another customer's booking is never named or cancelled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from action_testkit import action_event, make_tracker, rendered, said, user_event
from rasa_sdk.executor import CollectingDispatcher

from actions.bookings import ActionCancelBooking, ActionCancelBookingAnswer
from actions.orders import ActionRepairStatus
from actions.shop_records import RepairBookings

SENDER = "test-customer"
SATURDAY, TUESDAY = dt.date(2026, 11, 28), dt.date(2026, 12, 1)


def two_bookings(sample_shop: Any) -> tuple[RepairBookings, str, str]:
    store = RepairBookings(sample_shop.bookings_url)
    saturday = store.book(SENDER, None, "hybrid bike", "brake service", SATURDAY)
    tuesday = store.book(SENDER, None, "hybrid bike", "brake service", TUESDAY)
    return store, saturday, tuesday


async def test_two_bookings_ahead_are_both_listed(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], sample_shop: Any
) -> None:
    _store, saturday, tuesday = two_bookings(sample_shop)
    RepairBookings(sample_shop.bookings_url).book("someone-else", None, "Trek", "puncture", TUESDAY)
    tracker = make_tracker("repair_status", "have i got two bookings now?", sender_id=SENDER)
    await ActionRepairStatus().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_bookings"]
    text = rendered(domain, dispatcher.messages[0])
    assert saturday in text and tuesday in text and "Trek" not in text
    assert text.index("Saturday 28 November") < text.index("Tuesday 1 December")


async def cancel(domain: dict[str, Any], text: str, answer: str) -> tuple[list[str], str]:
    """'cancel …' then the yes or no: the responses and the last message's words."""
    asked = CollectingDispatcher()
    tracker = make_tracker("cancel_booking", text, sender_id=SENDER)
    events = await ActionCancelBooking().run(asked, tracker, domain)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    history = [action_event("action_listen"), user_event("cancel_booking", text)]
    history.append(action_event("action_cancel_booking"))
    answered = CollectingDispatcher()
    reply = make_tracker(answer, answer, slots=slots, history=history, sender_id=SENDER)
    await ActionCancelBookingAnswer().run(answered, reply, domain)
    responses = [str(r) for r in [*said(asked), *said(answered)]]
    return responses, rendered(domain, answered.messages[-1])


async def test_the_booking_named_by_its_day_is_cancelled_after_a_yes(
    domain: dict[str, Any], sample_shop: Any
) -> None:
    store, saturday, tuesday = two_bookings(sample_shop)
    responses, last = await cancel(domain, "cancel the saturday one pls", "affirm")
    assert responses == ["utter_confirm_cancel_booking", "utter_booking_cancelled"]
    assert saturday in last
    assert [record.reference for record in store.of(None, [SENDER])] == [tuesday]


async def test_a_no_keeps_the_booking(domain: dict[str, Any], sample_shop: Any) -> None:
    store, saturday, _tuesday = two_bookings(sample_shop)
    responses, _last = await cancel(domain, f"cancel {saturday}", "deny")
    assert responses == ["utter_confirm_cancel_booking", "utter_booking_kept"]
    assert len(store.of(None, [SENDER])) == 2


async def test_which_one_is_asked_when_it_is_not_clear(
    domain: dict[str, Any], sample_shop: Any
) -> None:
    store, saturday, tuesday = two_bookings(sample_shop)
    asked = CollectingDispatcher()
    tracker = make_tracker("cancel_booking", "cancel my booking", sender_id=SENDER)
    await ActionCancelBooking().run(asked, tracker, domain)
    assert said(asked) == ["utter_which_booking_to_cancel"]
    assert saturday in asked.messages[0]["lines"] and tuesday in asked.messages[0]["lines"]
    assert len(store.of(None, [SENDER])) == 2


async def test_another_customers_booking_is_never_cancelled(
    domain: dict[str, Any], sample_shop: Any
) -> None:
    store = RepairBookings(sample_shop.bookings_url)
    theirs = store.book("someone-else", None, "Trek", "puncture", SATURDAY)
    responses, _last = await cancel(domain, f"cancel {theirs}", "affirm")
    assert responses[0] == "utter_no_booking_to_cancel"
    assert store.find(theirs) is not None


def cancelled_in(form: str, text: str, slots: dict[str, Any]) -> Any:
    """'actually cancel …' said while `form` was asking: the rules stopped the form first."""
    history = [
        {"event": "active_loop", "name": form},
        action_event("action_listen"),
    ]
    tracker = make_tracker("cancel_booking", text, slots=slots, history=history, sender_id=SENDER)
    tracker.events.extend(
        [
            action_event("action_deactivate_loop"),
            {"event": "active_loop", "name": None},
            {"event": "slot", "name": "requested_slot", "value": None},
        ]
    )
    return tracker


async def test_cancel_while_booking_with_nothing_booked_stops_the_booking(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], sample_shop: Any
) -> None:
    slots = {"repair_bike": "hybrid bike", "repair_problem": "squeaky brakes"}
    tracker = cancelled_in("repair_form", "forget it, cancel that", slots)
    events = await ActionCancelBooking().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_form_stopped"]
    cleared = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert cleared["repair_bike"] is None and cleared["repair_problem"] is None


async def test_cancel_while_booking_reaches_the_booking_already_made(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], sample_shop: Any
) -> None:
    store = RepairBookings(sample_shop.bookings_url)
    reference = store.book(SENDER, None, "hybrid bike", "brake service", SATURDAY)
    tracker = cancelled_in("repair_form", "actually cancel my booking", {"repair_bike": "Trek"})
    events = await ActionCancelBooking().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_confirm_cancel_booking"]
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["booking_to_cancel"] == reference and slots["repair_bike"] is None


async def test_cancel_during_a_return_with_nothing_booked_stops_the_return(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], sample_shop: Any
) -> None:
    tracker = cancelled_in("return_form", "cancel that please", {"return_item": "helmet"})
    await ActionCancelBooking().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_return_form_stopped"]


async def test_a_cancel_outside_a_form_with_nothing_booked_says_so(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], sample_shop: Any
) -> None:
    tracker = make_tracker("cancel_booking", "cancel my booking", sender_id=SENDER)
    await ActionCancelBooking().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_no_booking_to_cancel"]
