"""The memory benchmark's seeder: past COPY_FROM it has the database copy the customers it has,
and the copies are whole customers (identity, conversations, exchanges, facts, rating) of their
own, as the customers built one by one are."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench import memory as memory_bench
from memory import migrate
from memory import schema as s
from memory.store import MemoryStore


@pytest.fixture
def store(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    migrate(url)
    store = MemoryStore(url)
    yield store
    store.close()


def count(store: MemoryStore, table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def test_copies_reach_the_size_asked_and_are_customers_of_their_own(
    store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory_bench, "COPY_FROM", 1_000)
    seeder = memory_bench.Seeder(store, datetime(2023, 1, 1))
    seeder.grow_to(1_000)
    built = seeder.customers
    seeder.grow_to(3_500)  # copies: 1,000 -> 2,000 -> 3,500 (two rounds)
    assert seeder.copies == 2
    assert seeder.exchanges == count(store, s.exchanges) >= 3_500
    assert seeder.customers == count(store, s.customers) > built
    assert count(store, s.identities) == seeder.customers
    assert count(store, s.ratings) == seeder.customers
    with store.engine.connect() as conn:
        # Every exchange belongs to a conversation of its own customer, under that customer's
        # sender id; every event id is unique (the table's unique index would refuse it).
        mismatched = conn.execute(
            select(func.count())
            .select_from(s.exchanges.join(s.conversations))
            .where(s.exchanges.c.customer_id != s.conversations.c.customer_id)
        ).scalar()
        assert mismatched == 0
        senders = conn.execute(
            select(func.count())
            .select_from(
                s.conversations.join(
                    s.identities, s.identities.c.sender_id == s.conversations.c.sender_id
                )
            )
            .where(s.identities.c.customer_id == s.conversations.c.customer_id)
        ).scalar()
        assert senders == count(store, s.conversations)
    # A copied customer's card reads like the card of the customer it was copied from.
    original, copy = store.cards.card(1), store.cards.card(built + 1)
    assert copy.customer_id == built + 1
    assert copy.name == original.name is not None
    assert (copy.visits, copy.last_topics) == (original.visits, original.last_topics)
    assert copy.recent_ratings == original.recent_ratings
    assert [e.text for e in copy.last_exchanges] == [e.text for e in original.last_exchanges]
