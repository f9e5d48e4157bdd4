"""The exchange feed through a real RabbitMQ: published by the Rasa process's outbox, written into
memory by `python -m bot memory consume` workers, every exchange exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import queue_depth
from rabbitmq_server import RabbitServer
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from sqlalchemy import func, select

import memory
from bot.exchange_feed import FAILED_QUEUE, ExchangePublisher
from memory import schema
from memory.store import MemoryStore

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
START = 1_700_000_000.0


def published(sender: str, event, at: float) -> dict:
    event.timestamp = at
    return {"sender_id": sender, **event.as_dict()}


def visit(sender: str, start: float, text: str) -> list[dict]:
    """One short visit as Rasa publishes it: two exchanges, a visit, a slot and actions."""
    parse = {"intent": {"name": "inform", "confidence": 0.9}, "entities": [], "text": text}
    return [
        published(sender, SessionStarted(), start),
        published(sender, ActionExecuted("action_listen"), start + 0.1),
        published(sender, UserUttered(text, parse_data=parse), start + 1),
        published(sender, ActionExecuted("utter_greet"), start + 1.5),
        published(sender, BotUttered(f"answer to {text}", metadata={}), start + 1.6),
        published(sender, SlotSet("frame_size", 54), start + 1.7),
    ]


def stream(visits: int) -> list[dict]:
    events: list[dict] = []
    for n in range(visits):
        events.extend(visit(f"feed-{n % 37}", START + 10 * n, f"message {n}"))
    return events


def exchange_ids(events: list[dict]) -> set[str]:
    """The event ids of the exchanges (customer and bot messages) among `events`."""
    from memory.ingest import EventIngestor

    found = (EventIngestor.exchange(event) for event in events)
    return {exchange.event_id for exchange in found if exchange is not None}


def publish(url: str, events: list[dict]) -> None:
    publisher = ExchangePublisher(url)
    try:
        for event in events:
            publisher.publish(event)
    finally:
        publisher.close()


def in_memory(database_url: str) -> tuple[list[str], int]:
    """Every exchange's event id as stored (repeats kept), and the number of visits."""
    store = MemoryStore(database_url)
    try:
        with store.engine.connect() as conn:
            ids = list(conn.execute(select(schema.exchanges.c.event_id)).scalars())
            visits = conn.execute(select(func.count()).select_from(schema.conversations))
            return ids, int(visits.scalar() or 0)
    finally:
        store.close()


def wait_for_exchanges(database_url: str, expected: int, timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    ids: list[str] = []
    while time.monotonic() < deadline:
        ids, _ = in_memory(database_url)
        if len(ids) >= expected:
            return ids
        time.sleep(0.25)
    return ids


class Consumer:
    """`python -m bot memory consume` as an operator runs it, with its own log."""

    def __init__(self, rabbitmq_url: str, database_url: str, folder: Path, name: str) -> None:
        env_file = folder / ".env"
        env_file.touch()
        self.log = folder / f"{name}.log"
        env = {
            **os.environ,
            "EXCHANGE_FEED": "rabbitmq",
            "RABBITMQ_URL": rabbitmq_url,
            "DATABASE_URL": database_url,
            "LOG_DIR": str(folder / "log"),
            "PYTHONUNBUFFERED": "1",
        }
        command = [sys.executable, "-m", "bot", "--env-file", str(env_file), "memory", "consume"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*command, "--prefetch", "10", *([] if name == "facts" else ["--no-facts"])],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_consuming(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "consuming rapport.exchanges" in self.text():
                return
            assert self.process.poll() is None, f"the consumer exited:\n{self.text()}"
            time.sleep(0.2)
        raise AssertionError(f"the consumer never started consuming:\n{self.text()}")

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> int:
        """SIGTERM, as an operator stops it; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            raise AssertionError(f"the consumer did not stop on SIGTERM:\n{self.text()}") from None


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    memory.migrate(url)
    return url


@pytest.fixture
def consumers(
    rabbitmq: RabbitServer, database_url: str, tmp_path: Path
) -> Iterator[Callable[[str], Consumer]]:
    """Starts consumers by name (each with its own log); kills what is left at the end."""
    started: list[Consumer] = []

    def start(name: str) -> Consumer:
        consumer = Consumer(rabbitmq.url, database_url, tmp_path, name)
        started.append(consumer)
        return consumer

    yield start
    for consumer in started:
        if consumer.process.poll() is None:
            consumer.process.kill()
            consumer.process.wait(10)


def test_a_stream_of_exchanges_arrives_in_memory_exactly_once_with_its_facts(
    rabbitmq, database_url, consumers
):
    start = consumers
    events = stream(120)
    events.extend(visit("feed-rider", START + 5000, "I ride a Trek hardtail"))
    expected = exchange_ids(events)
    # The first 100 events are published twice (a publisher that crashed before it could clear
    # its outbox publishes them again).
    publish(rabbitmq.url, events[:100])
    consumer = start("facts")
    publish(rabbitmq.url, events)
    consumer.wait_consuming()

    ids = wait_for_exchanges(database_url, len(expected), 90)
    time.sleep(1)  # anything written twice would show now
    ids, visits = in_memory(database_url)
    assert sorted(ids) == sorted(expected)
    assert visits == 121
    store = MemoryStore(database_url)
    try:
        with store.engine.connect() as conn:
            bikes = conn.execute(select(schema.facts.c.value).where(schema.facts.c.kind == "bike"))
            assert [value.lower() for value in bikes.scalars()] == ["trek hardtail"]
    finally:
        store.close()
    assert asyncio.run(queue_depth(rabbitmq.url)) == 0
    assert consumer.stop() == 0
    log = consumer.text()
    assert "memory consumer: stopped after" in log
    assert "Traceback" not in log


def test_a_consumer_killed_mid_stream_loses_nothing_and_writes_nothing_twice(
    rabbitmq, database_url, consumers
):
    start = consumers
    events = stream(400)
    expected = exchange_ids(events)
    publish(rabbitmq.url, events)  # the stream waits in RabbitMQ for the two consumers
    first, second = start("first"), start("second")
    first.wait_consuming()
    second.wait_consuming()

    written = wait_for_exchanges(database_url, len(expected) // 4, 60)
    assert len(written) < len(expected), "the stream ended before the kill: make it longer"
    first.process.send_signal(signal.SIGKILL)  # in the middle of its prefetched messages
    first.process.wait(10)

    ids = wait_for_exchanges(database_url, len(expected), 120)
    time.sleep(1)
    ids, _ = in_memory(database_url)
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    assert asyncio.run(queue_depth(rabbitmq.url)) == 0
    assert asyncio.run(queue_depth(rabbitmq.url, FAILED_QUEUE)) == 0
    assert second.stop() == 0


def test_a_message_that_is_no_event_is_set_aside_and_the_stream_goes_on(
    rabbitmq, database_url, consumers
):
    import aio_pika

    from bot.exchange_feed import QUEUE

    async def send_garbage() -> None:
        connection = await aio_pika.connect(rabbitmq.url)
        async with connection:
            channel = await connection.channel()
            await channel.default_exchange.publish(aio_pika.Message(b"not json"), QUEUE)

    events = visit("feed-after-garbage", START, "hello after garbage")
    asyncio.run(send_garbage())
    publish(rabbitmq.url, events)
    consumer = consumers("garbage")
    consumer.wait_consuming()
    ids = wait_for_exchanges(database_url, 2, 60)
    assert set(ids) == exchange_ids(events)
    assert asyncio.run(queue_depth(rabbitmq.url, FAILED_QUEUE)) == 1
    assert consumer.stop() == 0
    assert "set aside" in consumer.text()


def test_a_consumer_stops_on_sigterm_even_when_rabbitmq_stops_answering(
    rabbitmq, database_url, consumers
):
    """An operator's stop must not wait on a RabbitMQ that hangs (frozen, or a connection that
    came back half-alive): the consumer leaves within its grace, and what it had not
    acknowledged is delivered again once RabbitMQ answers."""
    events = visit("feed-frozen", START, "hello before the freeze")
    consumer = consumers("frozen")
    consumer.wait_consuming()
    publish(rabbitmq.url, events)
    assert set(wait_for_exchanges(database_url, 2, 60)) == exchange_ids(events)

    node = int((rabbitmq.root / "rabbitmq.pid").read_text().split()[0])
    os.kill(node, signal.SIGSTOP)  # RabbitMQ takes the stop's frames and never answers them
    try:
        started = time.monotonic()
        assert consumer.stop() == 0
        assert time.monotonic() - started < 30
    finally:
        os.kill(node, signal.SIGCONT)
    assert "stopping without a clean close" in consumer.text() or "did not answer" in (
        consumer.text()
    )


# The Rasa server through the e2e harness, with the RabbitMQ feed and one consumer.


def say(url: str, token: str, sender: str, text: str) -> list[dict]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(  # noqa: S310 - our own http URL
        f"{url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as reply:  # noqa: S310
        return json.loads(reply.read())


def customer_messages(database_url: str, sender: str) -> list[str]:
    store = MemoryStore(database_url)
    try:
        with store.engine.connect() as conn:
            visits = schema.conversations
            rows = conn.execute(
                select(schema.exchanges.c.text)
                .join(visits, visits.c.id == schema.exchanges.c.conversation_id)
                .where(visits.c.sender_id == sender)
                .where(schema.exchanges.c.speaker == "customer")
                .order_by(schema.exchanges.c.at, schema.exchanges.c.id)
            )
            return list(rows.scalars())
    finally:
        store.close()


def test_the_bot_keeps_answering_while_rabbitmq_is_down_and_nothing_is_lost(rabbitmq, tmp_path):
    import rapport_widget_server

    server = rapport_widget_server.start_server(
        {"EXCHANGE_FEED": "rabbitmq", "RABBITMQ_URL": rabbitmq.url}, log_folder="cluster-tests"
    )
    consumer = None
    try:
        database_url = server.settings.database_url
        token = server.settings.rest_token
        consumer = Consumer(rabbitmq.url, database_url, tmp_path, "rasa")
        consumer.wait_consuming()
        sender = "cluster-customer"
        script = ["hi", "when are you open?", "where are you?", "thanks", "bye"]
        for text in script[:2]:
            assert say(server.url, token, sender, text), f"no reply to {text!r}"
        deadline = time.monotonic() + 60
        while customer_messages(database_url, sender) != script[:2]:
            assert time.monotonic() < deadline, customer_messages(database_url, sender)
            time.sleep(0.25)

        rabbitmq.stop()
        try:
            for text in script[2:]:
                assert say(server.url, token, sender, text), f"no reply to {text!r} while down"
            time.sleep(2)
            assert customer_messages(database_url, sender) == script[:2]  # waiting, not lost
        finally:
            rabbitmq.start()

        deadline = time.monotonic() + 90
        while customer_messages(database_url, sender) != script:
            assert time.monotonic() < deadline, (
                f"{customer_messages(database_url, sender)}\n{consumer.text()}\n{server.log_tail()}"
            )
            time.sleep(0.5)
        time.sleep(1)
        assert customer_messages(database_url, sender) == script
    finally:
        if consumer is not None:
            consumer.stop()
        server.stop()
