"""What an agent's shift leaves in memory, on real SQLite and PostgreSQL: a follow-up promised
and kept (a benefit in the relationship), replies sent over the tone guard (gone when the
customer is forgotten), and past chats searched by name, words, number and short id."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from memory import schema
from memory.privacy import forget_sender
from memory.records import Exchange, ExtractedFact
from memory.repositories.handoffs import HandoffRepository
from memory.shift import ShiftError, ShiftRecords, short_id
from memory.store import MemoryStore

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)


def _resolved(queue: HandoffRepository, sender_id: str, detail: str, outcome: str = "resolved"):
    handoff = queue.enqueue(sender_id, "customer_asked", detail)
    queue.claim(handoff.id, "Alex")
    return queue.resolve(handoff.id, "Alex", outcome)


def test_a_follow_up_is_owned_due_and_kept(console_db: str) -> None:
    store = MemoryStore(console_db)
    queue = store.handoffs
    shift = ShiftRecords(store.engine, clock=lambda: NOW)
    handoff = _resolved(queue, "anna", "wrong size", "follow_up")
    customer = store.customers.customer_for_sender("anna")
    due = NOW + timedelta(days=1)
    with pytest.raises(ShiftError, match="from now"):
        shift.promise_follow_up(handoff.id, customer, "Alex", "a swap", NOW, "note")
    with pytest.raises(ShiftError, match="what was promised"):
        shift.promise_follow_up(handoff.id, customer, "Alex", "  ", due, "note")
    promise = shift.promise_follow_up(handoff.id, customer, "Alex", "a swap", due, "Chat noted")
    [open_one] = shift.follow_ups()
    assert (open_one.promise_id, open_one.owner, open_one.what, open_one.due_at) == (
        promise,
        "Alex",
        "a swap",
        due,
    )
    assert store.agents.agent_notes(customer)[0][:2] == ("Alex", "Chat noted")
    before = store.cards.card(customer).balance
    store.issues.settle_promise(promise, "kept")
    assert shift.follow_ups() == []
    assert shift.follow_up_for(handoff.id).state == "kept"  # type: ignore[union-attr]
    assert store.cards.card(customer).balance > before


def test_replies_sent_anyway_are_kept_for_coaching_and_forgotten_with_the_customer(
    console_db: str,
) -> None:
    store = MemoryStore(console_db)
    queue = store.handoffs
    shift = ShiftRecords(store.engine)
    store.customers.customer_for_sender("ben")
    handoff = queue.enqueue("ben", "complaint", "late delivery")
    other = queue.enqueue("cara", "complaint", "late too")
    finding = [{"kind": "defensiveness", "span": "not our fault", "suggestion": "Own it"}]
    shift.record_sent_anyway(handoff.id, "Alex", "Not our fault.", finding)
    shift.record_sent_anyway(other.id, "Blake", "Not our fault either.", finding)
    [mine] = shift.sent_anyway([handoff.id])
    assert (mine["agent"], mine["text"], mine["findings"]) == ("Alex", "Not our fault.", finding)
    assert [r["agent"] for r in shift.sent_anyway(agent="Blake")] == ["Blake"]
    forget_sender(store, "ben")
    assert [r["handoff_id"] for r in shift.sent_anyway()] == [other.id]
    with store.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(schema.tone_overrides)).scalar()
    assert count == 1


def test_past_chats_by_name_words_number_and_short_id(console_db: str) -> None:
    store = MemoryStore(console_db)
    queue = store.handoffs
    shift = ShiftRecords(store.engine)
    first = _resolved(queue, "dan", "Do you fix hub gears?")
    store.exchanges.record_exchange(
        Exchange(uuid.uuid4().hex, "dan", "customer", "My hub gear slips in third", NOW)
    )
    store.facts.record_fact(
        store.customers.customer_for_sender("dan"), ExtractedFact("name", "Morgan")
    )
    second = _resolved(queue, "eve", "Gift card 50_off?")
    queue.enqueue("fay", "customer_asked", "hub gear question")  # open: not a past chat

    def found(words: str) -> list[int]:
        return [handoff.id for handoff in shift.past_chats(words)]

    assert found("") == [second.id, first.id]
    assert found("MORGAN") == [first.id]
    assert found("slips in third") == [first.id]
    assert found("hub gear") == [first.id]
    assert found(f"#{second.id}") == [second.id]
    assert found(short_id("dan")) == [first.id]
    assert found("50_off") == [second.id]
    assert found("5%off") == []  # wildcards are plain characters
    assert shift.names(["dan", "eve", "nobody"]) == {"dan": "Morgan"}
    assert [h.id for h in shift.chats_of_customer(store.customers.customer_for_sender("dan"))] == [
        first.id
    ]
