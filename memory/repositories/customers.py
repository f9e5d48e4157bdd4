"""Customers and their identities: who is behind a Rasa sender id, linking a signed-in
customer's conversation, merging an anonymous chat at sign-in, and the relationship tally."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from memory import schema as s
from memory.records import SINGLE_VALUED_KINDS, utc
from memory.repositories.base import MemoryContext, Repository
from memory.rules import Tally


def check_external_id(external_id: str) -> None:
    if not external_id or len(external_id) > 255:
        raise ValueError("a shop customer id must be 1 to 255 characters")


def new_customer(conn: Connection, context: MemoryContext, external_id: str | None = None) -> int:
    result = conn.execute(
        s.customers.insert().values(
            external_id=external_id, created_at=context.now(), visits=0, benefit=0.0, cost=0.0
        )
    )
    return int(result.inserted_primary_key[0])


class CustomerRepository(Repository):
    """Customers, the sender ids that reach them, and their benefit/cost tally."""

    def customer_for_sender(self, sender_id: str, at: datetime | None = None) -> int:
        """The customer behind a Rasa sender id, created (anonymous) on first sight.

        `at`: when what is being recorded happened (see `merge_anonymous`); None is now.
        """
        conn = self.conn
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
        customer_id = new_customer(conn, self.context)
        conn.execute(
            s.identities.insert().values(
                sender_id=sender_id, customer_id=customer_id, linked_at=self._now()
            )
        )
        return customer_id

    def find_customer(self, reference: str) -> int | None:
        """The customer whose shop id or sender id is `reference`, or `#<n>` for id n."""
        conn = self.conn
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
        conn = self.conn
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
        check_external_id(external_id)
        conn = self.conn
        target = conn.execute(
            select(s.customers.c.id).where(s.customers.c.external_id == external_id)
        ).scalar()
        if target is None:
            target = new_customer(conn, self.context, external_id)
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
                self._merge(int(source), int(target))
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
        check_external_id(external_id)
        conn = self.conn
        source = conn.execute(
            select(s.identities.c.customer_id).where(s.identities.c.sender_id == sender_id)
        ).scalar()
        if source is not None:
            source_external = conn.execute(
                select(s.customers.c.external_id).where(s.customers.c.id == source)
            ).scalar()
            if source_external is not None and source_external != external_id:
                return None  # someone else's conversation: never moved, never retired here
        if self.is_merged(sender_id):
            return None  # retired already
        target = conn.execute(
            select(s.customers.c.id).where(s.customers.c.external_id == external_id)
        ).scalar()
        if target is None:
            target = new_customer(conn, self.context, external_id)
        if source is not None and source != target:
            self._merge(int(source), int(target))
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
        found = self.conn.execute(
            select(s.merged_senders.c.id).where(s.merged_senders.c.sender_id == sender_id)
        ).scalar()
        return found is not None

    def record_signal(self, customer_id: int, signal: str, at: datetime | None = None) -> None:
        """Record a benefit or cost (see memory.rules.BENEFITS and COSTS), e.g. 'remembered'."""
        self.context.rules.weight(signal)  # rejects unknown names before touching the database
        self._require_customer(customer_id)
        self._add_signals(customer_id, [signal], utc(at) if at else self._now())

    def _merge(self, source: int, target: int) -> None:
        """Move everything of customer `source` to `target` and delete `source`."""
        conn = self.conn
        rows = {
            row.id: row
            for row in conn.execute(
                select(s.customers).where(s.customers.c.id.in_([source, target]))
            )
        }
        old, new = rows[source], rows[target]
        now = self._now()
        faded = [
            Tally(row.benefit, row.cost, row.tally_at).faded(now, self.context.rules)
            for row in (old, new)
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
        self._resolve_single_valued(target)

    def _resolve_single_valued(self, customer_id: int) -> None:
        """After a merge, keep only the newest current fact of each single-valued kind and key."""
        current = self.conn.execute(
            select(s.facts.c.id, s.facts.c.kind, s.facts.c.key, s.facts.c.recorded_at)
            .where(s.facts.c.customer_id == customer_id, s.facts.c.superseded_at.is_(None))
            .where(s.facts.c.kind.in_(SINGLE_VALUED_KINDS))
            .order_by(s.facts.c.recorded_at.desc(), s.facts.c.id.desc())
        ).all()
        newest: dict[tuple[str, str], int] = {}
        for row in current:
            slot = (row.kind, row.key)
            if slot in newest:
                self.conn.execute(
                    update(s.facts)
                    .where(s.facts.c.id == row.id)
                    .values(superseded_at=self._now(), superseded_by=newest[slot])
                )
            else:
                newest[slot] = row.id
