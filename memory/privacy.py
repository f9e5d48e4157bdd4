"""Privacy operations: forget a customer everywhere, export everything about them, purge old logs.

Used by the `python -m bot customer ...` and `memory purge` commands and by the bot's privacy
actions. Forgetting also deletes the customer's conversations from Rasa's SQL tracker store
(its `events` table, by sender id), so nothing about them remains.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, delete, inspect, select

from memory import schema as s
from memory.db import make_engine
from memory.records import now_utc, utc
from memory.store import MemoryStore, UnknownCustomer


@dataclass(frozen=True)
class Forgotten:
    """What forgetting a customer removed."""

    customer_id: int
    sender_ids: tuple[str, ...]
    tracker_events: int


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat() + "Z" if value.tzinfo is None else value.isoformat()
    return value


def export_customer(store: MemoryStore, customer_id: int) -> dict[str, Any]:
    """Everything the memory holds about a customer, as JSON-ready values."""
    with store.engine.connect() as conn:
        customer = conn.execute(select(s.customers).where(s.customers.c.id == customer_id)).first()
        if customer is None:
            raise UnknownCustomer(f"no customer has id {customer_id}")
        result: dict[str, Any] = {
            "customer": {key: _plain(value) for key, value in customer._mapping.items()}
        }
        for table in reversed(s.CUSTOMER_TABLES):
            rows = conn.execute(
                select(table).where(table.c.customer_id == customer_id).order_by(table.c.id)
            )
            result[table.name] = [
                {key: _plain(value) for key, value in row._mapping.items()} for row in rows
            ]
        feedback_ids = [row["id"] for row in result["feedback"]]
        result["feedback_states"] = [
            {key: _plain(value) for key, value in row._mapping.items()}
            for row in conn.execute(
                select(s.feedback_states)
                .where(s.feedback_states.c.feedback_id.in_(feedback_ids))
                .order_by(s.feedback_states.c.id)
            )
        ]
    # The handoff queue is keyed by conversation: the chats of this customer that went to a person.
    senders = store.sender_ids(customer_id)
    with store.engine.connect() as conn:
        result["handoffs"] = [
            {key: _plain(value) for key, value in row._mapping.items()}
            for row in conn.execute(
                select(s.handoffs)
                .where(s.handoffs.c.sender_id.in_(senders))
                .order_by(s.handoffs.c.id)
            )
        ]
    for exchange in result["exchanges"]:
        for column in ("entities", "policy"):
            if exchange.get(column):
                exchange[column] = json.loads(exchange[column])
    return result


def delete_tracker_conversations(tracker_url: str, sender_ids: list[str]) -> int:
    """Delete the conversations of `sender_ids` from Rasa's SQL tracker store; rows deleted."""
    if not sender_ids:
        return 0
    engine = make_engine(tracker_url, pool=False)
    try:
        if not inspect(engine).has_table("events"):
            return 0
        events = Table("events", MetaData(), Column("sender_id", String(255)))
        with engine.begin() as conn:
            result = conn.execute(delete(events).where(events.c.sender_id.in_(sender_ids)))
            return int(result.rowcount or 0)
    finally:
        engine.dispose()


def forget_customer(
    store: MemoryStore, customer_id: int, tracker_url: str | None = None
) -> Forgotten:
    """Delete the customer from memory and, given its URL, from Rasa's tracker store."""
    senders = store.sender_ids(customer_id)
    with store.engine.begin() as conn:
        found = conn.execute(select(s.customers.c.id).where(s.customers.c.id == customer_id))
        if found.scalar() is None:
            raise UnknownCustomer(f"no customer has id {customer_id}")
        # Explicit deletes (children first) so that forgetting never depends on the database
        # honouring ON DELETE CASCADE.
        feedback_ids = select(s.feedback.c.id).where(s.feedback.c.customer_id == customer_id)
        conn.execute(
            delete(s.feedback_states).where(s.feedback_states.c.feedback_id.in_(feedback_ids))
        )
        for table in s.CUSTOMER_TABLES:
            conn.execute(delete(table).where(table.c.customer_id == customer_id))
        conn.execute(delete(s.customers).where(s.customers.c.id == customer_id))
        if senders:
            # The handoff queue is keyed by conversation and holds the customer's own words.
            conn.execute(delete(s.handoffs).where(s.handoffs.c.sender_id.in_(senders)))
    removed = delete_tracker_conversations(tracker_url, senders) if tracker_url else 0
    return Forgotten(customer_id, tuple(senders), removed)


def forget_sender(store: MemoryStore, sender_id: str) -> tuple[int, ...]:
    """Delete from memory every customer behind the conversation `sender_id`; their ids.

    Unlike `customer_for_sender` this never creates a customer: a conversation memory has not
    seen yet is simply left alone (only its handoff entries, if any, are removed).
    """
    with store.engine.connect() as conn:
        customers = set(
            conn.execute(
                select(s.identities.c.customer_id).where(s.identities.c.sender_id == sender_id)
            ).scalars()
        )
        customers.update(
            conn.execute(
                select(s.conversations.c.customer_id).where(
                    s.conversations.c.sender_id == sender_id
                )
            ).scalars()
        )
    for customer_id in sorted(customers):
        try:
            forget_customer(store, customer_id)
        except UnknownCustomer:  # forgotten meanwhile: nothing left to do
            pass
    with store.engine.begin() as conn:
        conn.execute(delete(s.handoffs).where(s.handoffs.c.sender_id == sender_id))
    return tuple(sorted(customers))


def purge_exchanges(store: MemoryStore, older_than_days: int, now: datetime | None = None) -> int:
    """Delete exchanges older than `older_than_days`; returns how many were deleted."""
    if older_than_days < 1:
        raise ValueError("the retention period must be at least 1 day")
    cutoff = utc(now or now_utc()) - timedelta(days=older_than_days)
    with store.engine.begin() as conn:
        result = conn.execute(delete(s.exchanges).where(s.exchanges.c.at < cutoff))
        return int(result.rowcount or 0)
