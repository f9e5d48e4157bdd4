"""The customer's own repairs booked through the bot: all of them listed when there is more
than one ahead ("so have I got 2 bookings now?"), and one cancelled by its day or reference,
after the customer says yes. Only the customer's own bookings are ever read or cancelled."""

from __future__ import annotations

import asyncio
import datetime as dt

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.base import DomainDict, Events, ShopAction
from actions.booking_changes import ahead_of, own_bookings, reference_named
from actions.forms import parse_day
from actions.ownership import asker_of
from actions.shop_records import RepairRecord
from voice.business import Business

CANCEL_SLOT = "booking_to_cancel"


async def bookings_ahead(tracker: Tracker, shop: Business) -> list[RepairRecord]:
    """The customer's own bookings whose day is still ahead, soonest first."""
    booked_here = (await base.services()).bookings()
    own = await asyncio.to_thread(own_bookings, booked_here, await asker_of(tracker))
    return sorted(ahead_of(own, base.today(shop)), key=lambda record: record.ready_date)


def booking_lines(shop: Business, bookings: list[RepairRecord], today: dt.date) -> str:
    """One line per booking, in the business file's `booking_line` template."""
    pattern = shop.template("booking_line")
    return "\n".join(
        shop.wording.bullet_line(
            pattern.format(
                reference=record.reference,
                bike=record.bike,
                date=shop.format_day(record.ready_date, today),
                problem=record.problem,
            )
        )
        for record in bookings
    )


def tell_bookings(
    dispatcher: CollectingDispatcher, shop: Business, bookings: list[RepairRecord]
) -> None:
    """The customer's bookings ahead, with how to move or cancel one."""
    dispatcher.utter_message(
        response="utter_repair_bookings",
        count=len(bookings),
        lines=booking_lines(shop, bookings, base.today(shop)),
    )


def booking_to_cancel(
    shop: Business, text: str, bookings: list[RepairRecord], today: dt.date
) -> RepairRecord | None:
    """The booking a cancellation names: by reference, else by its day ("the saturday one"),
    else the only one; None when it is not clear which (or a reference not among them)."""
    named = reference_named([text])
    if named is not None:
        return next((record for record in bookings if record.reference == named), None)
    day = parse_day(text, today, shop.vocabulary.days)
    if day is not None:
        on_day = [record for record in bookings if record.ready_date == day]
        return on_day[0] if len(on_day) == 1 else None
    return bookings[0] if len(bookings) == 1 else None


class ActionCancelBooking(ShopAction):
    """Which of the customer's bookings to cancel; the customer is asked before it goes."""

    def name(self) -> str:
        return "action_cancel_booking"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        bookings = await bookings_ahead(tracker, shop)
        if not bookings:
            dispatcher.utter_message(response="utter_no_booking_to_cancel")
            return [SlotSet(CANCEL_SLOT, None)]
        text = str((tracker.latest_message or {}).get("text") or "")
        today = base.today(shop)
        chosen = booking_to_cancel(shop, text, bookings, today)
        if chosen is None:
            dispatcher.utter_message(
                response="utter_which_booking_to_cancel",
                lines=booking_lines(shop, bookings, today),
            )
            return [SlotSet(CANCEL_SLOT, None)]
        dispatcher.utter_message(
            response="utter_confirm_cancel_booking",
            reference=chosen.reference,
            bike=chosen.bike,
            date=shop.format_day(chosen.ready_date, today),
        )
        return [SlotSet(CANCEL_SLOT, chosen.reference)]


class ActionCancelBookingAnswer(ShopAction):
    """The customer's yes or no to cancelling the booking named: a yes cancels it (if it is
    still theirs), a no keeps it."""

    def name(self) -> str:
        return "action_cancel_booking_answer"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        reference = tracker.get_slot(CANCEL_SLOT)
        if not reference:
            dispatcher.utter_message(response="utter_anything_else")
            return []
        if base.latest_intent(tracker) != "affirm":
            dispatcher.utter_message(response="utter_booking_kept", reference=reference)
            return [SlotSet(CANCEL_SLOT, None)]
        bookings = await bookings_ahead(tracker, shop)
        record = next((found for found in bookings if found.reference == reference), None)
        booked_here = (await base.services()).bookings()
        cancelled = record is not None and await asyncio.to_thread(
            booked_here.cancel, record.reference, record.conversation_id
        )
        if not cancelled or record is None:
            dispatcher.utter_message(response="utter_no_booking_to_cancel")
            return [SlotSet(CANCEL_SLOT, None)]
        dispatcher.utter_message(
            response="utter_booking_cancelled",
            reference=record.reference,
            bike=record.bike,
            date=shop.format_day(record.ready_date, base.today(shop)),
        )
        return [SlotSet(CANCEL_SLOT, None)]
