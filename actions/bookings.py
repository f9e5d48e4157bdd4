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
from actions.exits import HINT_SLOT
from actions.forms import (
    ActionStopRepairForm,
    ActionStopReturnForm,
    StopFormAction,
    parse_day,
)
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


# A cancel said while a form is open stops the form first (data/rules/): the form's stop
# action says what the customer is told when nothing is booked, and which slots it clears.
STOPPED_FORMS: dict[str, type[StopFormAction]] = {
    "repair_form": ActionStopRepairForm,
    "return_form": ActionStopReturnForm,
}


def form_stopped_now(tracker: Tracker) -> str | None:
    """The form this turn stopped before the action runs ("actually cancel my booking" while
    booking), or None."""
    events = list(tracker.events or [])
    stopped = False
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "user":
            if not stopped:
                return None
            for earlier in reversed(events[:index]):
                if earlier.get("event") == "active_loop":  # the form open before this message
                    return str(earlier.get("name")) if earlier.get("name") else None
            return None
        if event.get("event") == "action" and event.get("name") == "action_deactivate_loop":
            stopped = True
    return None


class ActionCancelBooking(ShopAction):
    """Which of the customer's bookings to cancel; the customer is asked before it goes. Said
    while a booking or a return was under way, the form has stopped first: its answers are
    cleared, and with nothing booked the customer hears that the form stopped."""

    def name(self) -> str:
        return "action_cancel_booking"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        form = STOPPED_FORMS.get(str(form_stopped_now(tracker)))
        stopped = form() if form is not None else None
        cleared = [SlotSet(slot, None) for slot in (stopped.slots if stopped else ())]
        if stopped is not None:
            cleared.append(SlotSet(HINT_SLOT, None))
        bookings = await bookings_ahead(tracker, shop)
        if not bookings and stopped is not None:
            # "Actually cancel that" while booking, with nothing booked yet: the form stops.
            dispatcher.utter_message(response=stopped.response)
            return [SlotSet(CANCEL_SLOT, None), *cleared]
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
            return [SlotSet(CANCEL_SLOT, None), *cleared]
        dispatcher.utter_message(
            response="utter_confirm_cancel_booking",
            reference=chosen.reference,
            bike=chosen.bike,
            date=shop.format_day(chosen.ready_date, today),
        )
        return [SlotSet(CANCEL_SLOT, chosen.reference), *cleared]


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
