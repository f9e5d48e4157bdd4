"""Facts and preferences the customer told us: recorded with their evidence, superseded by a
newer value (the history stays), corrected, forgotten one kind at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, select, update

from memory import schema as s
from memory.records import FACT_SOURCES, SINGLE_VALUED_KINDS, ExtractedFact, FactView, aware, utc
from memory.repositories.base import Repository, normalised


def fact_view(row: Any) -> FactView:
    return FactView(
        id=row.id,
        kind=row.kind,
        key=row.key,
        value=row.value,
        source=row.source,
        confidence=row.confidence,
        recorded_at=aware(row.recorded_at),
        exchange_id=row.exchange_id,
        superseded_at=aware(row.superseded_at),
    )


class FactRepository(Repository):
    """The customer's facts: name, bike, riding style, sizes, favourites, aspirations."""

    def record_fact(
        self,
        customer_id: int,
        fact: ExtractedFact,
        source: str = "form",
        exchange_id: int | None = None,
        at: datetime | None = None,
    ) -> int:
        """Store a fact (a newer value supersedes the older one, whose history stays)."""
        if source not in FACT_SOURCES:
            raise ValueError(f"fact source {source!r} is not one of {FACT_SOURCES}")
        self._require_customer(customer_id)
        return self.add(customer_id, fact, source, exchange_id, utc(at) if at else self._now())

    def add(
        self,
        customer_id: int,
        fact: ExtractedFact,
        source: str,
        exchange_id: int | None,
        at: datetime,
    ) -> int:
        """`record_fact` for a customer known to exist, at a naive-UTC time."""
        value = " ".join(fact.value.split())[:500]
        current = and_(
            s.facts.c.customer_id == customer_id,
            s.facts.c.superseded_at.is_(None),
            s.facts.c.kind == fact.kind,
        )
        if fact.kind in SINGLE_VALUED_KINDS:
            same_slot = self.conn.execute(
                select(s.facts.c.id, s.facts.c.value).where(current, s.facts.c.key == fact.key)
            ).all()
        else:
            # One of several (bikes): the same one said again, said less fully (a make alone of the
            # make and model already known) or more fully (which replaces the shorter).
            same_slot = [
                row
                for row in self.conn.execute(select(s.facts.c.id, s.facts.c.value).where(current))
                if _same_thing(row.value, value)
            ]
        for row in same_slot:
            if normalised(row.value) == normalised(value) or _says_less(value, row.value):
                return int(row.id)  # already known; the older provenance stays
        return self._supersede(
            customer_id, fact, value, source, exchange_id, fact.confidence, at, same_slot
        )

    def _supersede(
        self,
        customer_id: int,
        fact: ExtractedFact,
        value: str,
        source: str,
        exchange_id: int | None,
        confidence: float,
        at: datetime,
        replaced: Sequence[Any],
    ) -> int:
        """Insert a fact and mark the `replaced` rows as superseded by it; the new id."""
        new_id = int(
            self.conn.execute(
                s.facts.insert().values(
                    customer_id=customer_id,
                    kind=fact.kind,
                    key=fact.key,
                    value=value,
                    source=source,
                    exchange_id=exchange_id,
                    confidence=confidence,
                    recorded_at=at,
                )
            ).inserted_primary_key[0]
        )
        if replaced:
            self.conn.execute(
                update(s.facts)
                .where(s.facts.c.id.in_([row.id for row in replaced]))
                .values(superseded_at=at, superseded_by=new_id)
            )
        return new_id

    def correct_fact(
        self,
        customer_id: int,
        fact: ExtractedFact,
        exchange_id: int | None = None,
        at: datetime | None = None,
    ) -> int:
        """The customer put a fact right ("no, my bike is a Trek"): their value replaces every
        current fact of that kind (and key); the old ones stay as history."""
        moment = utc(at) if at else self._now()
        self._require_customer(customer_id)
        current = self.conn.execute(
            select(s.facts.c.id, s.facts.c.value).where(
                s.facts.c.customer_id == customer_id,
                s.facts.c.superseded_at.is_(None),
                s.facts.c.kind == fact.kind,
                *([s.facts.c.key == fact.key] if fact.key else []),
            )
        ).all()
        value = " ".join(fact.value.split())[:500]
        if [normalised(row.value) for row in current] == [normalised(value)]:
            return int(current[0].id)
        return self._supersede(
            customer_id, fact, value, "message", exchange_id, 1.0, moment, current
        )

    def forget_facts(self, customer_id: int, kind: str, key: str | None = None) -> int:
        """The customer asked us to forget one thing ("forget my bike"): that kind of fact
        is deleted with its history, nothing else; how many were deleted."""
        where = [s.facts.c.customer_id == customer_id, s.facts.c.kind == kind]
        if key:
            where.append(s.facts.c.key == key)
        self.conn.execute(
            update(s.facts)
            .where(s.facts.c.customer_id == customer_id)
            .where(s.facts.c.superseded_by.in_(select(s.facts.c.id).where(*where)))
            .values(superseded_by=None)
        )
        return int(self.conn.execute(delete(s.facts).where(*where)).rowcount or 0)

    def facts(self, customer_id: int, include_history: bool = False) -> list[FactView]:
        """The customer's facts (current only unless `include_history`), newest first."""
        query = select(s.facts).where(s.facts.c.customer_id == customer_id)
        if not include_history:
            query = query.where(s.facts.c.superseded_at.is_(None))
        query = query.order_by(s.facts.c.recorded_at.desc(), s.facts.c.id.desc())
        return [fact_view(row) for row in self.conn.execute(query)]


def _words(value: str) -> set[str]:
    return set(normalised(value).split())


def _says_less(value: str, known: str) -> bool:
    """`value` names only part of what `known` names (a make of its make and model)."""
    return bool(_words(value)) and _words(value) < _words(known)


def _same_thing(known: str, value: str) -> bool:
    """The same fact said again, more fully or less fully."""
    return (
        normalised(known) == normalised(value)
        or _says_less(value, known)
        or _says_less(known, value)
    )
