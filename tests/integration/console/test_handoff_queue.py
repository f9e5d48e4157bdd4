"""The handoff queue on real SQLite and PostgreSQL: order, claiming under concurrency, release,
transfer, resolution, escalation with and without agents online."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from memory.agents import AgentAccounts
from memory.handoffs import HandoffError, escalate, memory_promise
from memory.repositories.handoffs import HandoffRepository
from memory.store import MemoryStore


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


def test_queue_keeps_order_and_one_place_per_conversation(console_db: str) -> None:
    clock = Clock()
    queue = MemoryStore(console_db, clock=clock).handoffs
    first = queue.enqueue("anna", "customer_asked")
    clock.advance(1)
    second = queue.enqueue("ben", "complaint", "broken brake")
    again = queue.enqueue("anna", "fallback")
    assert again.id == first.id and again.reason == "customer_asked"
    assert [h.sender_id for h in queue.open_handoffs()] == ["anna", "ben"]
    assert (queue.position(first.id), queue.position(second.id)) == (1, 2)
    queue.claim(first.id, "Alex")
    assert (queue.position(first.id), queue.position(second.id)) == (0, 1)


def test_bad_reasons_are_refused(console_db: str) -> None:
    with pytest.raises(ValueError, match="reason"):
        MemoryStore(console_db).handoffs.enqueue("anna", "bored")


def _claim_at_once(
    queue: HandoffRepository, handoff_id: int, agents: list[str]
) -> tuple[list, list]:
    """Every agent clicks "claim" at the same moment, each from its own thread."""
    barrier = threading.Barrier(len(agents))
    winners: list[str] = []
    refusals: list[str] = []

    def click(agent: str) -> None:
        barrier.wait()
        try:
            queue.claim(handoff_id, agent)
            winners.append(agent)
        except HandoffError as error:
            refusals.append(str(error))

    threads = [threading.Thread(target=click, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return winners, refusals


def test_only_one_of_many_agents_claiming_at_once_gets_the_chat(console_db: str) -> None:
    queue = MemoryStore(console_db).handoffs
    agents = [f"agent-{n}" for n in range(8)]
    for round_number in range(5):
        handoff = queue.enqueue(f"customer-{round_number}", "customer_asked")
        winners, refusals = _claim_at_once(queue, handoff.id, agents)
        assert len(winners) == 1, (winners, refusals)
        assert len(refusals) == len(agents) - 1
        assert all("already taken" in refusal for refusal in refusals)
        assert queue.get(handoff.id).claimed_by == winners[0]


def test_release_transfer_and_resolve_need_the_owner(console_db: str) -> None:
    AgentAccounts(console_db).add("Blake", "a long enough password")
    queue = MemoryStore(console_db).handoffs
    handoff = queue.enqueue("anna", "customer_asked")
    queue.claim(handoff.id, "Alex")
    with pytest.raises(HandoffError, match="already taken"):
        queue.claim(handoff.id, "Blake")
    with pytest.raises(HandoffError, match="not yours"):
        queue.release(handoff.id, "Blake")
    assert queue.release(handoff.id, "Alex").state == "waiting"
    queue.claim(handoff.id, "Alex")
    with pytest.raises(HandoffError, match="no agent"):
        queue.transfer(handoff.id, "Alex", "Nobody")
    assert queue.transfer(handoff.id, "Alex", "Blake").claimed_by == "Blake"
    with pytest.raises(HandoffError, match="not yours"):
        queue.resolve(handoff.id, "Alex", "resolved")
    done = queue.resolve(handoff.id, "Blake", "follow_up")
    assert (done.state, done.outcome) == ("resolved", "follow_up")
    assert queue.open_for("anna") is None
    assert queue.enqueue("anna", "complaint").id != handoff.id  # a new request, a new entry


def test_wait_estimate_comes_from_the_queue_and_handle_times(console_db: str) -> None:
    clock = Clock()
    queue = MemoryStore(console_db, clock=clock).handoffs
    done = queue.enqueue("earlier", "customer_asked")
    queue.claim(done.id, "Alex")
    clock.advance(10)
    queue.resolve(done.id, "Alex", "resolved")
    assert queue.typical_handle_minutes() == pytest.approx(10)
    queue.enqueue("anna", "customer_asked")
    escalation = escalate(queue, ["Alex"], "ben", "customer_asked", open_now=True)
    assert (escalation.position, escalation.wait_minutes) == (2, 20)
    shared = escalate(queue, ["Alex", "Blake"], "cleo", "customer_asked", open_now=True)
    assert (shared.position, shared.wait_minutes) == (3, 15)


def test_a_message_left_is_not_counted_in_a_live_customers_wait(console_db: str) -> None:
    """A customer who left a message and went is not in the live queue: the live customer's
    place and wait count only the live chats ahead."""
    clock = Clock()
    queue = MemoryStore(console_db, clock=clock).handoffs
    done = queue.enqueue("earlier", "customer_asked")
    queue.claim(done.id, "Alex")
    clock.advance(10)
    queue.resolve(done.id, "Alex", "resolved")
    left = escalate(queue, [], "anna", "customer_asked", open_now=True)  # a message, then gone
    assert left.offline
    clock.advance(1)
    queue.enqueue("ben", "customer_asked")  # waiting live
    clock.advance(1)
    live = escalate(queue, ["Alex"], "cleo", "customer_asked", open_now=True)
    assert (live.position, live.wait_minutes) == (2, 20)
    assert queue.position(left.handoff.id) == 1  # the message is still in the agents' queue


def test_nobody_online_takes_a_message_and_promises_a_follow_up(console_db: str) -> None:
    store = MemoryStore(console_db)
    queue = store.handoffs
    with store.unit_of_work() as work:  # the handoff and its promise, one commit
        escalation = escalate(
            work.handoffs,
            [],
            "anna",
            "complaint",
            open_now=True,
            detail="the wheel wobbles",
            promise=memory_promise(work, lambda subject: f"reply about: {subject}"),
        )
    assert escalation.offline and escalation.wait_minutes is None
    assert queue.get(escalation.handoff.id).offline  # the chat waits for the next agent
    card = store.cards.card_for_sender("anna")
    assert card is not None
    assert [p.text for p in card.promises_due] == ["reply about: the wheel wobbles"]


def test_outside_working_hours_is_offline_even_with_agents_online(console_db: str) -> None:
    escalation = escalate(
        MemoryStore(console_db).handoffs, ["Alex"], "anna", "say_yes", open_now=False
    )
    assert escalation.offline and escalation.promise_id is None


def test_presence_is_a_recent_heartbeat(console_db: str) -> None:
    clock = Clock()
    accounts = AgentAccounts(console_db, clock=clock)
    accounts.add("Alex", "a long enough password")
    accounts.add("Blake", "a long enough password")
    assert accounts.online() == []
    accounts.heartbeat("Alex")
    accounts.heartbeat("Blake")
    accounts.went_away("Blake")
    assert accounts.online() == ["Alex"]
    clock.advance(2)
    assert accounts.online() == []


def test_forgetting_a_customer_removes_their_handoffs(console_db: str) -> None:
    from memory.privacy import forget_customer

    store = MemoryStore(console_db)
    queue = MemoryStore(console_db).handoffs
    customer_id = store.customers.customer_for_sender("anna")
    queue.enqueue("anna", "complaint", "my order number is 1234")
    kept = queue.enqueue("ben", "customer_asked")
    forget_customer(store, customer_id)
    assert [h.id for h in queue.open_handoffs()] == [kept.id]
