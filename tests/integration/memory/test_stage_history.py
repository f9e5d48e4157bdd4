"""The relationship's stage history against real SQLite and PostgreSQL: a row each time a
recorded exchange changes the judged stage or at-risk flag, and none left after forgetting."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from memory import schema as s
from memory import services
from memory.privacy import forget_customer
from memory.records import Exchange
from memory.rules import RelationshipRules
from memory.store import MemoryStore

START = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
DAY = 24 * 3600


@pytest.fixture
def store(memory_url):
    # At risk only by the last visit's misses here, not by the balance they cost.
    rules = RelationshipRules(at_risk_balance=-100.0)
    memory_store = MemoryStore(memory_url, rules, clock=lambda: START + timedelta(days=30))
    yield memory_store
    memory_store.close()


def say(store, event_id, sender, seconds, text="hi", intent="greet", confidence=0.9):
    services.record_exchange(
        store,
        Exchange(
            event_id,
            sender,
            "customer",
            text,
            START + timedelta(seconds=seconds),
            intent=intent,
            confidence=confidence,
        ),
    )


def history(store, customer_id):
    c = s.stage_changes.c
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(c.from_stage, c.to_stage, c.was_at_risk, c.at_risk, c.at)
            .where(c.customer_id == customer_id)
            .order_by(c.at, c.id)
        ).all()
    return [(row.from_stage, row.to_stage, row.was_at_risk, row.at_risk, row.at) for row in rows]


def at(seconds):
    return (START + timedelta(seconds=seconds)).replace(tzinfo=None)


def test_each_change_of_stage_or_at_risk_is_recorded_once(store):
    say(store, "e1", "web-1", 0)  # first visit: the first judgement, new
    say(store, "e2", "web-1", 10)  # same visit, nothing changes
    say(store, "e3", "web-1", DAY)  # second visit: acquainted
    for n in range(3):  # three messages not understood in that visit: at risk
        say(store, f"m{n}", "web-1", DAY + 10 + n, f"blorp {n}", "nlu_fallback", 0.1)
    say(store, "e4", "web-1", 2 * DAY)  # a new visit understood: out of at risk
    customer = store.customers.customer_for_sender("web-1")
    assert history(store, customer) == [
        (None, "new", None, False, at(0)),
        ("new", "acquainted", False, False, at(DAY)),
        ("acquainted", "acquainted", False, True, at(DAY + 12)),
        ("acquainted", "acquainted", True, False, at(2 * DAY)),
    ]
    # The latest recorded judgement is the card's.
    card = store.cards.card(customer)
    assert (card.stage, card.at_risk) == ("acquainted", False)


def test_forgetting_a_customer_deletes_their_stage_history(store):
    say(store, "e1", "web-1", 0)
    say(store, "e2", "web-1", DAY)
    say(store, "f1", "web-2", 0)
    forgotten = store.customers.customer_for_sender("web-1")
    kept = store.customers.customer_for_sender("web-2")
    assert len(history(store, forgotten)) == 2
    forget_customer(store, forgotten)
    assert history(store, forgotten) == []
    assert [row[1] for row in history(store, kept)] == ["new"]


def test_a_merged_customer_keeps_both_histories(store):
    say(store, "e1", "web-anon", 0)
    say(store, "e2", "web-anon", DAY)
    say(store, "f1", "web-shop", 0)
    services.sign_in(store, "web-anon", "shop-7", "web-shop")
    customer = store.customers.customer_for_sender("web-shop")
    assert sorted(row[1] for row in history(store, customer)) == ["acquainted", "new", "new"]
    # The next judgement starts from the latest of both: three visits together make a regular.
    say(store, "f2", "web-shop", 2 * DAY)
    assert history(store, customer)[-1][:4] == ("acquainted", "regular", False, False)
