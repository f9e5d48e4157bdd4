"""The event broker and its outbox: every exchange reaches memory exactly once, even across a
database outage and a restart."""

from __future__ import annotations

import threading
import time

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

import memory
from bot.broker import MemoryEventBroker
from memory import schema
from memory.ingest import EventIngestor, Outbox, OutboxWorker, event_id, forget_command
from memory.privacy import export_customer
from memory.store import MemoryStore


def as_published(sender: str, event, at: float) -> dict:
    event.timestamp = at
    return {"sender_id": sender, **event.as_dict()}


def user(sender: str, text: str, at: float, intent: str = "inform") -> dict:
    parse = {
        "intent": {"name": intent, "confidence": 0.93},
        "entities": [{"entity": "bike", "value": "Trek", "start": 0, "end": 4}],
        "text": text,
    }
    return as_published(sender, UserUttered(text, parse_data=parse), at)


def conversation(sender: str, start: float) -> list[dict]:
    return [
        as_published(sender, SessionStarted(), start),
        as_published(sender, ActionExecuted("action_listen"), start + 0.1),
        user(sender, "Hi, I'm Sarah", start + 1, intent="greet"),
        as_published(sender, ActionExecuted("utter_greet"), start + 1.5),
        as_published(sender, BotUttered("Hi Sarah!", metadata={}), start + 1.6),
        as_published(sender, SlotSet("frame_size", 54), start + 1.7),
        user(sender, "my brakes squeak", start + 5),
        as_published(
            sender, BotUttered("Kim here, let me help", metadata={"agent": "Kim"}), start + 9
        ),
    ]


def count_exchanges(url: str) -> tuple[int, int]:
    store = MemoryStore(url)
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(schema.exchanges)).scalar()
        distinct = conn.execute(
            select(func.count(func.distinct(schema.exchanges.c.event_id)))
        ).scalar()
    store.close()
    return int(total or 0), int(distinct or 0)


async def test_broker_logs_customer_bot_and_agent_messages(tmp_path):
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    config = EndpointConfig(
        url=url, type="bot.broker.MemoryEventBroker", outbox=str(tmp_path / "outbox.db")
    )
    broker = await MemoryEventBroker.from_endpoint_config(config)
    events = conversation("web-1", 1_700_000_000.0)
    for event in events:
        broker.publish(event)
    assert broker.worker.wait_idle(60)
    for event in events:  # a replay (e.g. after a crash) writes nothing new
        broker.publish(event)
    assert broker.worker.wait_idle(60)
    await broker.close()

    store = MemoryStore(url)
    card = store.cards.card_for_sender("web-1")
    facts = store.facts.facts(card.customer_id)
    store.close()
    spoken = [(view.speaker, view.text, view.action, view.agent) for view in card.last_exchanges]
    assert spoken == [
        ("customer", "Hi, I'm Sarah", None, None),
        ("bot", "Hi Sarah!", "utter_greet", None),
        ("customer", "my brakes squeak", None, None),
        ("agent", "Kim here, let me help", None, "Kim"),
    ]
    assert card.visits == 1
    assert card.name == "Sarah"
    assert ("size", "frame", "54", "form") in [(f.kind, f.key, f.value, f.source) for f in facts]
    assert count_exchanges(url) == (4, 4)


DECISION = {
    "kind": "return",
    "rung": "yes_with_condition",
    "reason_code": "return.with_condition",
    "reason": "past the returns window, within 60 days",
    "condition": "as store credit",
    "alternatives": [],
    "offered": ["/affirm", "/deny"],
}
REPLACED = {"replaced": [{"field": "text", "original": "Obviously not.", "findings": []}]}


async def test_the_decision_behind_a_bot_message_is_kept_with_the_exchange(tmp_path):
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    config = EndpointConfig(
        url=url, type="bot.broker.MemoryEventBroker", outbox=str(tmp_path / "outbox.db")
    )
    broker = await MemoryEventBroker.from_endpoint_config(config)
    start = 1_700_000_000.0
    decided = BotUttered(
        "Yes, we can take it back as store credit.", metadata={"say_yes": DECISION}
    )
    guarded = BotUttered("Here's what we can do next:", metadata={"tone": REPLACED})
    for event in (
        user("web-9", "I'd like to return my saddle", start, intent="return_request"),
        as_published("web-9", decided, start + 1),
        as_published("web-9", guarded, start + 2),
        as_published("web-9", BotUttered("Anything else?", metadata={}), start + 3),
    ):
        broker.publish(event)
    assert broker.worker.wait_idle(60)
    await broker.close()

    store = MemoryStore(url)
    card = store.cards.card_for_sender("web-9")
    exported = export_customer(store, card.customer_id)
    store.close()
    assert [view.policy for view in card.last_exchanges] == [
        None,
        {"say_yes": DECISION},
        {"tone": REPLACED},
        None,
    ]
    logged = [row["policy"] for row in exported["exchanges"]]
    assert {"say_yes": DECISION} in logged  # the customer's data export includes the reasons


def test_event_ids_are_stable_and_distinct():
    first, second = conversation("web-1", 100.0), conversation("web-1", 100.0)
    assert [event_id(e) for e in first] == [event_id(e) for e in second]
    assert len({event_id(e) for e in first}) == len(first)
    other = conversation("web-2", 100.0)
    assert not {event_id(e) for e in first} & {event_id(e) for e in other}


def test_outbox_keeps_events_across_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    memory.migrate(url)
    outbox = Outbox(tmp_path / "outbox.db")

    def database_down(_event):
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    down = OutboxWorker(outbox, database_down, max_backoff=0.2)
    down.start()
    events = conversation("web-1", 1_700_000_000.0)
    for event in events:
        down.submit(event)
    deadline = time.monotonic() + 10
    while outbox.count() < len(events) and time.monotonic() < deadline:
        time.sleep(0.05)
    down.stop()
    assert Outbox(tmp_path / "outbox.db").count() == len(events)

    store = MemoryStore(url)
    up = OutboxWorker(Outbox(tmp_path / "outbox.db"), EventIngestor(store).ingest)
    up.start()
    assert up.wait_idle(30)
    up.stop()
    store.close()
    assert count_exchanges(url) == (4, 4)


def test_outbox_keeps_one_connection_per_thread_and_every_thread_sees_the_queue(tmp_path):
    # Opening a connection per call closed the write-ahead log each time: milliseconds of file
    # work for every event on the Rasa server's busiest thread (docs/performance.md).
    outbox = Outbox(tmp_path / "outbox.db")
    outbox.put([{"event": "user", "sender_id": "s", "text": "one"}])
    assert outbox._connect() is outbox._connect()
    seen = {}

    def elsewhere():
        seen["connection"] = outbox._connect()
        seen["count"] = outbox.count()
        outbox.put([{"event": "user", "sender_id": "s", "text": "two"}])

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert seen["connection"] is not outbox._connect()
    assert seen["count"] == 1
    assert [event["text"] for _, event in outbox.take()] == ["one", "two"]


def test_a_malformed_event_is_set_aside_and_does_not_block_the_rest(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    written = []

    def ingest(event):
        if event.get("text") == "poison":
            raise ValueError("cannot read this event")
        written.append(event["text"])
        return True

    worker = OutboxWorker(outbox, ingest)
    worker.start()
    for text in ("one", "poison", "two"):
        worker.submit({"event": "user", "sender_id": "s", "text": text})
    assert worker.wait_idle(30)
    worker.stop()
    assert written == ["one", "two"]
    assert outbox.count() == 0


def test_forgetting_a_conversation_deletes_its_set_aside_events(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")

    def ingest(event):
        if event.get("text", "").startswith("poison"):
            raise ValueError("cannot read this event")
        return True

    worker = OutboxWorker(outbox, ingest)
    worker.start()
    worker.submit({"event": "user", "sender_id": "sam", "text": "poison MARK-5e0c"})
    worker.submit({"event": "user", "sender_id": "other", "text": "poison from someone else"})
    worker.submit(forget_command("sam"))
    assert worker.wait_idle(30)
    worker.stop()
    raw = b"".join(path.read_bytes() for path in tmp_path.iterdir() if "outbox" in path.name)
    assert b"MARK-5e0c" not in raw
    assert b"someone else" in raw  # another conversation's stays for a person to look at


@pytest.mark.postgres
@pytest.mark.slow
def test_every_exchange_arrives_exactly_once_when_the_database_dies(postgres_server, tmp_path):
    url = postgres_server.new_database()
    memory.migrate(url)
    broker = MemoryEventBroker(url, tmp_path / "outbox.db", extract_facts=False)
    broker.worker.max_backoff = 0.5
    start = 1_700_000_000.0
    messages = [user(f"web-{n % 7}", f"message {n}", start + n) for n in range(300)]

    for event in messages[:100]:
        broker.publish(event)
    assert broker.worker.wait_idle(60)
    postgres_server.stop()  # the memory database dies mid-stream
    try:
        for event in messages[100:250]:
            broker.publish(event)
        time.sleep(1.5)
        assert broker.worker.outbox.count() > 0  # waiting, not lost
        for event in messages[50:150]:  # replays while down
            broker.publish(event)
    finally:
        postgres_server.start()
    for event in messages[250:]:
        broker.publish(event)
    assert broker.worker.wait_idle(120)
    broker.worker.stop()
    broker.store.close()
    assert count_exchanges(url) == (300, 300)


async def test_with_the_rabbitmq_feed_and_rabbitmq_down_events_wait_in_the_outbox(tmp_path):
    """EXCHANGE_FEED=rabbitmq: the Rasa process writes no memory; while RabbitMQ cannot be
    reached the broker keeps taking events (never blocking) and they wait in the outbox file,
    also across a restart of the server."""
    import socket

    with socket.socket() as probe:  # a loopback port where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    config = EndpointConfig(
        url=url,
        type="bot.broker.MemoryEventBroker",
        outbox=str(tmp_path / "outbox.db"),
        feed="rabbitmq",
        rabbitmq_url=f"amqp://guest:guest@127.0.0.1:{closed}/",
    )
    broker = await MemoryEventBroker.from_endpoint_config(config)
    assert broker.store is None
    events = conversation("web-1", 1_700_000_000.0)
    for event in events:
        broker.publish(event)
    deadline = time.monotonic() + 30
    while not (broker.worker.inbox.empty() and broker.queue_depth() == len(events)):
        assert time.monotonic() < deadline, broker.queue_depth()
        time.sleep(0.1)
    assert broker.is_ready()
    await broker.close()
    assert Outbox(tmp_path / "outbox.db").count() == len(events)
    assert not (tmp_path / "memory.db").exists()
