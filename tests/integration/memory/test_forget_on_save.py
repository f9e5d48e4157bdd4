"""Forgetting a customer survives Rasa's save of the very turn that forgot them.

A real SQL tracker store (ours, loaded the way Rasa loads the one named in endpoints.yml), the
real event broker and the real memory, all on SQLite (the embedded default) and all on
PostgreSQL (the scale path, the tracker store given a whole TRACKER_URL): after the forget turn
is saved, nothing about the customer is left in the tracker store or in memory, and nothing
comes back; with the Rasa process writing memory itself and with a memory writer draining its
outbox (MEMORY_WRITER=process).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    AllSlotsReset,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import func, select, text

from actions.privacy import forget_sender
from bot.broker import MemoryEventBroker
from bot.settings import Settings
from bot.tracker_store import ForgettingSQLTrackerStore, forgot_in_this_turn
from memory import schema
from memory.db import make_engine
from memory.ingest import EventIngestor, Outbox, OutboxWriter
from memory.store import MemoryStore

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, inform, forget_me, affirm]
slots:
  customer_name: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  bike: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  forgotten: {type: bool, influence_conversation: false, mappings: [{type: custom}]}
"""
)


def user(text: str, intent: str) -> UserUttered:
    return UserUttered(text, parse_data={"intent": {"name": intent, "confidence": 0.9}})


def first_turns() -> list:
    return [
        SessionStarted(),
        ActionExecuted("action_listen"),
        user("Hi, I'm Sam and I ride a Trek FX 3", "greet"),
        SlotSet("customer_name", "Sam"),
        SlotSet("bike", "Trek FX 3"),
        ActionExecuted("utter_greet"),
        BotUttered("Hi Sam!"),
        ActionExecuted("action_listen"),
        user("please forget me", "forget_me"),
        ActionExecuted("utter_confirm_forget"),
        BotUttered("Shall I go ahead?"),
        ActionExecuted("action_listen"),
    ]


def forget_turn(marked: bool) -> list:
    events = [
        user("yes", "affirm"),
        ActionExecuted("action_forget_me"),
        BotUttered("Done: I've forgotten everything."),
        AllSlotsReset(),
    ]
    if marked:
        events.append(SlotSet("forgotten", True))
    return [*events, ActionExecuted("action_listen")]


@pytest.fixture(params=["rasa", "process"])
def writer(request: pytest.FixtureRequest, tmp_path: Path, memory_url: str):
    """Who writes memory: the broker's thread (`rasa`) or a memory writer draining the outbox
    (`process`; here a thread of the test, with the writer's own store and ingestor)."""
    if request.param == "rasa":
        yield "rasa"
        return
    import memory

    memory.migrate(memory_url)
    store = MemoryStore(memory_url)
    stop = threading.Event()
    drain = OutboxWriter(Outbox(tmp_path / "outbox.db"), EventIngestor(store).ingest, poll=0.02)
    thread = threading.Thread(target=drain.run, args=(stop,))
    thread.start()
    yield "process"
    stop.set()
    thread.join(30)
    store.close()


@pytest.fixture
async def setup(tmp_path: Path, memory_url: str, writer: str, request: pytest.FixtureRequest):
    broker = MemoryEventBroker(
        memory_url, tmp_path / "outbox.db", extract_facts=False, writer=writer
    )
    if memory_url.startswith("sqlite"):
        settings = Settings(tracker_dialect="sqlite", tracker_db=str(tmp_path / "tracker.db"))
    else:  # the scale path: the tracker store on the PostgreSQL server too
        url = request.getfixturevalue("postgres_server").new_database()
        settings = Settings(tracker_dialect="postgresql", tracker_url=url)
    # Loaded as Rasa loads the tracker store of endpoints.yml, with the broker Rasa passes.
    config = EndpointConfig(
        type="bot.tracker_store.ForgettingSQLTrackerStore",
        dialect=settings.tracker_dialect,
        url=settings.tracker_url or None,
        db=settings.tracker_db,
    )
    tracker_store = TrackerStore.create(config, DOMAIN, broker)
    assert isinstance(tracker_store, ForgettingSQLTrackerStore)
    assert tracker_store.event_broker is broker
    store = MemoryStore(memory_url)
    yield tracker_store, broker, store, settings.tracker_store_url
    store.close()
    tracker_store.engine.dispose()
    await broker.close()


def tracker_rows(tracker_url: str, sender: str) -> int:
    engine = make_engine(tracker_url, pool=False)
    try:
        with engine.connect() as conn:
            query = text("SELECT count(*) FROM events WHERE sender_id = :sender")
            return int(conn.execute(query, {"sender": sender}).scalar() or 0)
    finally:
        engine.dispose()


def memory_rows(store: MemoryStore) -> int:
    """Rows about any customer in memory (the test's database holds only the one forgotten)."""
    tables = {*schema.CUSTOMER_TABLES, schema.customers, schema.identities, schema.conversations}
    with store.engine.connect() as conn:
        return sum(
            int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)
            for table in tables
        )


async def converse(setup, sender: str, marked: bool) -> None:
    tracker_store, broker, store, tracker_url = setup
    tracker = DialogueStateTracker.from_events(sender, first_turns(), slots=DOMAIN.slots)
    await tracker_store.save(tracker)
    assert broker.wait_until_written(60)
    assert store.cards.card_for_sender(sender) is not None and tracker_rows(tracker_url, sender) > 0
    # What action_forget_me does while the turn runs (the memory and the tracker store) ...
    forget_sender(store, sender, tracker_url)
    assert store.cards.card_for_sender(sender) is None and tracker_rows(tracker_url, sender) == 0
    # ... and then Rasa saves the turn, from the whole conversation it holds in memory.
    for event in forget_turn(marked):
        tracker.update(event)
    await tracker_store.save(tracker)
    assert broker.wait_until_written(60)


async def test_nothing_about_the_customer_remains_after_the_forget_turn_is_saved(setup) -> None:
    tracker_store, broker, store, tracker_url = setup
    await converse(setup, "sam", marked=True)
    assert tracker_rows(tracker_url, "sam") == 0
    assert await tracker_store.retrieve("sam") is None
    assert store.cards.card_for_sender("sam") is None
    assert memory_rows(store) == 0
    assert broker.worker.outbox.count() == 0


async def test_without_the_marker_the_save_brings_the_conversation_back(setup) -> None:
    # Why the marker is needed: Rasa's save re-writes and re-publishes the whole conversation.
    _, _, store, tracker_url = setup
    await converse(setup, "sam", marked=False)
    assert tracker_rows(tracker_url, "sam") > 0
    assert store.cards.card_for_sender("sam") is not None


async def test_forgetting_one_conversation_leaves_the_others(setup) -> None:
    tracker_store, _, store, tracker_url = setup
    other = DialogueStateTracker.from_events("priya", first_turns(), slots=DOMAIN.slots)
    await tracker_store.save(other)
    await converse(setup, "sam", marked=True)
    assert tracker_rows(tracker_url, "priya") == len(other.events)
    card = store.cards.card_for_sender("priya")
    assert card is not None and card.name == "Sam"


def test_only_a_marker_after_the_latest_message_counts() -> None:
    events = [*first_turns()[:-1], *forget_turn(marked=True)]
    assert forgot_in_this_turn(DialogueStateTracker.from_events("s", events, slots=DOMAIN.slots))
    later = [*events, user("hello again", "greet"), ActionExecuted("utter_greet")]
    assert not forgot_in_this_turn(DialogueStateTracker.from_events("s", later, slots=DOMAIN.slots))
