"""Every store that holds customer data, and what forgetting and exporting do with each table.

This is the one list. `memory.privacy` forgets and exports by it, and a test walks the schema of
every store (the memory, the repair bookings, Rasa's tracker store, the memory's outbox) and
fails when a table is not listed here. A new table that holds anything about a customer is added
here in the same change, with its handling.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

# The stores, by the setting that locates them.
MEMORY = "memory"  # DATABASE_URL: the relationship memory
TRACKER = "tracker"  # TRACKER_*: Rasa's SQL tracker store (the conversations themselves)
BOOKINGS = "bookings"  # BOOKINGS_URL: repairs booked through the bot
OUTBOX = "outbox"  # the event broker's durable queue in var/ (Rasa server)


class Handling(Enum):
    """What forgetting and exporting do with a table."""

    ERASED = "deleted when the customer is forgotten; in their export"
    INTERNAL = "deleted when the customer is forgotten; never in their export (staff's words)"
    LEDGER = (
        "kept without the customer when they are forgotten (what the shop owes or paid out); "
        "in their export while they are known"
    )
    TRANSIENT = "a queue emptied in order; the forgetting queued behind it removes what it wrote"
    NOT_CUSTOMER_DATA = "holds nothing about a customer"


@dataclass(frozen=True)
class Holding:
    """One table of one store, and how a customer's rows in it are found."""

    store: str
    table: str
    handling: Handling
    # Outside the memory: the column holding the conversation (Rasa sender id), and the one
    # holding the shop's customer id, when the table has them.
    sender_column: str | None = None
    shop_customer_column: str | None = None


HOLDINGS: tuple[Holding, ...] = (
    # The relationship memory (memory/schema.py).
    Holding(MEMORY, "customers", Handling.ERASED),
    Holding(MEMORY, "identities", Handling.ERASED),
    Holding(MEMORY, "merged_senders", Handling.ERASED),  # anonymous chats merged at sign-in
    Holding(MEMORY, "conversations", Handling.ERASED),
    Holding(MEMORY, "exchanges", Handling.ERASED),
    Holding(MEMORY, "facts", Handling.ERASED),
    Holding(MEMORY, "issues", Handling.ERASED),
    Holding(MEMORY, "promises", Handling.ERASED),
    Holding(MEMORY, "feedback", Handling.ERASED),
    Holding(MEMORY, "feedback_states", Handling.ERASED),  # its `note` is internal, see below
    Holding(MEMORY, "ratings", Handling.ERASED),
    Holding(MEMORY, "stage_changes", Handling.ERASED),  # the relationship's history
    # By conversation: the reason in their words, and the email or phone left for the reply.
    Holding(MEMORY, "handoffs", Handling.ERASED),
    Holding(MEMORY, "agent_notes", Handling.INTERNAL),
    # Agents' replies sent over the tone guard, for coaching: by handoff, deleted with it
    # (ON DELETE CASCADE) when the customer is forgotten.
    Holding(MEMORY, "tone_overrides", Handling.INTERNAL),
    Holding(MEMORY, "redemptions", Handling.LEDGER),
    Holding(MEMORY, "agents", Handling.NOT_CUSTOMER_DATA),
    Holding(MEMORY, "agent_sessions", Handling.NOT_CUSTOMER_DATA),
    # Trainers' decisions: the message with its personal data masked (as written to data/); the
    # link to the exchange is cleared when the customer is forgotten (ON DELETE SET NULL).
    Holding(MEMORY, "review_decisions", Handling.NOT_CUSTOMER_DATA),
    # Rasa's tracker store: every message of every conversation.
    Holding(TRACKER, "events", Handling.ERASED, sender_column="sender_id"),
    # Repairs booked through the bot (actions/shop_records.py): the bike and the problem.
    Holding(
        BOOKINGS,
        "repair_bookings",
        Handling.ERASED,
        sender_column="conversation_id",
        shop_customer_column="customer_id",
    ),
    # The broker's outbox (memory/ingest.py): events wait here until the memory has them. Events
    # set aside as unwritable are deleted when their conversation's forgetting passes through
    # the queue (Outbox.forget); they never reached the memory, so no export has them.
    Holding(OUTBOX, "pending", Handling.TRANSIENT),
    Holding(OUTBOX, "failed", Handling.ERASED),
)

# Columns of customer tables that hold staff's words about the customer: left out of exports.
INTERNAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "feedback_states": ("note",),
    "handoffs": ("transfer_note", "transferred_from"),
}

# Bumped only with a migration that rewrites every ledger account.
_LEDGER_CONTEXT = b"rapport loyalty ledger v1\x00"


def holdings(store: str) -> dict[str, Holding]:
    return {holding.table: holding for holding in HOLDINGS if holding.store == store}


def tables_handled(store: str, *handlings: Handling) -> set[str]:
    """The tables of `store` handled in one of `handlings`."""
    return {h.table for h in HOLDINGS if h.store == store and h.handling in handlings}


def unclassified(store: str, tables: Iterable[str]) -> list[str]:
    """The tables of `store` that this list does not classify, sorted."""
    known = holdings(store)
    return sorted(table for table in tables if table not in known)


def ledger_account(shop_customer_id: str) -> str:
    """The key the loyalty ledger keeps a shop customer's redemptions under (SHA-256, hex).

    Derived from the shop's own customer id, so the same shop account finds its redemptions
    again after the customer was forgotten, while the ledger holds no id, name or words.
    """
    return hashlib.sha256(_LEDGER_CONTEXT + shop_customer_id.encode("utf-8")).hexdigest()
