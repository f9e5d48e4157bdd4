"""Whose order or repair it is: the one decision behind every status, item and date the bot tells.

An order or repair is shown only to its owner: the verified shop customer it belongs to, the
conversation that booked it (and, for a verified customer, their other conversations), or a
conversation in which the customer confirmed the order's email address and postcode. Anyone
else hears the same words whether the reference exists or not, and the details can be tried
only a few times in one conversation. The lookups the decision needs (the record, whatever it
is, and who is asking) live here too, so that every status answer and the return form ask the
same question the same way.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker

from actions import base
from actions.shop import shop_records
from actions.shop_records import OrderRecord, RepairRecord
from voice.business import Business

# Wrong confirmations of an order's details allowed in one conversation; after that, a person.
MAX_DETAIL_CHECKS = 3
# Slots: the reference being checked, what was given, the misses, what was confirmed.
CHECK_REFERENCE_SLOT = "order_check_reference"
EMAIL_SLOT = "order_email"
POSTCODE_SLOT = "order_postcode"
MISSES_SLOT = "order_check_misses"
CONFIRMED_SLOT = "confirmed_orders"
CHECK_FORM = "order_check_form"

_EMAIL = re.compile(r"[^\s@<>(),;:\"']+@[^\s@<>(),;:\"']+\.[A-Za-z]{2,}")
_TOKEN = re.compile(r"[A-Za-z0-9]+")
# A postcode is a few letters and digits, at least one digit (3 to 10 characters in all).
_MIN_POSTCODE, _MAX_POSTCODE, _MAX_PART = 3, 10, 4

Record = OrderRecord | RepairRecord


@dataclass(frozen=True)
class Asker:
    """Who is asking: the conversation, the verified shop customer (if any), the conversations
    that count as theirs, and the references whose details were confirmed in this chat."""

    sender_id: str
    customer_id: str | None = None
    conversations: tuple[str, ...] = ()
    confirmed: frozenset[str] = frozenset()


def reference_of(record: Record) -> str:
    return record.order_id if isinstance(record, OrderRecord) else record.reference


def owns(asker: Asker, record: Record) -> bool:
    """Whether `asker` may hear `record`'s status, items and dates."""
    if asker.customer_id and record.customer_id == asker.customer_id:
        return True
    if isinstance(record, RepairRecord) and record.conversation_id:
        if record.conversation_id in {asker.sender_id, *asker.conversations}:
            return True
    return reference_of(record) in asker.confirmed


def normal_email(text: str | None) -> str:
    return (text or "").strip().lower()


def normal_postcode(text: str | None) -> str:
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def email_in(text: str | None) -> str | None:
    """The email address in a customer's message, or None."""
    found = _EMAIL.search(text or "")
    return found.group(0).rstrip(".") if found else None


def postcode_in(text: str | None) -> str | None:
    """The postcode in a customer's message ("it's bs6 5qa" -> "BS6 5QA"), or None: one or two
    short runs of letters and digits with a digit in them, an email address left aside."""
    tokens = _TOKEN.findall(_EMAIL.sub(" ", text or ""))
    for first, second in itertools.pairwise(tokens):
        parts_short = len(first) <= _MAX_PART and len(second) <= _MAX_PART
        if parts_short and _has_digit(first) and _postcode_like(first + second):
            return f"{first} {second}".upper()
    for token in tokens:
        if _postcode_like(token):
            return token.upper()
    return None


def _has_digit(text: str) -> bool:
    return any(character.isdigit() for character in text)


def _postcode_like(text: str) -> bool:
    return _MIN_POSTCODE <= len(text) <= _MAX_POSTCODE and _has_digit(text)


def details_match(record: Record | None, email: str | None, postcode: str | None) -> bool:
    """Whether the email address and postcode given are the ones `record` was made with. A
    record without them (or no record at all) matches nothing; both are compared in full."""
    if record is None or not record.email or not record.postcode:
        return False
    same_email = hmac.compare_digest(
        normal_email(email).encode(), normal_email(record.email).encode()
    )
    same_postcode = hmac.compare_digest(
        normal_postcode(postcode).encode(), normal_postcode(record.postcode).encode()
    )
    return same_email and same_postcode


def shown(reference: str) -> str:
    """How a reference is written back to the customer: repairs as they are, orders with '#'.
    It depends on the words alone, so it says nothing about whether the record exists."""
    return reference if reference.startswith("R") else f"#{reference}"


def confirmed_with(confirmed: Iterable[str] | None, reference: str) -> list[str]:
    """The confirmed references of a conversation, `reference` added."""
    return sorted({*(confirmed or []), reference})


# --- looking records up, and who is asking ------------------------------------------------


def conversations_of(store: Any, sender_id: str) -> list[str]:
    """Every conversation of the customer behind `sender_id` (call in a worker thread)."""
    card = store.cards.card_for_sender(sender_id)
    if card is None:
        return [sender_id]
    return sorted({sender_id, *store.customers.sender_ids(card.customer_id)})


async def asker_of(tracker: Tracker) -> Asker:
    """Who is asking. A verified customer's conversations (other devices, the chat before they
    signed in) count as theirs; an anonymous chat is only itself, since the memory may link it
    to whoever once signed in on that browser."""
    customer_id = tracker.get_slot("customer_id") or None
    conversations = [tracker.sender_id]
    if customer_id:
        conversations = await base.with_memory(
            conversations_of, tracker.sender_id, conversation=tracker.sender_id, default=[]
        )
    confirmed = tracker.get_slot(CONFIRMED_SLOT) or []
    return Asker(
        sender_id=tracker.sender_id,
        customer_id=str(customer_id) if customer_id else None,
        conversations=tuple(conversations or [tracker.sender_id]),
        confirmed=frozenset(str(reference) for reference in confirmed),
    )


async def own_repairs(shop: Business, asker: Asker) -> list[RepairRecord]:
    """The customer's repairs: booked in chat (this or their earlier conversations) first."""
    booked_here = (await base.services()).bookings()
    booked = await asyncio.to_thread(booked_here.of, asker.customer_id, asker.conversations)
    records = await shop_records(shop)
    return booked + records.repairs_of(asker.customer_id)


async def find_record(shop: Business, reference: str | None) -> Record | None:
    """The order or repair with this reference, whoever it belongs to (callers check that)."""
    if not reference:
        return None
    records = await shop_records(shop)
    found: Record | None = records.order(reference) or records.repair(reference)
    if found is None:
        booked_here = (await base.services()).bookings()
        found = await asyncio.to_thread(booked_here.find, reference)
    return found
