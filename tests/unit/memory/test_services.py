"""The memory's workflows (memory/services.py) against a fake unit of work: each commits
everything it wrote once, or nothing when a write fails. The words come from a business of
the test's own (its templates), not from the shipped files; real databases are the
integration tests' (tests/integration/memory/test_units_of_work.py)."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from memory import services
from memory.handoffs import Handoff, HandoffLimited
from memory.records import Exchange, ExtractedFact
from memory.repositories.base import MemoryContext

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)

# The test's own business: the words its promises and notes are made of.
BUSINESS_TEMPLATES = {
    "promise_reply_about": "Someone from the Lantern Bookshop writes back about {subject}",
    "promise_reply": "Someone from the Lantern Bookshop writes back",
    "outcome_follow_up_note": "Followed up a {reason} chat",
    "outcome_follow_up_promise": "{agent} gets back to you",
}


def promise_words(subject: str | None) -> str:
    if subject:
        return BUSINESS_TEMPLATES["promise_reply_about"].format(subject=subject)
    return BUSINESS_TEMPLATES["promise_reply"]


class WriteFailed(RuntimeError):
    """A write the test made fail (a full disk, a lost server)."""


class FakeDatabase:
    """What was committed, and which write fails next."""

    def __init__(self) -> None:
        self.committed: list[tuple[str, tuple[Any, ...]]] = []
        self.commits = 0
        self.failing: str | None = None

    def written(self, name: str) -> list[tuple[Any, ...]]:
        return [args for kind, args in self.committed if kind == name]


class FakeWork:
    """One fake unit of work: its writes are pending until it ends without an error. The same
    object stands for each repository (customers, issues, loyalty, handoffs, agents)."""

    def __init__(self, database: FakeDatabase) -> None:
        self.database = database
        self.pending: list[tuple[str, tuple[Any, ...]]] = []
        self.customers = self.issues = self.loyalty = self.handoffs = self.agents = self
        self.exchanges = self

    def _write(self, name: str, *args: Any) -> int:
        if self.database.failing == name:
            raise WriteFailed(f"the database refused {name}")
        self.pending.append((name, args))
        return len(self.database.committed) + len(self.pending)

    def _seen(self, name: str) -> list[tuple[Any, ...]]:
        rows = self.database.committed + self.pending
        return [args for kind, args in rows if kind == name]

    # customers
    def customer_for_sender(self, sender_id: str, at: datetime | None = None) -> int:
        return 7

    def link_identity(self, sender_id: str, external_id: str) -> int:
        self._write("link_identity", sender_id, external_id)
        return 7

    def merge_anonymous(self, sender_id: str, external_id: str) -> int | None:
        self._write("merge_anonymous", sender_id, external_id)
        return 7

    # issues and promises
    def open_issue(self, customer_id: int, kind: str, summary: str) -> int:
        return self._write("open_issue", customer_id, kind, summary)

    def make_promise(
        self,
        customer_id: int,
        text: str,
        due_at: datetime | None = None,
        issue_id: int | None = None,
    ) -> int:
        return self._write("make_promise", customer_id, text, due_at, issue_id)

    # loyalty
    def redeem(self, customer_id: int, reward: str, points: int) -> int:
        return self._write("redeem", customer_id, reward, points)

    # agents' notes
    def add_agent_note(self, customer_id: int, agent: str, text: str) -> int:
        return self._write("add_agent_note", customer_id, agent, text)

    # the handoff queue
    def now(self) -> datetime:
        return NOW

    def _handoff(self, sender_id: str, **values: Any) -> Handoff:
        fields: dict[str, Any] = {
            "id": 1,
            "sender_id": sender_id,
            "reason": "customer_asked",
            "detail": None,
            "state": "waiting",
            "requested_at": NOW,
            "offline": False,
            "claimed_by": None,
            "claimed_at": None,
            "resolved_at": None,
            "outcome": None,
        }
        fields.update(values)
        return Handoff(**fields)

    def open_for(self, sender_id: str) -> Handoff | None:
        found = [args for args in self._seen("enqueue") if args[0] == sender_id]
        return self._handoff(sender_id) if found else None

    def enqueue(
        self,
        sender_id: str,
        reason: str,
        detail: str | None = None,
        offline: bool = False,
        reply_by: datetime | None = None,
    ) -> Handoff:
        self._write("enqueue", sender_id, reason, offline)
        return self._handoff(sender_id, reason=reason, detail=detail, offline=offline)

    def position(self, handoff_id: int) -> int:
        return len(self._seen("enqueue"))

    def typical_handle_minutes(self) -> float:
        return 6.0

    def reply_promised(self, handoff_id: int, promise_id: int) -> Handoff:
        self._write("reply_promised", handoff_id, promise_id)
        return self._handoff("web-1", offline=True, reply_promise_id=promise_id)

    def promise_reply(self, handoff_id: int, reply_by: datetime) -> Handoff:
        self._write("promise_reply", handoff_id, reply_by)
        return self._handoff("web-1", reply_by=reply_by)

    def resolve(self, handoff_id: int, agent: str, outcome: str) -> Handoff:
        self._write("resolve", handoff_id, agent, outcome)
        return self._handoff("web-1", state="resolved", reason="complaint", outcome=outcome)

    # the exchange log
    def record_exchange(self, exchange: Exchange, facts: Any = ()) -> bool:
        self._write("record_exchange", exchange.event_id, tuple(facts))
        return True

    def exchange_for_event(self, event_id: str) -> int | None:
        return None


class FakeMemory:
    """A memory whose units of work are FakeWork: each commits once, at the end, or not at
    all when the block raises."""

    def __init__(self, context: MemoryContext | None = None) -> None:
        self.database = FakeDatabase()
        self.context = context or MemoryContext(clock=lambda: NOW)
        self.open_units = 0

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[FakeWork]:
        work = FakeWork(self.database)
        self.open_units += 1
        try:
            yield work
        finally:
            self.open_units -= 1
        self.database.committed.extend(work.pending)
        self.database.commits += 1


@pytest.fixture
def memory() -> FakeMemory:
    return FakeMemory()


def test_a_complaint_and_its_promise_commit_once(memory: FakeMemory) -> None:
    due = NOW + timedelta(days=1)
    recorded = services.complaint_with_promise(memory, 7, "the spine cracked", "We call", due)
    assert memory.database.commits == 1
    [issue] = memory.database.written("open_issue")
    [promise] = memory.database.written("make_promise")
    assert issue == (7, "complaint", "the spine cracked")
    assert promise == (7, "We call", due, recorded.issue_id)  # the promise names its issue


def test_a_complaint_whose_promise_fails_keeps_nothing(memory: FakeMemory) -> None:
    memory.database.failing = "make_promise"
    with pytest.raises(WriteFailed):
        services.complaint_with_promise(memory, 7, "the spine cracked", "We call", None)
    assert memory.database.committed == [] and memory.database.commits == 0


def test_redeeming_links_the_account_and_records_the_reward_together(memory: FakeMemory) -> None:
    services.redeem_for_account(memory, "web-sam", "c-1001", "a free bookmark", 200)
    assert memory.database.commits == 1
    assert memory.database.written("link_identity") == [("web-sam", "c-1001")]
    assert memory.database.written("redeem") == [(7, "a free bookmark", 200)]


def test_a_redemption_that_fails_links_no_account(memory: FakeMemory) -> None:
    memory.database.failing = "redeem"
    with pytest.raises(WriteFailed):
        services.redeem_for_account(memory, "web-sam", "c-1001", "a free bookmark", 200)
    assert memory.database.committed == []


def test_signing_in_merges_and_links_in_one_commit(memory: FakeMemory) -> None:
    services.sign_in(memory, "anon-1", "c-2002", "customer-c-2002")
    assert memory.database.commits == 1
    assert [kind for kind, _ in memory.database.committed] == ["merge_anonymous", "link_identity"]


def test_a_sign_in_whose_link_fails_merges_nothing(memory: FakeMemory) -> None:
    memory.database.failing = "link_identity"
    with pytest.raises(WriteFailed):
        services.sign_in(memory, "anon-1", "c-2002", "customer-c-2002")
    assert memory.database.committed == []


def test_a_handoff_nobody_can_take_and_its_promise_commit_together(memory: FakeMemory) -> None:
    escalation = services.handoff_with_promise(
        memory, [], "web-1", "complaint", True, promise_words, detail="a torn dust jacket"
    )
    assert escalation.offline and escalation.promise_id is not None
    assert memory.database.commits == 1
    [queued] = memory.database.written("enqueue")
    assert queued == ("web-1", "complaint", True)
    [(customer, text, due, issue)] = memory.database.written("make_promise")
    # In the test business's words, about what was asked, due within a day.
    assert text == "Someone from the Lantern Bookshop writes back about a torn dust jacket"
    assert (customer, due, issue) == (7, NOW + timedelta(days=1), None)


def test_a_message_left_is_promised_a_reply_at_the_time_the_customer_was_told(
    memory: FakeMemory,
) -> None:
    told = NOW + timedelta(hours=11)  # the team's next opening
    escalation = services.handoff_with_promise(
        memory, [], "web-1", "customer_asked", False, promise_words, "my gears slip", reply_by=told
    )
    [(_, _, due, _)] = memory.database.written("make_promise")
    assert due == told
    # The promise belongs to the handoff: the agent's reply in this chat keeps it.
    assert memory.database.written("reply_promised") == [(1, escalation.promise_id)]
    assert escalation.handoff.reply_promise_id == escalation.promise_id


def test_a_handoff_whose_promise_fails_is_not_queued(memory: FakeMemory) -> None:
    memory.database.failing = "make_promise"
    with pytest.raises(WriteFailed):
        services.handoff_with_promise(memory, [], "web-1", "customer_asked", False, promise_words)
    assert memory.database.committed == []


def test_a_handoff_an_agent_can_take_promises_a_reply_time_not_a_follow_up(
    memory: FakeMemory,
) -> None:
    escalation = services.handoff_with_promise(
        memory, ["Kim"], "web-1", "customer_asked", True, promise_words
    )
    assert escalation.wait_minutes == 6 and escalation.promise_id is None
    assert memory.database.written("make_promise") == []
    [(_, reply_by)] = memory.database.written("promise_reply")
    assert reply_by == NOW + timedelta(minutes=6)


def test_a_handoff_already_promised_makes_no_second_promise(memory: FakeMemory) -> None:
    services.handoff_with_promise(memory, [], "web-1", "complaint", True, None, detail="late")
    assert memory.database.written("make_promise") == []
    assert len(memory.database.written("enqueue")) == 1


def test_a_client_over_its_limit_queues_nothing(memory: FakeMemory) -> None:
    with pytest.raises(HandoffLimited):
        services.handoff_with_promise(
            memory, [], "web-1", "customer_asked", True, promise_words, admit=lambda: False
        )
    assert memory.database.committed == []


def test_resolving_with_a_follow_up_keeps_the_note_and_the_promise_together(
    memory: FakeMemory,
) -> None:
    handoff = services.resolve_handoff(
        memory,
        1,
        "Kim",
        "follow_up",
        BUSINESS_TEMPLATES["outcome_follow_up_note"],
        BUSINESS_TEMPLATES["outcome_follow_up_promise"],
    )
    assert handoff.state == "resolved" and memory.database.commits == 1
    assert memory.database.written("add_agent_note") == [(7, "Kim", "Followed up a complaint chat")]
    [(_, text, _, _)] = memory.database.written("make_promise")
    assert text == "Kim gets back to you"


def test_a_resolution_whose_promise_fails_stays_unresolved(memory: FakeMemory) -> None:
    memory.database.failing = "make_promise"
    with pytest.raises(WriteFailed):
        services.resolve_handoff(memory, 1, "Kim", "follow_up", "noted {reason}", "{agent} calls")
    assert memory.database.committed == []


def test_facts_are_found_before_the_unit_of_work_opens() -> None:
    opened_while_parsing: list[int] = []

    def extractor(text: str) -> list[ExtractedFact]:
        opened_while_parsing.append(memory.open_units)
        return [ExtractedFact("bike", "a Brompton")]

    memory = FakeMemory(dataclasses.replace(MemoryContext(), fact_extractor=extractor))
    said = Exchange("e1", "web-1", "customer", "I ride a Brompton", NOW)
    assert services.record_exchange(memory, said)
    assert opened_while_parsing == [0]  # parsed with no transaction open
    [(event_id, facts)] = memory.database.written("record_exchange")
    assert event_id == "e1" and facts == (ExtractedFact("bike", "a Brompton"),)
