"""Privacy operations: forget a customer everywhere, export everything about them, purge old logs.

Used by the `python -m bot customer ...` and `memory purge` commands and by the bot's privacy
actions. What is forgotten and exported follows the one list of stores that hold customer data,
`memory.personal_data`: the memory's tables, the conversations in Rasa's SQL tracker store (its
`events` table, by sender id) and the repairs booked through the bot (by conversation and shop
customer id). The loyalty ledger is kept without the customer; internal notes are forgotten
and never exported. On SQLite, deleted rows are overwritten and the write-ahead log emptied.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, delete, inspect, or_, select, update
from sqlalchemy.engine import Connection, Engine

from memory import personal_data as registry
from memory import schema as s
from memory.db import checkpoint, make_engine
from memory.personal_data import Handling
from memory.records import now_utc, utc
from memory.store import MemoryStore, UnknownCustomer


@dataclass(frozen=True)
class Forgotten:
    """What forgetting a customer removed."""

    customer_id: int
    sender_ids: tuple[str, ...]
    tracker_events: int
    bookings: int = 0


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat() + "Z" if value.tzinfo is None else value.isoformat()
    return value


def _rows(result: Iterable[Any], leave_out: Sequence[str] = ()) -> list[dict[str, Any]]:
    return [
        {key: _plain(value) for key, value in row._mapping.items() if key not in leave_out}
        for row in result
    ]


def _handling(table: Table) -> Handling:
    holding = registry.holdings(registry.MEMORY).get(table.name)
    if holding is None:  # the registry test catches this; refuse rather than guess
        raise LookupError(f"table {table.name} is not classified in memory.personal_data")
    return holding.handling


def _internal(table: Table) -> tuple[str, ...]:
    return registry.INTERNAL_COLUMNS.get(table.name, ())


# -- other stores: found by conversation (sender id) and shop customer id --------------------


def _key_table(holding: registry.Holding) -> Table:
    columns = [
        Column(name, String(255))
        for name in (holding.sender_column, holding.shop_customer_column)
        if name
    ]
    return Table(holding.table, MetaData(), *columns)


def _whose(table: Table, holding: registry.Holding, senders: Sequence[str], shop_id: str | None):
    conditions = []
    if holding.sender_column and senders:
        conditions.append(table.c[holding.sender_column].in_(list(senders)))
    if holding.shop_customer_column and shop_id:
        conditions.append(table.c[holding.shop_customer_column] == shop_id)
    return or_(*conditions) if conditions else None


def _other_engine(url: str) -> Engine:
    return make_engine(url, pool=False, owned=False)


def _delete_other(
    url: str, holding: registry.Holding, senders: Sequence[str], shop_id: str | None
) -> int:
    engine = _other_engine(url)
    try:
        if not inspect(engine).has_table(holding.table):
            return 0
        table = _key_table(holding)
        whose = _whose(table, holding, senders, shop_id)
        if whose is None:
            return 0
        with engine.begin() as conn:
            removed = int(conn.execute(delete(table).where(whose)).rowcount or 0)
        checkpoint(engine)
        return removed
    finally:
        engine.dispose()


def _export_other(
    url: str, holding: registry.Holding, senders: Sequence[str], shop_id: str | None
) -> list[dict[str, Any]]:
    engine = _other_engine(url)
    try:
        if not inspect(engine).has_table(holding.table):
            return []
        table = Table(holding.table, MetaData(), autoload_with=engine)
        whose = _whose(table, holding, senders, shop_id)
        if whose is None:
            return []
        with engine.connect() as conn:
            order = table.c.id if "id" in table.c else next(iter(table.c))
            return _rows(conn.execute(select(table).where(whose).order_by(order)))
    finally:
        engine.dispose()


def _tracker_messages(url: str, senders: Sequence[str]) -> list[dict[str, Any]]:
    """The words of the customer's conversations in Rasa's tracker store, oldest first."""
    messages = []
    for row in _export_other(url, registry.holdings(registry.TRACKER)["events"], senders, None):
        if row.get("type_name") not in ("user", "bot"):
            continue
        try:
            data = json.loads(row.get("data") or "{}")
        except ValueError:
            continue
        if data.get("text"):  # a bot's file (an earlier export) is not copied into this one
            messages.append(
                {
                    "conversation": row["sender_id"],
                    "from": "you" if row["type_name"] == "user" else "shop",
                    "text": data["text"],
                    "at": datetime.utcfromtimestamp(float(row["timestamp"])).isoformat() + "Z",
                }
            )
    return messages


def _shop_id(conn: Connection, customer_id: int) -> str | None:
    found = conn.execute(
        select(s.customers.c.external_id).where(s.customers.c.id == customer_id)
    ).scalar()
    return None if found is None else str(found)


# -- export ----------------------------------------------------------------------------------


def export_customer(
    store: MemoryStore,
    customer_id: int,
    tracker_url: str | None = None,
    bookings_url: str | None = None,
    include_internal: bool = False,
) -> dict[str, Any]:
    """Everything the stores hold about a customer, as JSON-ready values, for the customer.

    Internal notes (staff's words about the customer) are not part of it, and it does not say
    whether there are any; `include_internal` adds them for a person at the shop who answers a
    formal request under a law that covers them (see docs/security.md).
    """
    with store.engine.connect() as conn:
        customer = conn.execute(select(s.customers).where(s.customers.c.id == customer_id)).first()
        if customer is None:
            raise UnknownCustomer(f"no customer has id {customer_id}")
        shop_id = _shop_id(conn, customer_id)
        result: dict[str, Any] = {"customer": _rows([customer])[0]}
        shown = (Handling.ERASED, Handling.INTERNAL) if include_internal else (Handling.ERASED,)
        for table in reversed(s.CUSTOMER_TABLES):
            if _handling(table) in shown:
                rows = conn.execute(
                    select(table).where(table.c.customer_id == customer_id).order_by(table.c.id)
                )
                result[table.name] = _rows(rows, () if include_internal else _internal(table))
        feedback_ids = [row["id"] for row in result["feedback"]]
        result["feedback_states"] = _rows(
            conn.execute(
                select(s.feedback_states)
                .where(s.feedback_states.c.feedback_id.in_(feedback_ids))
                .order_by(s.feedback_states.c.id)
            ),
            () if include_internal else _internal(s.feedback_states),
        )
    result["redemptions"] = _rows_plain(store.loyalty.redemptions(customer_id))
    # The handoff queue is keyed by conversation: the chats of this customer that went to a person.
    senders = store.customers.sender_ids(customer_id)
    with store.engine.connect() as conn:
        result["handoffs"] = _rows(
            conn.execute(
                select(s.handoffs)
                .where(s.handoffs.c.sender_id.in_(senders))
                .order_by(s.handoffs.c.id)
            ),
            () if include_internal else _internal(s.handoffs),
        )
    for exchange in result["exchanges"]:
        for column in ("entities", "policy"):
            if exchange.get(column):
                exchange[column] = json.loads(exchange[column])
    if tracker_url:
        result["conversation_messages"] = _tracker_messages(tracker_url, senders)
    if bookings_url:
        bookings = registry.holdings(registry.BOOKINGS)["repair_bookings"]
        result["repair_bookings"] = _export_other(bookings_url, bookings, senders, shop_id)
    return result


def _rows_plain(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: _plain(value) for key, value in row.items()} for row in rows]


# -- forget ----------------------------------------------------------------------------------


def delete_tracker_conversations(tracker_url: str, sender_ids: list[str]) -> int:
    """Delete the conversations of `sender_ids` from Rasa's SQL tracker store; rows deleted."""
    if not sender_ids:
        return 0
    events = registry.holdings(registry.TRACKER)["events"]
    return _delete_other(tracker_url, events, sender_ids, None)


def delete_bookings(bookings_url: str, sender_ids: Sequence[str], shop_id: str | None) -> int:
    """Delete the repairs booked in these conversations or by this shop customer; rows deleted."""
    bookings = registry.holdings(registry.BOOKINGS)["repair_bookings"]
    return _delete_other(bookings_url, bookings, sender_ids, shop_id)


def forget_customer(
    store: MemoryStore,
    customer_id: int,
    tracker_url: str | None = None,
    bookings_url: str | None = None,
) -> Forgotten:
    """Delete the customer from every store given (memory always; the tracker and bookings
    by their URLs), keeping the loyalty ledger without them."""
    senders = store.customers.sender_ids(customer_id)
    with store.engine.begin() as conn:
        found = conn.execute(select(s.customers.c.id).where(s.customers.c.id == customer_id))
        if found.scalar() is None:
            raise UnknownCustomer(f"no customer has id {customer_id}")
        shop_id = _shop_id(conn, customer_id)
        # Explicit deletes (children first) so that forgetting never depends on the database
        # honouring ON DELETE CASCADE.
        feedback_ids = select(s.feedback.c.id).where(s.feedback.c.customer_id == customer_id)
        conn.execute(
            delete(s.feedback_states).where(s.feedback_states.c.feedback_id.in_(feedback_ids))
        )
        for table in s.CUSTOMER_TABLES:
            mine = table.c.customer_id == customer_id
            if _handling(table) is Handling.LEDGER:
                # What the shop paid out stays, under the shop account only; an anonymous
                # customer's entries (no account to find them by) go with them.
                conn.execute(delete(table).where(mine, table.c.account.is_(None)))
                conn.execute(update(table).where(mine).values(customer_id=None))
            else:
                conn.execute(delete(table).where(mine))
        conn.execute(delete(s.customers).where(s.customers.c.id == customer_id))
        if senders:
            # The handoff queue is keyed by conversation and holds the customer's own words.
            conn.execute(delete(s.handoffs).where(s.handoffs.c.sender_id.in_(senders)))
    checkpoint(store.engine)
    removed = delete_tracker_conversations(tracker_url, senders) if tracker_url else 0
    booked = delete_bookings(bookings_url, senders, shop_id) if bookings_url else 0
    return Forgotten(customer_id, tuple(senders), removed, booked)


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
