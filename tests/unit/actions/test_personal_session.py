"""Session start: the customer is identified and their relationship card loaded into slots."""

from __future__ import annotations

import datetime as dt
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from action_testkit import make_tracker
from personal_fakes import NOW, DownMemory, FakeMemory, card, use_memory
from rasa_sdk.executor import CollectingDispatcher

from actions import session

LISTEN = {"event": "action", "timestamp": None, "name": "action_listen", "policy": None,
          "confidence": None, "action_text": None, "hide_rule_turn": False}  # fmt: skip


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


async def start(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], **tracker: Any
) -> list[dict[str, Any]]:
    return await session.ActionSessionStart().run(dispatcher, make_tracker(**tracker), domain)


async def test_a_new_customer_starts_unknown_and_then_listens(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    use_memory(monkeypatch, FakeMemory(shown=None))
    events = await start(dispatcher, domain)
    assert events[0]["event"] == "session_started"
    assert events[-1]["name"] == "action_listen"
    slots = slots_of(events)
    assert slots["known_customer"] is False and slots["relationship_stage"] == "new"
    assert "customer_name" not in slots
    assert dispatcher.messages == []


async def test_a_returning_customer_brings_their_card_into_slots(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    promise = SimpleNamespace(text="We'll call you about the brakes", due_at=NOW, overdue=True)
    issue = SimpleNamespace(summary="the brakes still squeal after the repair")
    use_memory(monkeypatch, FakeMemory(card(open_issues=(issue,), promises_due=(promise,))))
    slots = slots_of(await start(dispatcher, domain))
    assert slots["known_customer"] is True and slots["customer_name"] == "Sam"
    assert slots["open_issue"] == "the brakes still squeal after the repair"
    assert slots["due_promise"] == "We'll call you about the brakes"
    assert slots["known_bike"] == "Trek FX 3"
    assert slots["aspiration"] == "gravel century in May"


async def test_a_promise_far_in_the_future_is_not_due(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    later = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)
    promise = SimpleNamespace(text="A call in January", due_at=later, overdue=False)
    use_memory(monkeypatch, FakeMemory(card(promises_due=(promise,))))
    assert slots_of(await start(dispatcher, domain))["due_promise"] is None


async def test_a_verified_widget_customer_is_linked_by_their_shop_id(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    memory = FakeMemory(shown=None)
    use_memory(monkeypatch, memory)
    metadata = {"verified": True, "customer_id": "c-1001", "customer_name": "Sam Taylor"}
    slots = slots_of(await start(dispatcher, domain, slots={"session_started_metadata": metadata}))
    assert memory.linked == [("test-customer", "c-1001")]
    assert slots["customer_id"] == "c-1001" and slots["customer_name"] == "Sam Taylor"


async def test_an_unverified_claim_of_identity_is_ignored(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    memory = FakeMemory(shown=None)
    use_memory(monkeypatch, memory)
    metadata = {"verified": False, "customer_id": "c-1001", "customer_name": "Sam Taylor"}
    slots = slots_of(await start(dispatcher, domain, slots={"session_started_metadata": metadata}))
    assert memory.linked == [] and "customer_id" not in slots and "customer_name" not in slots


async def test_slots_carry_over_but_half_done_forms_do_not(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    use_memory(monkeypatch, FakeMemory(shown=None))
    before = {"preferences": ["gravel"], "repair_bike": "Trek", "form_hint_for": "repair_date"}
    slots = slots_of(await start(dispatcher, domain, slots=before))
    assert slots["preferences"] == ["gravel"]
    assert "repair_bike" not in slots and "form_hint_for" not in slots


async def test_the_session_starts_when_memory_is_down_and_the_log_says_why(
    monkeypatch: pytest.MonkeyPatch,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    use_memory(monkeypatch, DownMemory())
    with caplog.at_level(logging.ERROR):
        events = await start(dispatcher, domain)
    assert events[0]["event"] == "session_started" and events[-1]["name"] == "action_listen"
    assert slots_of(events)["known_customer"] is False
    assert "relationship memory unavailable" in caplog.text


def test_the_real_store_reads_a_returning_customer(tmp_path: Any) -> None:
    import memory
    from memory import services
    from memory.records import Exchange, ExtractedFact
    from memory.store import MemoryStore

    url = f"sqlite:///{tmp_path / 'memory.db'}"
    memory.migrate(url)
    store = MemoryStore(url)
    try:
        assert session.read_remembered(store, "sam", None, NOW).known is False
        visit = dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc)
        services.record_exchange(
            store, Exchange("e1", "sam", "customer", "hi", visit, intent="greet")
        )
        customer = store.customers.customer_for_sender("sam")
        store.facts.record_fact(customer, ExtractedFact("name", "Sam"))
        store.facts.record_fact(customer, ExtractedFact("bike", "Trek FX 3"))
        store.issues.open_issue(customer, "complaint", "the brakes still squeal")
        idea = store.feedback.add_feedback(customer, "idea", "a women's beginner ride")
        store.feedback.set_feedback_state(idea, "planned")
        remembered = session.read_remembered(store, "sam", None, NOW)
        assert remembered.known and remembered.name == "Sam"
        assert remembered.bike == "Trek FX 3"
        assert remembered.open_issue == "the brakes still squeal"
        assert remembered.idea == "a women's beginner ride"
        assert remembered.idea_state == "planned"
        assert remembered.idea_reason is None
        store.feedback.set_feedback_state(idea, "declined", "we run the repair clinic then.")
        remembered = session.read_remembered(store, "sam", None, NOW)
        assert (remembered.idea_state, remembered.idea_reason) == (
            "declined",
            "we run the repair clinic then",
        )
    finally:
        store.close()


def test_a_long_complaint_is_named_in_a_few_words() -> None:
    complaint = (
        "I picked up my bike on Saturday and the brakes still squeal terribly, "
        "which is really annoying after paying for a full service"
    )
    assert session.short_summary(complaint) == "I picked up my bike on Saturday…"
    assert session.short_summary("the brakes still squeal.") == "the brakes still squeal"
    # What went wrong, not how the customer feels about it.
    assert (
        session.short_summary(
            "I'm really unhappy with my repair, the brakes on my Trek still squeal"
        )
        == "the brakes on my Trek still squeal"
    )
    assert session.short_summary("Awful! Just awful.") == "Awful"


async def test_the_greeting_names_an_open_issue_briefly(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    long = "the brakes still squeal after the repair and the gears slip on every hill I climb"
    use_memory(monkeypatch, FakeMemory(card(open_issues=(SimpleNamespace(summary=long),))))
    slots = slots_of(await start(dispatcher, domain))
    assert slots["open_issue"] == "the brakes still squeal after the repair…"
    assert len(slots["open_issue"].split()) <= session.ISSUE_WORDS


async def test_a_new_session_keeps_a_chat_an_agent_holds_paused(
    monkeypatch: pytest.MonkeyPatch,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    tmp_path: Any,
) -> None:
    import memory
    from memory.store import MemoryStore

    url = f"sqlite:///{tmp_path / 'memory.db'}"
    memory.migrate(url)
    store = MemoryStore(url)
    store.news = None  # type: ignore[attr-defined]
    use_memory(monkeypatch, store)
    queue = store.handoffs
    held = queue.enqueue("web-held", "customer_asked")
    queue.claim(held.id, "Alex")
    queue.enqueue("web-waiting", "customer_asked")
    try:
        paused = await start(dispatcher, domain, sender_id="web-held")
        waiting = await start(dispatcher, domain, sender_id="web-waiting")
    finally:
        store.close()
    assert paused[-1]["event"] == "pause"
    assert waiting[-1]["name"] == "action_listen"
