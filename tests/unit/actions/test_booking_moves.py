"""Moving a repair booked through the bot: the customer's own booking is changed (the one whose
reference they give, else their latest one still ahead), never a second booking made, never
anyone else's booking touched."""

from __future__ import annotations

import datetime as dt
from typing import Any

from action_testkit import action_event, make_tracker, rendered, said, user_event
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import ValidateRepairForm
from actions.orders import ActionSubmitRepair
from actions.shop_records import RepairBookings

SENDER = "test-customer"
SUNDAY = dt.date(2026, 11, 29)


def later_session(text: str) -> list[dict[str, Any]]:
    """A new session of the conversation (the booking was made in an earlier one) where the
    customer's request is `text`."""
    return [
        {"event": "session_started"},
        action_event("action_listen"),
        user_event("book_repair", text),
    ]


async def moved(domain: dict[str, Any], text: str) -> tuple[dict[str, Any], CollectingDispatcher]:
    """The repair form and its submit run on `text`: the slots the form filled and what the
    submit said."""
    tracker = make_tracker(
        "book_repair",
        text,
        history=later_session(text)[:-2],
        active_loop="repair_form",
        sender_id=SENDER,
    )
    events = await ValidateRepairForm().run(CollectingDispatcher(), tracker, domain)
    filled = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    confirm = CollectingDispatcher()
    submitted = make_tracker(
        "book_repair", text, slots=filled, history=later_session(text)[:-2], sender_id=SENDER
    )
    await ActionSubmitRepair().run(confirm, submitted, domain)
    return filled, confirm


async def test_rescheduling_by_reference_moves_that_booking(
    domain: dict[str, Any], sample_shop: Any
) -> None:
    store = RepairBookings(sample_shop.bookings_url)
    first = store.book(SENDER, None, "Trek FX 3", "brake service", dt.date(2026, 11, 28))
    filled, confirm = await moved(domain, f"reschedule my repair {first} to sunday 29th")
    assert (filled["repair_bike"], filled["repair_problem"]) == ("Trek FX 3", "brake service")
    [booked] = store.of(None, [SENDER])  # still one booking, on the new day
    assert (booked.reference, booked.ready_date) == (first, SUNDAY)
    assert said(confirm) == ["utter_repair_changed"]
    assert first in rendered(domain, confirm.messages[0])


async def test_moving_it_without_a_reference_moves_the_latest_booking_ahead(
    domain: dict[str, Any], sample_shop: Any
) -> None:
    store = RepairBookings(sample_shop.bookings_url)
    store.book(SENDER, None, "old Raleigh", "puncture", dt.date(2026, 11, 10))  # long past
    first = store.book(SENDER, None, "hybrid bike", "brake service", dt.date(2026, 11, 28))
    _filled, confirm = await moved(domain, "can i move it to sunday instead?")
    bookings = {record.reference: record for record in store.of(None, [SENDER])}
    assert len(bookings) == 2
    assert bookings[first].ready_date == SUNDAY
    assert said(confirm) == ["utter_repair_changed"]


async def test_another_customers_reference_is_never_moved(
    domain: dict[str, Any], sample_shop: Any
) -> None:
    store = RepairBookings(sample_shop.bookings_url)
    theirs = store.book("someone-else", None, "Trek FX 3", "brake service", dt.date(2026, 11, 28))
    mine = store.book(SENDER, None, "hybrid bike", "puncture", dt.date(2026, 11, 28))
    _filled, confirm = await moved(domain, f"reschedule {theirs} to sunday")
    [kept] = store.of(None, ["someone-else"])
    assert kept.ready_date == dt.date(2026, 11, 28)
    assert store.find(mine) is not None and store.find(mine).ready_date == dt.date(2026, 11, 28)
    assert "utter_repair_changed" not in said(confirm)
