"""`MemoryStore`: the one way into the relationship memory, a transaction per call.

Every method opens its own transaction and closes it before returning, so the store is safe to
share between threads; callers on an event loop run it in a worker thread
(`await asyncio.to_thread(store.card, customer_id)`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from memory import schema as s
from memory.db import make_engine
from memory.personal_data import ledger_account
from memory.records import (
    FACT_SOURCES,
    FEEDBACK_KINDS,
    FEEDBACK_STATES,
    ISSUE_KINDS,
    ISSUE_STATES,
    PROMISE_STATES,
    SINGLE_VALUED_KINDS,
    Exchange,
    ExchangeView,
    ExtractedFact,
    FactView,
    IssueView,
    PromiseView,
    RelationshipCard,
    aware,
    now_utc,
    utc,
)
from memory.rules import (
    RelationshipInputs,
    RelationshipRules,
    Tally,
    assess,
    satisfaction_trend,
)

FactExtractor = Callable[[str], Sequence[ExtractedFact]]

# Intents that say nothing about what a visit was about.
SMALL_TALK_INTENTS = frozenset(
    {"greet", "goodbye", "affirm", "deny", "thank", "thanks", "bot_challenge", "nlu_fallback"}
)
CARD_EXCHANGES = 8  # how many recent exchanges a card shows
TOPIC_WINDOW = 60  # how many recent exchanges the card's topics come from
CARD_RATINGS = 5


class UnknownCustomer(LookupError):
    """No customer has this id."""


def _normalised(text: str | None) -> str:
    return " ".join((text or "").lower().split())


class MemoryStore:
    """Reads and writes the relationship memory of one database."""

    def __init__(
        self,
        database: str | Engine,
        rules: RelationshipRules | None = None,
        fact_extractor: FactExtractor | None = None,
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        self.engine = make_engine(database) if isinstance(database, str) else database
        self.rules = rules or RelationshipRules()
        self.fact_extractor = fact_extractor
        self.clock = clock
        # The connection of the unit of work this thread is in, if any (one store serves the
        # action server's worker threads, each with its own unit of work).
        self._work = threading.local()

    def close(self) -> None:
        self.engine.dispose()

    # -- units of work -----------------------------------------------------------------------

    @contextmanager
    def unit_of_work(self) -> Iterator[MemoryStore]:
        """A workflow that changes several things commits once: every write made through the
        store inside the block (in this thread) is one transaction, committed when the block
        ends and rolled back entirely when it raises. A block inside another joins it.

            with store.unit_of_work():
                issue = store.open_issue(customer, "complaint", summary)
                store.make_promise(customer, text, issue_id=issue)
        """
        if getattr(self._work, "conn", None) is not None:
            yield self
            return
        with self.engine.begin() as conn:
            self._work.conn = conn
            try:
                yield self
            finally:
                self._work.conn = None

    def in_unit_of_work(self) -> bool:
        return getattr(self._work, "conn", None) is not None

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """The unit of work's connection, or a transaction of its own that commits at the end."""
        conn = getattr(self._work, "conn", None)
        if conn is not None:
            yield conn
            return
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        """A connection to read with: inside a unit of work its own (reads see its writes)."""
        conn = getattr(self._work, "conn", None)
        if conn is not None:
            yield conn
            return
        with self.engine.connect() as conn:
            yield conn

    def _now(self) -> datetime:
        return utc(self.clock())

    # -- customers and identities ------------------------------------------------------------

    def _new_customer(self, conn: Connection, external_id: str | None = None) -> int:
        result = conn.execute(
            s.customers.insert().values(
                external_id=external_id, created_at=self._now(), visits=0, benefit=0.0, cost=0.0
            )
        )
        return int(result.inserted_primary_key[0])

    def _customer_for_sender(
        self, conn: Connection, sender_id: str, at: datetime | None = None
    ) -> int:
        if at is not None:
            # An anonymous conversation merged at sign-in: what was said in it before the
            # merge (the event broker may bring it a little later) belongs to the customer.
            merged = conn.execute(
                select(s.merged_senders.c.customer_id, s.merged_senders.c.merged_at).where(
                    s.merged_senders.c.sender_id == sender_id
                )
            ).first()
            if merged is not None and utc(at) <= merged.merged_at:
                return int(merged.customer_id)
        found = conn.execute(
            select(s.identities.c.customer_id).where(s.identities.c.sender_id == sender_id)
        ).scalar()
        if found is not None:
            return int(found)
        customer_id = self._new_customer(conn)
        conn.execute(
            s.identities.insert().values(
                sender_id=sender_id, customer_id=customer_id, linked_at=self._now()
            )
        )
        return customer_id

    def customer_for_sender(self, sender_id: str, at: datetime | None = None) -> int:
        """The customer behind a Rasa sender id, created (anonymous) on first sight.

        `at`: when what is being recorded happened (see `merge_anonymous`); None is now.
        """
        try:
            with self._begin() as conn:
                return self._customer_for_sender(conn, sender_id, at)
        except IntegrityError:
            if self.in_unit_of_work():
                raise  # the whole unit of work is void: its caller decides what happens next
            # The event broker linked this sender between our look-up and our insert.
            with self._begin() as conn:
                return self._customer_for_sender(conn, sender_id, at)

    def find_customer(self, reference: str) -> int | None:
        """The customer whose shop id or sender id is `reference`, or `#<n>` for id n."""
        with self._connect() as conn:
            if reference.startswith("#") and reference[1:].isdigit():
                found = conn.execute(
                    select(s.customers.c.id).where(s.customers.c.id == int(reference[1:]))
                ).scalar()
                return None if found is None else int(found)
            found = conn.execute(
                select(s.customers.c.id).where(s.customers.c.external_id == reference)
            ).scalar()
            for table in (s.identities, s.merged_senders):
                if found is None:
                    found = conn.execute(
                        select(table.c.customer_id).where(table.c.sender_id == reference)
                    ).scalar()
            return None if found is None else int(found)

    def sender_ids(self, customer_id: int) -> list[str]:
        """Every Rasa sender id linked to the customer."""
        with self._connect() as conn:
            rows = conn.execute(
                select(s.identities.c.sender_id).where(s.identities.c.customer_id == customer_id)
            ).scalars()
            senders = set(rows)
            senders.update(
                conn.execute(
                    select(s.merged_senders.c.sender_id).where(
                        s.merged_senders.c.customer_id == customer_id
                    )
                ).scalars()
            )
            senders.update(
                conn.execute(
                    select(s.conversations.c.sender_id)
                    .where(s.conversations.c.customer_id == customer_id)
                    .distinct()
                ).scalars()
            )
        return sorted(senders)

    def link_identity(self, sender_id: str, external_id: str) -> int:
        """Make `sender_id` a key to the shop's customer `external_id`; return its id.

        Only for a conversation whose identity is verified in that conversation (a signed-in
        customer's own conversation id): whoever can write under `sender_id` reaches the
        customer's record. An anonymous conversation that signs in is `merge_anonymous`d.
        The anonymous customer's history (exchanges, facts, issues, ...) moves to the signed-in
        customer. A sender id that already belonged to a different signed-in customer (a shared
        device) is re-linked without moving that customer's history, so nobody sees another's.
        """
        if not external_id or len(external_id) > 255:
            raise ValueError("a shop customer id must be 1 to 255 characters")
        with self._begin() as conn:
            target = conn.execute(
                select(s.customers.c.id).where(s.customers.c.external_id == external_id)
            ).scalar()
            if target is None:
                target = self._new_customer(conn, external_id)
            source = conn.execute(
                select(s.identities.c.customer_id).where(s.identities.c.sender_id == sender_id)
            ).scalar()
            if source is None:
                conn.execute(
                    s.identities.insert().values(
                        sender_id=sender_id, customer_id=target, linked_at=self._now()
                    )
                )
            elif source != target:
                source_external = conn.execute(
                    select(s.customers.c.external_id).where(s.customers.c.id == source)
                ).scalar()
                if source_external is None:
                    self._merge(conn, int(source), int(target))
                else:
                    conn.execute(
                        update(s.identities)
                        .where(s.identities.c.sender_id == sender_id)
                        .values(customer_id=target, linked_at=self._now())
                    )
            return int(target)

    def merge_anonymous(self, sender_id: str, external_id: str) -> int | None:
        """Move an anonymous conversation's history into the shop customer `external_id`.

        Called when a browser that chatted anonymously signs in. The anonymous customer's
        history (exchanges, facts, issues, ...) moves to the signed-in customer, but the
        anonymous sender id does not become a key to them: it is retired (`merged_senders`),
        so whoever holds the anonymous id later reaches nobody's record. A sender id the memory
        has never seen, or one that already belongs to another signed-in customer, moves
        nothing. Returns the signed-in customer's id, or None when nothing was merged.
        """
        if not external_id or len(external_id) > 255:
            raise ValueError("a shop customer id must be 1 to 255 characters")
        with self._begin() as conn:
            source = conn.execute(
                select(s.identities.c.customer_id).where(s.identities.c.sender_id == sender_id)
            ).scalar()
            if source is not None:
                source_external = conn.execute(
                    select(s.customers.c.external_id).where(s.customers.c.id == source)
                ).scalar()
                if source_external is not None and source_external != external_id:
                    return None  # someone else's conversation: never moved, never retired here
            if conn.execute(
                select(s.merged_senders.c.id).where(s.merged_senders.c.sender_id == sender_id)
            ).scalar():
                return None  # retired already
            target = conn.execute(
                select(s.customers.c.id).where(s.customers.c.external_id == external_id)
            ).scalar()
            if target is None:
                target = self._new_customer(conn, external_id)
            if source is not None and source != target:
                self._merge(conn, int(source), int(target))
            conn.execute(delete(s.identities).where(s.identities.c.sender_id == sender_id))
            # Retired even when the memory has not heard of it yet (the event broker may be a
            # moment behind): its earlier exchanges are attributed by time (`customer_for_sender`).
            conn.execute(
                s.merged_senders.insert().values(
                    sender_id=sender_id, customer_id=int(target), merged_at=self._now()
                )
            )
            return int(target)

    def is_merged(self, sender_id: str) -> bool:
        """Whether an anonymous conversation was merged into a signed-in customer (retired)."""
        with self._connect() as conn:
            found = conn.execute(
                select(s.merged_senders.c.id).where(s.merged_senders.c.sender_id == sender_id)
            ).scalar()
        return found is not None

    def _merge(self, conn: Connection, source: int, target: int) -> None:
        """Move everything of customer `source` to `target` and delete `source`."""
        rows = {
            row.id: row
            for row in conn.execute(
                select(s.customers).where(s.customers.c.id.in_([source, target]))
            )
        }
        old, new = rows[source], rows[target]
        now = self._now()
        faded = [
            Tally(row.benefit, row.cost, row.tally_at).faded(now, self.rules) for row in (old, new)
        ]
        firsts = [value for value in (old.first_seen, new.first_seen) if value is not None]
        lasts = [value for value in (old.last_seen, new.last_seen) if value is not None]
        for table in s.CUSTOMER_TABLES:
            conn.execute(
                update(table).where(table.c.customer_id == source).values(customer_id=target)
            )
        conn.execute(
            update(s.customers)
            .where(s.customers.c.id == target)
            .values(
                visits=old.visits + new.visits,
                first_seen=min(firsts) if firsts else None,
                last_seen=max(lasts) if lasts else None,
                benefit=faded[0][0] + faded[1][0],
                cost=faded[0][1] + faded[1][1],
                tally_at=now,
                loyalty_status=new.loyalty_status or old.loyalty_status,
            )
        )
        conn.execute(delete(s.customers).where(s.customers.c.id == source))
        self._resolve_single_valued(conn, target)

    def _resolve_single_valued(self, conn: Connection, customer_id: int) -> None:
        """After a merge, keep only the newest current fact of each single-valued kind and key."""
        current = conn.execute(
            select(s.facts.c.id, s.facts.c.kind, s.facts.c.key, s.facts.c.recorded_at)
            .where(s.facts.c.customer_id == customer_id, s.facts.c.superseded_at.is_(None))
            .where(s.facts.c.kind.in_(SINGLE_VALUED_KINDS))
            .order_by(s.facts.c.recorded_at.desc(), s.facts.c.id.desc())
        ).all()
        newest: dict[tuple[str, str], int] = {}
        for row in current:
            slot = (row.kind, row.key)
            if slot in newest:
                conn.execute(
                    update(s.facts)
                    .where(s.facts.c.id == row.id)
                    .values(superseded_at=self._now(), superseded_by=newest[slot])
                )
            else:
                newest[slot] = row.id

    # -- the relationship tally --------------------------------------------------------------

    def _add_signals(
        self, conn: Connection, customer_id: int, signals: Iterable[str], at: datetime
    ) -> None:
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
            tally = tally.add(signal, at, self.rules)
        conn.execute(
            update(s.customers)
            .where(s.customers.c.id == customer_id)
            .values(benefit=tally.benefit, cost=tally.cost, tally_at=tally.at)
        )

    def record_signal(self, customer_id: int, signal: str, at: datetime | None = None) -> None:
        """Record a benefit or cost (see memory.rules.BENEFITS and COSTS), e.g. 'remembered'."""
        self.rules.weight(signal)  # rejects unknown names before touching the database
        with self._begin() as conn:
            self._require_customer(conn, customer_id)
            self._add_signals(conn, customer_id, [signal], utc(at) if at else self._now())

    def _require_customer(self, conn: Connection, customer_id: int) -> None:
        found = conn.execute(select(s.customers.c.id).where(s.customers.c.id == customer_id))
        if found.scalar() is None:
            raise UnknownCustomer(f"no customer has id {customer_id}")

    # -- conversations and the exchange log --------------------------------------------------

    def _open_conversation(
        self,
        conn: Connection,
        customer_id: int,
        sender_id: str,
        at: datetime,
        start_event_id: str | None = None,
    ) -> int:
        result = conn.execute(
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
        conn.execute(
            update(s.customers)
            .where(s.customers.c.id == customer_id)
            .values(
                visits=s.customers.c.visits + 1,
                first_seen=func.coalesce(s.customers.c.first_seen, at),
            )
        )
        return int(result.inserted_primary_key[0])

    def _latest_conversation(self, conn: Connection, sender_id: str, customer_id: int) -> Any:
        # By customer too: a retired anonymous id's old visits belong to the customer it was
        # merged into, never to whoever writes under that id later.
        return conn.execute(
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
        with self._begin() as conn:
            if start_event_id is not None:
                seen = conn.execute(
                    select(s.conversations.c.id).where(
                        s.conversations.c.start_event_id == start_event_id
                    )
                ).scalar()
                if seen is not None:
                    return int(seen)
            customer_id = self._customer_for_sender(conn, sender_id, at)
            latest = self._latest_conversation(conn, sender_id, customer_id)
            if latest is not None and (latest.exchange_count == 0 or at < latest.last_at):
                return int(latest.id)
            return self._open_conversation(conn, customer_id, sender_id, at, start_event_id)

    def record_exchange(self, exchange: Exchange) -> bool:
        """Append one exchange to the log; False when its event id was already recorded."""
        at = utc(exchange.at)
        # Facts are found before the write transaction opens: parsing takes time (the first
        # parse loads the language model), and on SQLite a write transaction holds the lock
        # that the action server's own writes wait for.
        facts: list[ExtractedFact] = []
        if exchange.speaker == "customer" and exchange.text and self.fact_extractor is not None:
            facts = list(self.fact_extractor(exchange.text))
        try:
            with self._begin() as conn:
                seen = conn.execute(
                    select(s.exchanges.c.id).where(s.exchanges.c.event_id == exchange.event_id)
                ).scalar()
                if seen is not None:
                    return False
                self._write_exchange(conn, exchange, at, facts)
                return True
        except IntegrityError:
            # Another writer recorded the same event between our check and insert.
            with self._connect() as conn:
                seen = conn.execute(
                    select(s.exchanges.c.id).where(s.exchanges.c.event_id == exchange.event_id)
                ).scalar()
            if seen is not None:
                return False
            raise

    def _write_exchange(
        self, conn: Connection, exchange: Exchange, at: datetime, facts: list[ExtractedFact]
    ) -> None:
        rules = self.rules
        customer_id = self._customer_for_sender(conn, exchange.sender_id, at)
        latest = self._latest_conversation(conn, exchange.sender_id, customer_id)
        gap = timedelta(minutes=rules.visit_gap_minutes)
        if latest is None or (latest.exchange_count > 0 and at - latest.last_at > gap):
            conversation_id = self._open_conversation(conn, customer_id, exchange.sender_id, at)
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
            text = _normalised(exchange.text)
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
        self._add_signals(conn, customer_id, signals, at)
        for fact in facts:
            self._record_fact(conn, customer_id, fact, "message", exchange_id, at)

    # -- facts -------------------------------------------------------------------------------

    def _record_fact(
        self,
        conn: Connection,
        customer_id: int,
        fact: ExtractedFact,
        source: str,
        exchange_id: int | None,
        at: datetime,
    ) -> int:
        value = " ".join(fact.value.split())[:500]
        current = and_(
            s.facts.c.customer_id == customer_id,
            s.facts.c.superseded_at.is_(None),
            s.facts.c.kind == fact.kind,
        )
        if fact.kind in SINGLE_VALUED_KINDS:
            same_slot = conn.execute(
                select(s.facts.c.id, s.facts.c.value).where(current, s.facts.c.key == fact.key)
            ).all()
        else:
            same_slot = [
                row
                for row in conn.execute(select(s.facts.c.id, s.facts.c.value).where(current))
                if _normalised(row.value) == _normalised(value)
            ]
        for row in same_slot:
            if _normalised(row.value) == _normalised(value):
                return int(row.id)  # already known; the older provenance stays
        return self._supersede(
            conn, customer_id, fact, value, source, exchange_id, fact.confidence, at, same_slot
        )

    def _supersede(
        self,
        conn: Connection,
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
            conn.execute(
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
            conn.execute(
                update(s.facts)
                .where(s.facts.c.id.in_([row.id for row in replaced]))
                .values(superseded_at=at, superseded_by=new_id)
            )
        return new_id

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
        with self._begin() as conn:
            self._require_customer(conn, customer_id)
            return self._record_fact(
                conn, customer_id, fact, source, exchange_id, utc(at) if at else self._now()
            )

    def exchange_for_event(self, event_id: str) -> int | None:
        """The id of the exchange logged for a tracker event (see memory.ingest.event_id)."""
        with self._connect() as conn:
            found = conn.execute(
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
        with self._connect() as conn:
            found = conn.execute(query).scalar()
        return None if found is None else int(found)

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
        with self._begin() as conn:
            self._require_customer(conn, customer_id)
            current = conn.execute(
                select(s.facts.c.id, s.facts.c.value).where(
                    s.facts.c.customer_id == customer_id,
                    s.facts.c.superseded_at.is_(None),
                    s.facts.c.kind == fact.kind,
                    *([s.facts.c.key == fact.key] if fact.key else []),
                )
            ).all()
            value = " ".join(fact.value.split())[:500]
            if [_normalised(row.value) for row in current] == [_normalised(value)]:
                return int(current[0].id)
            return self._supersede(
                conn, customer_id, fact, value, "message", exchange_id, 1.0, moment, current
            )

    def forget_facts(self, customer_id: int, kind: str, key: str | None = None) -> int:
        """The customer asked us to forget one thing ("forget my bike"): that kind of fact
        is deleted with its history, nothing else; how many were deleted."""
        where = [s.facts.c.customer_id == customer_id, s.facts.c.kind == kind]
        if key:
            where.append(s.facts.c.key == key)
        with self._begin() as conn:
            conn.execute(
                update(s.facts)
                .where(s.facts.c.customer_id == customer_id)
                .where(s.facts.c.superseded_by.in_(select(s.facts.c.id).where(*where)))
                .values(superseded_by=None)
            )
            return int(conn.execute(delete(s.facts).where(*where)).rowcount or 0)

    def facts(self, customer_id: int, include_history: bool = False) -> list[FactView]:
        """The customer's facts (current only unless `include_history`), newest first."""
        query = select(s.facts).where(s.facts.c.customer_id == customer_id)
        if not include_history:
            query = query.where(s.facts.c.superseded_at.is_(None))
        query = query.order_by(s.facts.c.recorded_at.desc(), s.facts.c.id.desc())
        with self._connect() as conn:
            return [_fact_view(row) for row in conn.execute(query)]

    # -- issues, promises, feedback, ratings, notes ------------------------------------------

    def open_issue(self, customer_id: int, kind: str, summary: str) -> int:
        """Record a complaint or problem (a complaint is a cost to the relationship)."""
        if kind not in ISSUE_KINDS:
            raise ValueError(f"issue kind {kind!r} is not one of {ISSUE_KINDS}")
        now = self._now()
        with self._begin() as conn:
            self._require_customer(conn, customer_id)
            issue_id = conn.execute(
                s.issues.insert().values(
                    customer_id=customer_id,
                    kind=kind,
                    summary=summary,
                    state="open",
                    opened_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key[0]
            if kind == "complaint":
                self._add_signals(conn, customer_id, ["complaint"], now)
            return int(issue_id)

    def set_issue_state(self, issue_id: int, state: str) -> None:
        """Move an issue to open, resolved or closed (resolving it is a benefit)."""
        if state not in ISSUE_STATES:
            raise ValueError(f"issue state {state!r} is not one of {ISSUE_STATES}")
        now = self._now()
        with self._begin() as conn:
            row = conn.execute(select(s.issues).where(s.issues.c.id == issue_id)).first()
            if row is None:
                raise LookupError(f"no issue has id {issue_id}")
            conn.execute(
                update(s.issues)
                .where(s.issues.c.id == issue_id)
                .values(
                    state=state,
                    updated_at=now,
                    resolved_at=now if state == "resolved" else row.resolved_at,
                )
            )
            if state == "resolved" and row.state == "open":
                self._add_signals(conn, row.customer_id, ["resolved"], now)

    def make_promise(
        self,
        customer_id: int,
        text: str,
        due_at: datetime | None = None,
        issue_id: int | None = None,
    ) -> int:
        """Record something the business promised ("we'll email you when the part arrives")."""
        with self._begin() as conn:
            self._require_customer(conn, customer_id)
            return int(
                conn.execute(
                    s.promises.insert().values(
                        customer_id=customer_id,
                        text=text,
                        made_at=self._now(),
                        due_at=utc(due_at) if due_at else None,
                        state="open",
                        issue_id=issue_id,
                    )
                ).inserted_primary_key[0]
            )

    def settle_promise(self, promise_id: int, state: str) -> None:
        """Mark a promise kept, broken or cancelled (kept is a benefit, broken a cost)."""
        if state not in PROMISE_STATES or state == "open":
            raise ValueError(f"a promise is settled as kept, broken or cancelled, not {state!r}")
        now = self._now()
        with self._begin() as conn:
            row = conn.execute(select(s.promises).where(s.promises.c.id == promise_id)).first()
            if row is None:
                raise LookupError(f"no promise has id {promise_id}")
            conn.execute(
                update(s.promises)
                .where(s.promises.c.id == promise_id)
                .values(state=state, settled_at=now)
            )
            if row.state == "open" and state in ("kept", "broken"):
                signal = "promise_kept" if state == "kept" else "promise_broken"
                self._add_signals(conn, row.customer_id, [signal], now)

    def promises_due(self, before: datetime, limit: int = 100) -> list[tuple[int, PromiseView]]:
        """(customer id, promise) of open promises due before `before`, soonest first."""
        cutoff = utc(before)
        with self._connect() as conn:
            rows = conn.execute(
                select(s.promises)
                .where(s.promises.c.state == "open", s.promises.c.due_at < cutoff)
                .order_by(s.promises.c.due_at)
                .limit(limit)
            ).all()
        now = self._now()
        return [(row.customer_id, _promise_view(row, now)) for row in rows]

    def add_feedback(self, customer_id: int, kind: str, text: str) -> int:
        """Record feedback or an idea a customer shared (co-creation)."""
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"feedback kind {kind!r} is not one of {FEEDBACK_KINDS}")
        now = self._now()
        with self._begin() as conn:
            self._require_customer(conn, customer_id)
            feedback_id = int(
                conn.execute(
                    s.feedback.insert().values(
                        customer_id=customer_id,
                        kind=kind,
                        text=text,
                        state="received",
                        created_at=now,
                        updated_at=now,
                    )
                ).inserted_primary_key[0]
            )
            conn.execute(
                s.feedback_states.insert().values(feedback_id=feedback_id, state="received", at=now)
            )
            return feedback_id

    def set_feedback_state(self, feedback_id: int, state: str, note: str | None = None) -> None:
        """Move feedback along (acknowledged, planned, done, declined); the history stays."""
        if state not in FEEDBACK_STATES:
            raise ValueError(f"feedback state {state!r} is not one of {FEEDBACK_STATES}")
        now = self._now()
        with self._begin() as conn:
            row = conn.execute(select(s.feedback).where(s.feedback.c.id == feedback_id)).first()
            if row is None:
                raise LookupError(f"no feedback has id {feedback_id}")
            conn.execute(
                update(s.feedback)
                .where(s.feedback.c.id == feedback_id)
                .values(state=state, updated_at=now)
            )
            conn.execute(
                s.feedback_states.insert().values(
                    feedback_id=feedback_id, state=state, note=note, at=now
                )
            )
            if row.state == "received" and state == "acknowledged":
                self._add_signals(conn, row.customer_id, ["idea_acknowledged"], now)

    def rate(
        self,
        customer_id: int,
        score: int,
        comment: str | None = None,
        conversation_id: int | None = None,
    ) -> int:
        """Record a satisfaction rating from 1 to 5."""
        if not 1 <= score <= 5:
            raise ValueError(f"a rating is 1 to 5, not {score}")
        with self._begin() as conn:
            self._require_customer(conn, customer_id)
            return int(
                conn.execute(
                    s.ratings.insert().values(
                        customer_id=customer_id,
                        conversation_id=conversation_id,
                        score=score,
                        comment=comment,
                        at=self._now(),
                    )
                ).inserted_primary_key[0]
            )

    def add_agent_note(self, customer_id: int, agent: str, text: str) -> int:
        """An agent's note about the customer (shown in the console)."""
        with self._begin() as conn:
            self._require_customer(conn, customer_id)
            return int(
                conn.execute(
                    s.agent_notes.insert().values(
                        customer_id=customer_id, agent=agent, text=text, at=self._now()
                    )
                ).inserted_primary_key[0]
            )

    def agent_notes(self, customer_id: int, limit: int = 20) -> list[tuple[str, str, datetime]]:
        """(agent, text, time) of the newest notes about a customer."""
        with self._connect() as conn:
            rows = conn.execute(
                select(s.agent_notes.c.agent, s.agent_notes.c.text, s.agent_notes.c.at)
                .where(s.agent_notes.c.customer_id == customer_id)
                .order_by(s.agent_notes.c.at.desc(), s.agent_notes.c.id.desc())
                .limit(limit)
            ).all()
        return [(row.agent, row.text, aware(row.at)) for row in rows]  # type: ignore[misc]

    def _ledger_account(self, conn: Connection, customer_id: int) -> str | None:
        external_id = conn.execute(
            select(s.customers.c.external_id).where(s.customers.c.id == customer_id)
        ).scalar()
        return None if external_id is None else ledger_account(str(external_id))

    def redeem(self, customer_id: int, reward: str, points: int) -> int:
        """Record that the customer redeemed `reward` for `points` points; the redemption's id.

        A signed-in customer's redemption is kept under their shop account too, so forgetting
        the customer does not give the points back (see memory.personal_data).
        """
        if points < 0:
            raise ValueError("a reward cannot cost negative points")
        with self._begin() as conn:
            self._require_customer(conn, customer_id)
            return int(
                conn.execute(
                    s.redemptions.insert().values(
                        customer_id=customer_id,
                        account=self._ledger_account(conn, customer_id),
                        reward=reward[:255],
                        points=points,
                        at=self._now(),
                    )
                ).inserted_primary_key[0]
            )

    def _ledger_rows(self, conn: Connection, customer_id: int) -> Any:
        """Which redemptions are the customer's: their own, and their shop account's."""
        account = self._ledger_account(conn, customer_id)
        mine = s.redemptions.c.customer_id == customer_id
        return mine if account is None else or_(mine, s.redemptions.c.account == account)

    def points_redeemed(self, customer_id: int) -> int:
        """The points the customer (or their shop account, before a forget) spent on rewards."""
        with self._connect() as conn:
            spent = conn.execute(
                select(func.coalesce(func.sum(s.redemptions.c.points), 0)).where(
                    self._ledger_rows(conn, customer_id)
                )
            ).scalar()
        return int(spent or 0)

    def redemptions(self, customer_id: int) -> list[dict[str, Any]]:
        """The customer's redemptions (reward, points, time), oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                select(s.redemptions.c.reward, s.redemptions.c.points, s.redemptions.c.at)
                .where(self._ledger_rows(conn, customer_id))
                .order_by(s.redemptions.c.at, s.redemptions.c.id)
            ).all()
        return [{"reward": row.reward, "points": row.points, "at": row.at} for row in rows]

    def set_loyalty_status(self, customer_id: int, status: str | None) -> None:
        with self._begin() as conn:
            self._require_customer(conn, customer_id)
            conn.execute(
                update(s.customers)
                .where(s.customers.c.id == customer_id)
                .values(loyalty_status=status)
            )

    # -- the relationship card ---------------------------------------------------------------

    def card_for_sender(self, sender_id: str) -> RelationshipCard | None:
        """The card of the customer behind a sender id, or None for someone never seen."""
        with self._connect() as conn:
            customer_id = conn.execute(
                select(s.identities.c.customer_id).where(s.identities.c.sender_id == sender_id)
            ).scalar()
        return None if customer_id is None else self.card(int(customer_id))

    def card(self, customer_id: int) -> RelationshipCard:
        """Everything the bot and agents need about a customer, from a handful of indexed reads."""
        now = self._now()
        with self._connect() as conn:
            customer = conn.execute(
                select(s.customers).where(s.customers.c.id == customer_id)
            ).first()
            if customer is None:
                raise UnknownCustomer(f"no customer has id {customer_id}")
            facts = [
                _fact_view(row)
                for row in conn.execute(
                    select(s.facts)
                    .where(s.facts.c.customer_id == customer_id, s.facts.c.superseded_at.is_(None))
                    .order_by(s.facts.c.recorded_at.desc(), s.facts.c.id.desc())
                )
            ]
            issues = conn.execute(
                select(s.issues)
                .where(s.issues.c.customer_id == customer_id, s.issues.c.state == "open")
                .order_by(s.issues.c.opened_at)
            ).all()
            promises = conn.execute(
                select(s.promises)
                .where(s.promises.c.customer_id == customer_id, s.promises.c.state == "open")
                .order_by(s.promises.c.due_at)
                .limit(10)
            ).all()
            recent = conn.execute(
                select(
                    s.exchanges.c.speaker,
                    s.exchanges.c.text,
                    s.exchanges.c.at,
                    s.exchanges.c.intent,
                    s.exchanges.c.action,
                    s.exchanges.c.agent,
                    s.exchanges.c.policy,
                )
                .where(s.exchanges.c.customer_id == customer_id)
                .order_by(s.exchanges.c.at.desc(), s.exchanges.c.id.desc())
                .limit(TOPIC_WINDOW)
            ).all()
            ratings = tuple(
                conn.execute(
                    select(s.ratings.c.score)
                    .where(s.ratings.c.customer_id == customer_id)
                    .order_by(s.ratings.c.at.desc(), s.ratings.c.id.desc())
                    .limit(CARD_RATINGS)
                ).scalars()
            )
            last_visit_not_understood = conn.execute(
                select(s.conversations.c.not_understood)
                .where(s.conversations.c.customer_id == customer_id)
                .order_by(s.conversations.c.started_at.desc())
                .limit(1)
            ).scalar()
            ideas = conn.execute(
                select(func.count())
                .select_from(s.feedback)
                .where(s.feedback.c.customer_id == customer_id)
            ).scalar()

        promise_views = tuple(_promise_view(row, now) for row in promises)
        inputs = RelationshipInputs(
            visits=customer.visits,
            tally=Tally(customer.benefit, customer.cost, customer.tally_at),
            first_seen=customer.first_seen,
            last_seen=customer.last_seen,
            open_complaints=sum(1 for row in issues if row.kind == "complaint"),
            open_issues=len(issues),
            overdue_promises=sum(1 for view in promise_views if view.overdue),
            not_understood_last_visit=last_visit_not_understood or 0,
            ideas_shared=int(ideas or 0),
            recent_ratings=ratings,
        )
        relationship = assess(inputs, now, self.rules)
        topics: list[str] = []
        for row in recent:
            if row.speaker == "customer" and row.intent and row.intent not in SMALL_TALK_INTENTS:
                if row.intent not in topics:
                    topics.append(row.intent)
        names = [fact.value for fact in facts if fact.kind == "name"]
        return RelationshipCard(
            customer_id=customer.id,
            external_id=customer.external_id,
            name=names[0] if names else None,
            stage=relationship.stage,
            at_risk=relationship.at_risk,
            reasons=relationship.reasons,
            balance=relationship.balance,
            visits=customer.visits,
            first_seen=aware(customer.first_seen),
            last_seen=aware(customer.last_seen),
            last_topics=tuple(topics[:5]),
            open_issues=tuple(
                IssueView(row.id, row.kind, row.summary, row.state, aware(row.opened_at))
                for row in issues
            ),
            promises_due=promise_views,
            preferences=tuple(fact for fact in facts if fact.kind not in ("name", "aspiration")),
            aspirations=tuple(fact.value for fact in facts if fact.kind == "aspiration"),
            loyalty_status=customer.loyalty_status,
            satisfaction_trend=satisfaction_trend(ratings),
            recent_ratings=ratings,
            last_exchanges=tuple(
                ExchangeView(
                    row.speaker,
                    row.text,
                    aware(row.at),
                    row.intent,
                    row.action,
                    row.agent,
                    _policy(row.policy),
                )
                for row in reversed(recent[:CARD_EXCHANGES])
            ),
        )


def _policy(stored: str | None) -> dict[str, Any] | None:
    """The policy JSON of an exchange; a value that is not JSON reads as none."""
    if not stored:
        return None
    try:
        value = json.loads(stored)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _fact_view(row: Any) -> FactView:
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


def _promise_view(row: Any, now: datetime) -> PromiseView:
    overdue = row.state == "open" and row.due_at is not None and row.due_at < now
    return PromiseView(row.id, row.text, aware(row.due_at), row.state, overdue)
