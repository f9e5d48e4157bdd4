"""Privacy intents against the relationship memory: what it knows, forgetting, a copy."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from action_testkit import make_tracker, said, use_settings
from personal_fakes import DownMemory, FakeMemory, card, fact, use_memory
from rasa_sdk.executor import CollectingDispatcher

import memory
from actions import base, privacy
from bot.settings import Settings
from memory import services
from memory.records import Exchange, ExtractedFact
from memory.store import MemoryStore
from voice.business import load as load_business

AT = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.timezone.utc)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def sam(
    monkeypatch: pytest.MonkeyPatch, sample_shop: Settings, tmp_path: Path
) -> Iterator[MemoryStore]:
    """A real SQLite memory with Sam in it, and a tracker store holding Sam's conversation."""
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    memory.migrate(url)
    store = MemoryStore(url)
    services.record_exchange(
        store, Exchange("e1", "sam", "customer", "hi, I'm Sam", AT, intent="greet")
    )
    customer = store.customers.customer_for_sender("sam")
    store.facts.record_fact(customer, ExtractedFact("name", "Sam"))
    store.facts.record_fact(customer, ExtractedFact("bike", "Trek FX 3"))
    store.facts.record_fact(customer, ExtractedFact("aspiration", "gravel century in May"))
    tracker_db = tmp_path / "tracker.db"
    with sqlite3.connect(tracker_db) as conn:
        conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, data TEXT)")
        conn.execute("INSERT INTO events (sender_id, data) VALUES ('sam', '{}'), ('other', '{}')")
    config = dataclasses.replace(
        sample_shop, database_url=url, tracker_dialect="sqlite", tracker_db=str(tracker_db)
    )

    use_settings(monkeypatch, config)
    use_memory(monkeypatch, store)
    yield store
    store.close()


def text_of(domain: dict[str, Any], message: dict[str, Any]) -> str:
    values = {k: v for k, v in message.items() if k != "response"}
    return str(domain["responses"][message["response"]][0]["text"]).format(**values)


async def test_what_do_you_know_lists_the_memory_in_plain_words(
    sam: MemoryStore, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("what_do_you_know", sender_id="sam")
    await privacy.ActionWhatDoYouKnow().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_what_i_know"]
    text = text_of(domain, dispatcher.messages[0])
    assert "Your name: Sam" in text and "Your bike: Trek FX 3" in text
    assert "Your goal: gravel century in May" in text
    assert "tell me the right thing" in text and "forget" in text


async def test_forget_me_forgets_the_memory_and_the_conversations(
    sam: MemoryStore, dispatcher: CollectingDispatcher, domain: dict[str, Any], tmp_path: Path
) -> None:
    tracker = make_tracker("affirm", sender_id="sam", slots={"customer_name": "Sam"})
    events = await privacy.ActionForgetMe().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_forgot"]
    assert events[0]["event"] == "reset_slots"
    assert sam.cards.card_for_sender("sam") is None
    with sqlite3.connect(tmp_path / "tracker.db") as conn:
        senders = [row[0] for row in conn.execute("SELECT sender_id FROM events")]
    assert senders == ["other"]
    # The marker that makes the tracker store forget what Rasa saves of this turn.
    assert events[-1] == {**events[-1], "event": "slot", "name": "forgotten", "value": True}


async def test_export_gives_a_summary_and_a_downloadable_file(
    sam: MemoryStore, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("export_my_data", sender_id="sam")
    await privacy.ActionExportMyData().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_export", None]
    download = dispatcher.messages[1]["custom"]
    assert download["type"] == "download" and download["filename"] == "my-data.json"
    data = json.loads(download["data"])
    assert {fact["value"] for fact in data["facts"]} >= {"Sam", "Trek FX 3"}


async def test_export_and_forget_cover_bookings_and_leave_notes_out(
    sam: MemoryStore, dispatcher: CollectingDispatcher, domain: dict[str, Any], tmp_path: Path
) -> None:
    from actions import shop_records

    config = await base.settings()
    booked = shop_records.RepairBookings(config.bookings_url)
    reference = booked.book("sam", None, "Trek FX 3", "a creak only uphill", AT.date())
    customer = sam.customers.customer_for_sender("sam")
    sam.agents.add_agent_note(customer, "Kim", "NOTE-93c1 asked for a discount twice")

    tracker = make_tracker("export_my_data", sender_id="sam")
    await privacy.ActionExportMyData().run(dispatcher, tracker, domain)
    everything = json.dumps(dispatcher.messages)
    assert "NOTE-93c1" not in everything and "agent_notes" not in everything
    data = json.loads(dispatcher.messages[1]["custom"]["data"])
    assert [row["problem"] for row in data["repair_bookings"]] == ["a creak only uphill"]
    assert [m["text"] for m in data["conversation_messages"]] == []  # the fixture's are empty

    forget = CollectingDispatcher()
    await privacy.ActionForgetMe().run(forget, make_tracker("affirm", sender_id="sam"), domain)
    assert said(forget) == ["utter_forgot"]
    assert booked.find(reference) is None  # neither kept nor answerable
    assert booked.of(None, ["sam"]) == []


async def test_another_conversation_gets_nothing_of_sams(
    sam: MemoryStore, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("export_my_data", sender_id="#1")
    await privacy.ActionExportMyData().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_export"]
    assert "Sam" not in json.dumps(dispatcher.messages)


@pytest.mark.parametrize(
    ("action", "response"),
    [
        (privacy.ActionWhatDoYouKnow(), "utter_what_i_know_memory_down"),
        (privacy.ActionForgetMe(), "utter_forget_failed"),
        (privacy.ActionExportMyData(), "utter_export_memory_down"),
    ],
)
async def test_memory_down_is_said_honestly_with_a_person_as_next_step(
    monkeypatch: pytest.MonkeyPatch,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    action: Any,
    response: str,
) -> None:
    use_memory(monkeypatch, DownMemory())
    await action.run(dispatcher, make_tracker("affirm", sender_id="sam"), domain)
    assert said(dispatcher) == [response]
    buttons = domain["responses"][response][0]["buttons"]
    assert buttons[0]["payload"] == "/request_human"


async def test_what_do_you_know_says_each_thing_once(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    # The memory's facts (one told twice) and this chat's slots say the same things.
    remembered = card(
        preferences=(fact("bike", "Trek FX 3"), fact("bike", "Trek FX 3")),
        aspirations=("gravel century in May",),
    )
    use_memory(monkeypatch, FakeMemory(remembered))
    slots = {
        "customer_name": "Sam",
        "repair_bike": "Trek FX 3",
        "aspirations": ["I'm training for a gravel century in May", "a sub-5 hour sportive"],
    }
    tracker = make_tracker("what_do_you_know", sender_id="sam", slots=slots)
    await privacy.ActionWhatDoYouKnow().run(dispatcher, tracker, domain)
    facts = dispatcher.messages[0]["facts"].splitlines()
    assert facts.count("• Your name: Sam") == 1
    assert sum("Trek FX 3" in line for line in facts) == 1
    assert sum("gravel century" in line.lower() for line in facts) == 1
    assert "• What you're aiming for: a sub-5 hour sportive" in facts
    # A word inside a longer fact is a fact of its own ("gravel" riding, not the goal again).
    goal, riding = (
        privacy.Held.of("Your goal", "gravel century in May"),
        privacy.Held.of("Riding", "gravel"),
    )
    assert privacy.without_repeats([goal], [riding]) == [goal, riding]


def test_without_repeats_keeps_what_is_new() -> None:
    name, goal = privacy.Held.of("Your name", "Sam"), privacy.Held.of("Your goal", "ride the Dales")
    likes = privacy.Held.of("What you like", ["steel frames", "ride the Dales"])
    held = privacy.without_repeats([name, goal], [name, likes])
    assert held == [name, goal, privacy.Held.of("What you like", "steel frames")]
    shop = load_business(ROOT / "business.yml")
    assert privacy.lines(shop, [*held, likes, privacy.Held.sentence("Nothing else.")]) == (
        "• Your name: Sam\n• Your goal: ride the Dales\n• What you like: steel frames\n"
        "• What you like: steel frames; ride the Dales\n• Nothing else."
    )


def test_a_reply_promised_is_told_in_words_for_the_customer() -> None:
    from types import SimpleNamespace

    from actions.privacy import lines, remembered_facts

    shop = load_business(ROOT / "business.yml")
    kept = shop.template("promise_reply_about").format(subject="a wheel build quote")
    promise = SimpleNamespace(text=kept, due_at=None, overdue=False)
    facts = remembered_facts(FakeMemory(card(promises_due=(promise,))), "sam", shop)
    said = lines(shop, facts or [])
    assert "We promised to get back to you about “a wheel build quote”" in said
    assert "gets back to the customer" not in said
