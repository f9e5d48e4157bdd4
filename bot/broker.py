"""The event broker that feeds every conversation event into the relationship memory.

Named in endpoints.yml (`event_broker: type: bot.broker.MemoryEventBroker`). Rasa calls
`publish` on its event loop for every tracker event of every channel; `publish` only hands the
event to a background thread (no I/O on the loop), which keeps it in a durable outbox file and
writes it into memory, retrying while the memory database is down. With `writer: process`
(MEMORY_WRITER in .env, the default) the thread only appends the events to the outbox, and a
memory writer process beside the Rasa server (`python -m bot memory write`) writes them into
memory: finding facts and writing exchanges no longer take the Rasa process's interpreter lock
while it answers the next message. With `feed: rabbitmq` (EXCHANGE_FEED in .env) the thread
publishes the events from the outbox to RabbitMQ instead (`bot.exchange_feed`), retrying while
RabbitMQ is down, and memory consumers write them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

import memory
from bot import composition, metrics
from bot.exchange_feed import ExchangePublisher
from bot.settings import ROOT
from memory.facts import NO_WORDS, FactExtractor, FactWords
from memory.ingest import (
    ACTION_KEY,
    TRANSIENT_ERRORS,
    EventIngestor,
    Outbox,
    OutboxWorker,
    forget_command,
)
from memory.rules import RelationshipRules
from memory.store import MemoryStore

logger = logging.getLogger(__name__)

DEFAULT_OUTBOX = ROOT / "var" / "memory-outbox.db"
# Who writes the embedded feed's events into memory: a memory writer process beside the Rasa
# server, or the broker's own thread in the Rasa process.
WRITERS = ("process", "rasa")
REMEMBERED_SENDERS = 10_000  # senders whose last action we keep, to name a bot message's source


def counted(ingest: Callable[[Mapping[str, Any]], bool]) -> Callable[[Mapping[str, Any]], bool]:
    """`ingest` that counts its failures in the metrics: the database unavailable (the event
    waits and is retried) or the event rejected (it is set aside)."""

    def ingest_counted(event: Mapping[str, Any]) -> bool:
        try:
            return ingest(event)
        except TRANSIENT_ERRORS:
            metrics.memory_write_failed("unavailable")
            raise
        except Exception:
            metrics.memory_write_failed("rejected")
            raise

    return ingest_counted


class MemoryEventBroker(EventBroker):
    """Publishes tracker events to the relationship memory through a durable outbox."""

    def __init__(
        self,
        database_url: str,
        outbox_path: Path = DEFAULT_OUTBOX,
        rules: RelationshipRules | None = None,
        extract_facts: bool = True,
        store: MemoryStore | None = None,
        publisher: ExchangePublisher | None = None,
        fact_words: FactWords = NO_WORDS,
        writer: str = "rasa",
    ) -> None:
        """`store`: the memory to write to (the composition root's, sharing its engine with
        the process's other components); by default one of its own at `database_url`.
        `publisher`: publish the events to RabbitMQ instead of writing them (no store then).
        `fact_words`: the business file's words for bikes, for the facts in form values.
        `writer`: `rasa` writes memory in this process; `process` only appends to the outbox,
        which a memory writer process drains (no store here then)."""
        if writer not in WRITERS:
            raise ValueError(f"writer {writer!r} is not one of {', '.join(WRITERS)}")
        self.database_url = database_url
        self.publisher = publisher
        self.writer = "rasa" if publisher is not None else writer
        self._last_action: OrderedDict[str, str] = OrderedDict()
        self.store: MemoryStore | None = None
        if publisher is None and writer == "process":
            self.worker = OutboxWorker(Outbox(outbox_path), None, destination="memory writer")
            metrics.LIVE.watch_queue(self.queue_depth)
            self.worker.start()
            return
        if publisher is not None:
            self.worker = OutboxWorker(
                Outbox(outbox_path),
                publisher.publish,
                prepare=publisher.connect,
                destination="RabbitMQ",
            )
            metrics.LIVE.watch_queue(self.queue_depth)
            self.worker.start()
            return
        if store is None:
            extractor = FactExtractor(words=fact_words) if extract_facts else None
            store = MemoryStore(database_url, rules=rules, fact_extractor=extractor)
        self.store = store
        load_language = getattr(store.context.fact_extractor, "load", None)
        ingestor = EventIngestor(store, fact_words=fact_words)

        def prepare() -> None:
            memory.migrate(database_url)
            if load_language is not None:
                load_language()  # now, not while the first customer message waits

        self.worker = OutboxWorker(Outbox(outbox_path), counted(ingestor.ingest), prepare=prepare)
        metrics.LIVE.watch_queue(self.queue_depth)
        self.worker.start()

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: asyncio.AbstractEventLoop | None = None,
    ) -> MemoryEventBroker:
        """The broker of endpoints.yml: `url` is the memory DATABASE_URL, `outbox` a file,
        `feed` embedded (into memory) or rabbitmq (publish to `rabbitmq_url`); with the
        embedded feed, `writer` process (a memory writer process drains the outbox) or rasa
        (this process writes memory; also when `writer` is not given)."""
        services = await asyncio.to_thread(composition.server)
        url = broker_config.url or services.settings.database_url
        outbox = Path(broker_config.kwargs.get("outbox") or DEFAULT_OUTBOX)
        if not outbox.is_absolute():
            outbox = ROOT / outbox
        feed = str(broker_config.kwargs.get("feed") or "embedded").lower()
        if feed == "rabbitmq":
            rabbitmq_url = str(broker_config.kwargs.get("rabbitmq_url") or "")
            publisher = ExchangePublisher(rabbitmq_url or services.settings.rabbitmq_url)
            return await asyncio.to_thread(cls, url, outbox, publisher=publisher)
        writer = str(broker_config.kwargs.get("writer") or "rasa").lower()
        if writer == "process":
            return await asyncio.to_thread(cls, url, outbox, writer="process")
        extract = str(broker_config.kwargs.get("extract_facts", "true")).lower() != "false"

        def build() -> MemoryEventBroker:
            words = services.fact_words()
            if not extract:
                store = services.memory(url)
                return cls(url, outbox, services.rules, extract, store=store, fact_words=words)
            store = services.memory_with_facts(url, services.fact_extractor())
            return cls(url, outbox, services.rules, extract, store=store, fact_words=words)

        return await asyncio.to_thread(build)

    def publish(self, event: dict[str, Any]) -> None:
        """Hand the event to the memory worker (never blocks)."""
        metrics.understood(event)
        sender = event.get("sender_id")
        if event.get("event") == "action" and isinstance(sender, str):
            self._last_action[sender] = str(event.get("name"))
            self._last_action.move_to_end(sender)
            if len(self._last_action) > REMEMBERED_SENDERS:
                self._last_action.popitem(last=False)
        elif event.get("event") == "bot" and isinstance(sender, str):
            event = {**event, ACTION_KEY: self._last_action.get(sender)}
        self.worker.submit(event)

    def queue_depth(self) -> int:
        """Events on their way to memory: handed over but not yet in the outbox file (the
        worker takes them while it is not busy preparing or writing), and in the outbox."""
        return self.worker.inbox.qsize() + self.worker.outbox.count()

    def forget_sender(self, sender_id: str) -> None:
        """Forget the customer of `sender_id` once every event published before is in memory.

        The command travels through the same durable queue as the events, so it is applied
        after them (and survives a restart or a memory outage like they do).
        """
        self._last_action.pop(sender_id, None)
        self.worker.submit(forget_command(sender_id))

    def wait_until_written(self, timeout: float) -> bool:
        """Block until everything queued so far is in memory (call it from a worker thread):
        with a memory writer process, until it has left the outbox; with the RabbitMQ feed,
        until it is in RabbitMQ (the consumers write it soon after)."""
        if self.writer == "process":
            return self.worker.wait_delivered(timeout)
        return self.worker.wait_idle(timeout)

    def writer_running(self) -> bool | None:
        """Whether the memory writer process drains the outbox now (None: this process
        writes, or the feed is RabbitMQ)."""
        if self.writer != "process":
            return None
        return self.worker.outbox.writer_running()

    def is_ready(self) -> bool:
        return self.worker.alive()

    async def close(self) -> None:
        await asyncio.to_thread(self.worker.stop)
        if self.store is not None:
            await asyncio.to_thread(self.store.close)
        if self.publisher is not None:
            # The worker thread has stopped: closing on this thread is safe.
            await asyncio.to_thread(self.publisher.close)
