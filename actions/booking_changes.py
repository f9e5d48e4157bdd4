"""A change of mind about a repair booked through the bot: which booking a booking request
changes ("…another repair instead", "make it wednesday", "move R-7KQ2M9XA to sunday"), and what
of it stays.

The booking changed is the customer's own: the one whose reference the request gives, else the
one booked in this session, else their latest booking still ahead. The repair form reads the
bike and the problem of that booking, so "make it wednesday" asks nothing again and only moves
the day; the submit action (`actions/orders.py`) then changes that booking instead of making a
second one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable

from rasa_sdk import Tracker

from actions import base
from actions.ownership import Asker
from actions.shop_records import BOOKING_PREFIX, RepairBookings, RepairRecord, normalise_reference

BOOKING_INTENT = "book_repair"
# Words that change the booking made earlier in the chat ("can you do the other repair instead",
# "change my booking", "move it to friday").
CHANGE_WORDS = re.compile(
    r"\b(instead|rather|change\s+(?:it|that|my\s+(?:repair\s+)?booking|the\s+(?:repair\s+)?booking"
    r"|the\s+day)|switch\s+(?:it|to)|move\s+(?:it|that|my\s+(?:repair|booking)|the\s+booking)"
    r"|resched\w*|push\s+(?:it|my\s+booking)\s+back|bring\s+(?:it|my\s+booking)\s+forward)\b"
)
# "Make it wednesday": a change only when the message names a day.
MAKE_IT = re.compile(r"\bmake\s+(?:it|that)\b")


def says_change(text: str, names_day: bool) -> bool:
    """Whether a booking request's words change the booking made earlier (`names_day`: whether
    the message names a day, which "make it ..." needs: "make it roadworthy" is a repair)."""
    lowered = text.lower().replace("\u2019", "'")
    return bool(CHANGE_WORDS.search(lowered) or (names_day and MAKE_IT.search(lowered)))


def made_this_session(tracker: Tracker) -> set[str]:
    """The references of the bookings made in this session of the conversation."""
    made: set[str] = set()
    for event in reversed(tracker.events or []):
        if event.get("event") == "session_started":
            break
        if event.get("event") == "slot" and event.get("name") == "order_id" and event.get("value"):
            made.add(str(event["value"]))
    return made


def own_bookings(booked_here: RepairBookings, asker: Asker) -> list[RepairRecord]:
    """The repairs the customer booked through the bot (this chat, their other chats when
    verified, their shop account), newest booking first (synchronous: a worker thread)."""
    return booked_here.of(asker.customer_id, asker.conversations)


def ahead_of(bookings: Iterable[RepairRecord], today: dt.date) -> list[RepairRecord]:
    """The bookings whose drop-off day is today or later, in the order given."""
    return [record for record in bookings if record.ready_date >= today]


def reference_named(texts: Iterable[str]) -> str | None:
    """The reference of a booking made through the bot that the latest of `texts` naming one
    gives ("move R-7KQ2M9XA to sunday"), or None."""
    for text in reversed(list(texts)):
        reference = normalise_reference(text)
        if reference and reference.startswith(BOOKING_PREFIX):
            return reference
    return None


def booking_meant(
    own: list[RepairRecord], texts: Iterable[str], made: set[str], today: dt.date
) -> RepairRecord | None:
    """Which of the customer's own bookings (`own`, newest first) a change means: the one
    whose reference the customer gave (None when that one is not theirs), else the newest
    made in this session (`made`), else the newest still ahead."""
    named = reference_named(texts)
    if named is not None:
        return next((record for record in own if record.reference == named), None)
    in_session = [record for record in own if record.reference in made]
    if in_session:
        return in_session[0]
    ahead = ahead_of(own, today)
    return ahead[0] if ahead else None


def booking_changed(
    tracker: Tracker,
    booked_here: RepairBookings,
    names_day: Callable[[str], bool] = lambda _text: False,
    asker: Asker | None = None,
    today: dt.date | None = None,
) -> RepairRecord | None:
    """The customer's own booking that the latest booking request changes ("…instead", "make
    it wednesday", "reschedule R-7KQ2M9XA"), or None for a new booking (synchronous: a worker
    thread). `names_day(text)` says whether a message names a day; `asker` is who is asking
    (this conversation alone when not given); `today` the shop's day (bookings before it are
    over; every booking counts when not given)."""
    texts = base.messages_since(tracker, BOOKING_INTENT)
    if not any(says_change(text, names_day(text)) for text in texts):
        return None
    owner = asker or Asker(sender_id=tracker.sender_id, conversations=(tracker.sender_id,))
    own = own_bookings(booked_here, owner)
    return booking_meant(own, texts, made_this_session(tracker), today or dt.date.min)
