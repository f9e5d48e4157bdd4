"""The tracker store hands the event broker each new event once, without rebuilding the stored
conversation: Rasa's own `stream_events` reads and replays the whole stored session for every
saved turn just to count its events, a cost plain Rasa (no event broker) never pays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.tracker_store import ForgettingSQLTrackerStore

DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet]')


class Collected(EventBroker):
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)


def turn(text: str, at: float) -> list:
    return [
        UserUttered(
            text, parse_data={"intent": {"name": "greet", "confidence": 0.9}}, timestamp=at
        ),
        ActionExecuted("utter_greet", timestamp=at + 0.1),
        BotUttered(f"re: {text}", timestamp=at + 0.2),
        ActionExecuted("action_listen", timestamp=at + 0.3),
    ]


@pytest.fixture
def store(tmp_path: Path) -> ForgettingSQLTrackerStore:
    broker = Collected()
    config = EndpointConfig(
        type="bot.tracker_store.ForgettingSQLTrackerStore",
        dialect="sqlite",
        db=str(tmp_path / "tracker.db"),
    )
    created = TrackerStore.create(config, DOMAIN, broker)
    assert isinstance(created, ForgettingSQLTrackerStore)
    return created


async def test_each_saved_event_reaches_the_broker_once_across_turns_and_sessions(
    store: ForgettingSQLTrackerStore,
) -> None:
    broker = store.event_broker
    assert isinstance(broker, Collected)
    events = [SessionStarted(timestamp=1.0), ActionExecuted("action_listen", timestamp=1.1)]
    tracker = DialogueStateTracker.from_events("web-1", events, slots=DOMAIN.slots)
    all_events = list(events)
    for number in range(3):
        for event in turn(f"message {number}", 10.0 + number):
            tracker.update(event)
            all_events.append(event)
        await store.save(tracker)
    # A new session in the same conversation, as Rasa's processor starts it (on the tracker
    # of the latest session), then a turn read back as Rasa reads it (the latest session).
    later = [SessionStarted(timestamp=100.0), ActionExecuted("action_listen", timestamp=100.1)]
    for event in later:
        tracker.update(event)
        all_events.append(event)
    await store.save(tracker)
    tracker = await store.get_or_create_tracker("web-1", append_action_listen=False)
    for event in turn("back again", 110.0):
        tracker.update(event)
        all_events.append(event)
    await store.save(tracker)

    published = [(event["event"], event.get("timestamp")) for event in broker.published]
    assert published == [(event.type_name, event.timestamp) for event in all_events]
    assert all(event["sender_id"] == "web-1" for event in broker.published)


async def test_saving_a_turn_does_not_rebuild_the_stored_conversation(
    store: ForgettingSQLTrackerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = DialogueStateTracker.from_events(
        "web-2", [SessionStarted(timestamp=1.0), *turn("hello", 2.0)], slots=DOMAIN.slots
    )
    await store.save(tracker)

    async def rebuilt(*args: Any) -> None:
        raise AssertionError("the whole stored conversation was read back to save one turn")

    monkeypatch.setattr(store, "retrieve", rebuilt)
    for event in turn("and again", 3.0):
        tracker.update(event)
    await store.save(tracker)
    broker = store.event_broker
    assert isinstance(broker, Collected)
    assert [event.get("text") for event in broker.published if event["event"] == "user"] == [
        "hello",
        "and again",
    ]


async def test_saving_a_turn_counts_the_stored_events_once(
    store: ForgettingSQLTrackerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Publishing and storing a turn share one count of the stored rows (plain Rasa, which
    publishes nothing, counts once too), and every event is stored exactly once."""
    tracker = DialogueStateTracker.from_events(
        "web-3", [SessionStarted(timestamp=1.0), *turn("hello", 2.0)], slots=DOMAIN.slots
    )
    await store.save(tracker)
    queries = []
    original = store._event_query

    def counted(*args: Any, **kwargs: Any) -> Any:
        queries.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(store, "_event_query", counted)
    for event in turn("and again", 3.0):
        tracker.update(event)
    await store.save(tracker)
    assert len(queries) == 1
    monkeypatch.undo()
    stored = await store.retrieve("web-3")
    assert stored is not None
    assert [event.type_name for event in stored.events] == [
        event.type_name for event in tracker.events
    ]
