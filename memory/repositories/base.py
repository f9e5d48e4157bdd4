"""What every repository of the relationship memory shares: the connection of its unit of work,
the clock and relationship rules it works by, and the benefit/cost tally several of them move."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from memory import schema as s
from memory.records import ExtractedFact, UnknownCustomer, now_utc, utc
from memory.rules import RelationshipRules, Tally

FactExtractor = Callable[[str], Sequence[ExtractedFact]]


@dataclass(frozen=True)
class MemoryContext:
    """What the memory's repositories decide by: the relationship rules, the clock, and how
    facts are found in a customer's message (None: they are not looked for)."""

    rules: RelationshipRules = field(default_factory=RelationshipRules)
    clock: Callable[[], datetime] = now_utc
    fact_extractor: FactExtractor | None = None

    def now(self) -> datetime:
        """Now, as naive UTC (the way the database stores times)."""
        return utc(self.clock())


def normalised(text: str | None) -> str:
    return " ".join((text or "").lower().split())


class Repository:
    """A repository works on the connection of one unit of work: it never commits."""

    def __init__(self, conn: Connection, context: MemoryContext) -> None:
        self.conn = conn
        self.context = context

    def _now(self) -> datetime:
        return self.context.now()

    def _require_customer(self, customer_id: int) -> None:
        require_customer(self.conn, customer_id)

    def _add_signals(self, customer_id: int, signals: Iterable[str], at: datetime) -> None:
        add_signals(self.conn, self.context.rules, customer_id, signals, at)


def require_customer(conn: Connection, customer_id: int) -> None:
    found = conn.execute(select(s.customers.c.id).where(s.customers.c.id == customer_id))
    if found.scalar() is None:
        raise UnknownCustomer(f"no customer has id {customer_id}")


def add_signals(
    conn: Connection,
    rules: RelationshipRules,
    customer_id: int,
    signals: Iterable[str],
    at: datetime,
) -> None:
    """Move the customer's benefit/cost tally by `signals` (see memory.rules)."""
    signals = list(signals)
    if not signals:
        return
    row = conn.execute(
        select(s.customers.c.benefit, s.customers.c.cost, s.customers.c.tally_at).where(
            s.customers.c.id == customer_id
        )
    ).one()
    tally = Tally(row.benefit, row.cost, row.tally_at)
    for signal in signals:
        tally = tally.add(signal, at, rules)
    conn.execute(
        update(s.customers)
        .where(s.customers.c.id == customer_id)
        .values(benefit=tally.benefit, cost=tally.cost, tally_at=tally.at)
    )
