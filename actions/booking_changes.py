"""A change of mind about the repair booked in this chat: which booking a booking request
changes ("…another repair instead", "make it wednesday"), and what of it stays.

The repair form reads the bike and the problem of the booking being changed, so "make it
wednesday" after a booking asks nothing again and only moves the day; the submit action
(`actions/orders.py`) then changes that booking instead of making a second one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rasa_sdk import Tracker

from actions import base
from actions.shop_records import RepairBookings, RepairRecord

BOOKING_INTENT = "book_repair"
# Words that change the booking made earlier in the chat ("can you do the other repair instead",
# "change my booking", "move it to friday").
CHANGE_WORDS = re.compile(
    r"\b(instead|rather|change\s+(?:it|that|my\s+booking|the\s+booking|the\s+day)"
    r"|switch\s+(?:it|to)|move\s+(?:it|that|my\s+booking|the\s+booking)|resched\w*)\b"
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


def booking_changed(
    tracker: Tracker,
    booked_here: RepairBookings,
    names_day: Callable[[str], bool] = lambda _text: False,
) -> RepairRecord | None:
    """The booking this session made that the latest booking request changes ("…instead",
    "make it wednesday"), or None for a new booking (synchronous: a worker thread).
    `names_day(text)` says whether a message names a day."""
    texts = base.messages_since(tracker, BOOKING_INTENT)
    if not any(says_change(text, names_day(text)) for text in texts):
        return None
    made = made_this_session(tracker)
    if not made:
        return None
    booked = booked_here.of(None, [tracker.sender_id])  # this conversation's, newest first
    return next((record for record in booked if record.reference in made), None)
