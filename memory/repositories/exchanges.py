"""Conversations and the exchange log: a visit begins, each message is appended once (with the
signals it carries: not understood, repeated, a wait), and the facts found in it are kept."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from memory import schema as s
from memory.records import Exchange, ExtractedFact, utc
from memory.repositories.base import Repository, normalised
from memory.repositories.customers import CustomerRepository
from memory.repositories.facts import FactRepository
from memory.repositories.stages import StageHistory


class ExchangeRepository(Repository):
    """Conversations (visits) and the messages exchanged in them."""

    def _customers(self) -> CustomerRepository:
        return CustomerRepository(self.conn, self.context)

    def _open_conversation(
        self, customer_id: int, sender_id: str, at: datetime, start_event_id: str | None = None
    ) -> int:
        result = self.conn.execute(
            s.conversations.insert().values(
                customer_id=customer_id,
                sender_id=sender_id,
                start_event_id=start_event_id,
                started_at=at,
                last_at=at,
                exchange_count=0,
                not_understood=0,
            )
        )
        self.conn.execute(
            update(s.customers)
            .where(s.customers.c.id == customer_id)
            .values(
                visits=s.customers.c.visits + 1,
                first_seen=func.coalesce(s.customers.c.first_seen, at),
            )
        )
        return int(result.inserted_primary_key[0])

    def _latest_conversation(self, sender_id: str, customer_id: int) -> Any:
        # By customer too: a retired anonymous id's old visits belong to the customer it was
        # merged into, never to whoever writes under that id later.
        return self.conn.execute(
            select(s.conversations)
            .where(
                s.conversations.c.sender_id == sender_id,
                s.conversations.c.customer_id == customer_id,
            )
            .order_by(s.conversations.c.last_at.desc(), s.conversations.c.id.desc())
            .limit(1)
        ).first()

    def start_conversation(
        self, sender_id: str, at: datetime, start_event_id: str | None = None
    ) -> int:
        """A new visit begins for `sender_id` (Rasa's session start); returns the conversation.

        A conversation that has no exchange yet is reused, so a session start right before the
        first message counts one visit, not two; a session start already seen (same
        `start_event_id`) or older than the latest conversation opens nothing.
        """
        at = utc(at)
        if start_event_id is not None:
            seen = self.conn.execute(
                select(s.conversations.c.id).where(
                    s.conversations.c.start_event_id == start_event_id
                )
            ).scalar()
            if seen is not None:
                return int(seen)
        customer_id = self._customers().customer_for_sender(sender_id, at)
        latest = self._latest_conversation(sender_id, customer_id)
        if latest is not None and (latest.exchange_count == 0 or at < latest.last_at):
            return int(latest.id)
        return self._open_conversation(customer_id, sender_id, at, start_event_id)

    def record_exchange(self, exchange: Exchange, facts: Sequence[ExtractedFact] = ()) -> bool:
        """Append one exchange to the log, with the `facts` found in it (see
        memory.services.record_exchange, which finds them before the unit of work opens);
        False when its event id was already recorded."""
        if self.exchange_for_event(exchange.event_id) is not None:
            return False
        self._write_exchange(exchange, utc(exchange.at), facts)
        return True

    def _write_exchange(
        self, exchange: Exchange, at: datetime, facts: Sequence[ExtractedFact]
    ) -> None:
        conn, rules = self.conn, self.context.rules
        customer_id = self._customers().customer_for_sender(exchange.sender_id, at)
        latest = self._latest_conversation(exchange.sender_id, customer_id)
        gap = timedelta(minutes=rules.visit_gap_minutes)
        if latest is None or (latest.exchange_count > 0 and at - latest.last_at > gap):
            conversation_id = self._open_conversation(customer_id, exchange.sender_id, at)
            last_customer_text, awaiting = None, None
        else:
            conversation_id = int(latest.id)
            last_customer_text, awaiting = latest.last_customer_text, latest.awaiting_reply_since

        signals: list[str] = []
        changes: dict[str, Any] = {
            "last_at": func.max(s.conversations.c.last_at, at)
            if conn.dialect.name == "sqlite"
            else func.greatest(s.conversations.c.last_at, at),
            "exchange_count": s.conversations.c.exchange_count + 1,
        }
        if exchange.speaker == "customer":
            not_understood = exchange.intent == "nlu_fallback" or (
                exchange.confidence is not None
                and exchange.confidence < rules.understood_confidence
            )
            if not_understood:
                signals.append("not_understood")
                changes["not_understood"] = s.conversations.c.not_understood + 1
            text = normalised(exchange.text)
            if text and text == last_customer_text:
                signals.append("repeated")
            changes["last_customer_text"] = text[:2000]
            if awaiting is None:
                changes["awaiting_reply_since"] = at
        elif awaiting is not None:
            waited = (at - awaiting).total_seconds()
            signals.append("waiting" if waited > rules.waiting_seconds else "fast_answer")
            changes["awaiting_reply_since"] = None

        result = conn.execute(
            s.exchanges.insert().values(
                event_id=exchange.event_id,
                customer_id=customer_id,
                conversation_id=conversation_id,
                speaker=exchange.speaker,
                text=exchange.text,
                at=at,
                intent=exchange.intent,
                confidence=exchange.confidence,
                entities=json.dumps(list(exchange.entities)) if exchange.entities else None,
                action=exchange.action,
                agent=exchange.agent,
                policy=json.dumps(exchange.policy, default=str) if exchange.policy else None,
            )
        )
        exchange_id = int(result.inserted_primary_key[0])
        conn.execute(
            update(s.conversations).where(s.conversations.c.id == conversation_id).values(**changes)
        )
        last_seen = (
            func.max(func.coalesce(s.customers.c.last_seen, at), at)
            if conn.dialect.name == "sqlite"
            else func.greatest(func.coalesce(s.customers.c.last_seen, at), at)
        )
        conn.execute(
            update(s.customers)
            .where(s.customers.c.id == customer_id)
            .values(last_seen=last_seen, first_seen=func.coalesce(s.customers.c.first_seen, at))
        )
        self._add_signals(customer_id, signals, at)
        facts_repository = FactRepository(conn, self.context)
        for fact in facts:
            facts_repository.add(customer_id, fact, "message", exchange_id, at)
        # The visit and signals may have moved the relationship: its history is kept with them.
        StageHistory(conn, self.context).judge(customer_id, at)

    def exchange_for_event(self, event_id: str) -> int | None:
        """The id of the exchange logged for a tracker event (see memory.ingest.event_id)."""
        found = self.conn.execute(
            select(s.exchanges.c.id).where(s.exchanges.c.event_id == event_id)
        ).scalar()
        return None if found is None else int(found)

    def latest_customer_exchange(self, sender_id: str, at: datetime | None = None) -> int | None:
        """The id of the conversation's latest customer message (at or before `at`): the
        exchange a form answer came from, kept with the fact as its evidence."""
        query = select(s.exchanges.c.id).where(
            s.exchanges.c.speaker == "customer",
            s.exchanges.c.conversation_id.in_(
                select(s.conversations.c.id).where(s.conversations.c.sender_id == sender_id)
            ),
        )
        if at is not None:
            query = query.where(s.exchanges.c.at <= utc(at))
        query = query.order_by(s.exchanges.c.at.desc(), s.exchanges.c.id.desc()).limit(1)
        found = self.conn.execute(query).scalar()
        return None if found is None else int(found)
