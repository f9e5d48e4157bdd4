"""The exchange feed through RabbitMQ: the Rasa process publishes, memory consumers write.

With `EXCHANGE_FEED=rabbitmq` the event broker's outbox thread hands each event to an
`ExchangePublisher` instead of writing it into memory: a persistent message on the durable
queue `rapport.exchanges`, confirmed by RabbitMQ before the event leaves the local outbox (so
nothing is lost while RabbitMQ is down: the events wait in the outbox, as they do while the
memory database is down). `python -m bot memory consume` runs `consume`: it takes a bounded
number of messages ahead, writes each into memory (the exchange with the facts found in it, in
one unit of work) and acknowledges it only after the commit. A message delivered again (a
consumer died before its acknowledgement) is recognised by its event id, which the exchange
log keeps under a unique constraint, and is not written twice.

Rasa's own `PikaEventBroker` is not used: it gives up starting the server after its connection
attempts when RabbitMQ is down, and while running it keeps the events it could not publish in
memory only (lost on a restart).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aio_pika
import aiormq

from memory.ingest import INGESTED_EVENTS, TRANSIENT_ERRORS, event_id

logger = logging.getLogger(__name__)

QUEUE = "rapport.exchanges"
# Messages no consumer can ever write (not JSON, not an event) are set aside here, not retried.
FAILED_QUEUE = "rapport.exchanges.failed"
QUEUE_ARGUMENTS: dict[str, Any] = {
    "x-dead-letter-exchange": "",
    "x-dead-letter-routing-key": FAILED_QUEUE,
}
CONFIRM_SECONDS = 10.0  # longest wait for RabbitMQ to confirm one message
CONNECT_SECONDS = 5.0
# Longest wait for RabbitMQ to answer one step of closing (cancel, channel, connection): a
# connection that came back after RabbitMQ restarted may never answer, and a stop must not wait
# on it (what was not acknowledged goes back to the queue when the socket closes).
CLOSE_SECONDS = 5.0
MAX_BACKOFF = 10.0
PROGRESS_EVERY = 500  # a consumer logs its count every so many events


class FeedUnavailable(ConnectionError):
    """RabbitMQ cannot take the event now: it waits in the outbox and is retried."""


# What a lost or refused RabbitMQ connection raises (aio-pika passes aiormq's errors on).
CONNECTION_ERRORS = (
    aiormq.exceptions.AMQPError,
    aio_pika.exceptions.AMQPException,
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
)


def where(url: str) -> str:
    """host:port/vhost of an AMQP URL, without its credentials (for log lines)."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 5672}{parts.path or '/'}"


async def declare(channel: aio_pika.abc.AbstractChannel) -> aio_pika.abc.AbstractQueue:
    """The durable exchange queue and its set-aside queue (the same on both sides)."""
    await channel.declare_queue(FAILED_QUEUE, durable=True)
    return await channel.declare_queue(QUEUE, durable=True, arguments=QUEUE_ARGUMENTS)


def _quiet(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    logger.debug("exchange feed: %s", context.get("exception") or context.get("message"))


class ExchangePublisher:
    """Publishes events to RabbitMQ from one thread (the broker's outbox thread), synchronously.

    Each `publish` returns once RabbitMQ has confirmed the persistent message, or raises
    `FeedUnavailable`; it runs on an event loop of its own, so the Rasa server's loop never
    waits for RabbitMQ.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connection: aio_pika.abc.AbstractConnection | None = None
        self._channel: aio_pika.abc.AbstractChannel | None = None

    def _run(self, work: Any) -> Any:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            # aiormq leaves the error of a dropped connection in futures nobody awaits; the
            # publish that met it has already said so.
            self._loop.set_exception_handler(_quiet)
        return self._loop.run_until_complete(work)

    def connect(self) -> None:
        """Connect and declare the queue now (raises `FeedUnavailable` while RabbitMQ is down)."""
        self._run(self._ensure_channel())

    def publish(self, event: Mapping[str, Any]) -> bool:
        """Publish one event as a persistent message and wait for RabbitMQ's confirmation;
        False for an event that means nothing to memory (not published)."""
        if event.get("event") not in INGESTED_EVENTS:
            return False
        self._run(self._publish(event))
        return True

    async def _ensure_channel(self) -> aio_pika.abc.AbstractChannel:
        if self._channel is not None and not self._channel.is_closed:
            return self._channel
        await self._drop()
        try:
            self._connection = await asyncio.wait_for(
                aio_pika.connect(self.url), timeout=CONNECT_SECONDS
            )
            self._channel = await self._connection.channel(publisher_confirms=True)
            await declare(self._channel)
        except CONNECTION_ERRORS as error:
            await self._drop()
            raise self._unavailable(error) from None
        logger.info("exchange feed: publishing to RabbitMQ at %s, queue %s", where(self.url), QUEUE)
        return self._channel

    async def _publish(self, event: Mapping[str, Any]) -> None:
        channel = await self._ensure_channel()
        message = aio_pika.Message(
            json.dumps(dict(event), default=str).encode("utf-8"),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=event_id(event),
        )
        try:
            await channel.default_exchange.publish(
                message, routing_key=QUEUE, mandatory=True, timeout=CONFIRM_SECONDS
            )
        except CONNECTION_ERRORS as error:
            await self._drop()
            raise self._unavailable(error) from None

    def _unavailable(self, error: BaseException) -> FeedUnavailable:
        return FeedUnavailable(f"RabbitMQ at {where(self.url)}: {error or type(error).__name__}")

    async def _drop(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and not connection.is_closed:
            try:
                await connection.close()
            except CONNECTION_ERRORS:
                pass

    def close(self) -> None:
        if self._loop is None:
            return
        self._run(self._drop())
        self._loop.close()
        self._loop = None


@dataclass
class ConsumerReport:
    """What one consumer did (its last log line)."""

    written: int = 0
    unchanged: int = 0
    set_aside: int = 0


async def consume(
    url: str,
    ingest: Callable[[Mapping[str, Any]], bool],
    stop: asyncio.Event,
    prefetch: int = 20,
) -> ConsumerReport:
    """Write the queue's events into memory with `ingest` until `stop` is set.

    `ingest` (blocking: it runs in a worker thread) writes one event in one unit of work and
    returns False when the event was already written. A message is acknowledged only after
    `ingest` returns; while memory is down the same message is retried (the others wait in
    RabbitMQ); while RabbitMQ is down the consumer reconnects with back-off.
    """
    report = ConsumerReport()
    backoff = 0.0
    while not stop.is_set():
        try:
            connection = await asyncio.wait_for(aio_pika.connect(url), timeout=CONNECT_SECONDS)
        except CONNECTION_ERRORS as error:
            backoff = min(max(backoff * 2, 0.5), MAX_BACKOFF)
            logger.warning(
                "memory consumer: RabbitMQ at %s unavailable (%s); retrying in %.1f s",
                where(url),
                error or type(error).__name__,
                backoff,
            )
            await _sleep_unless(stop, backoff)
            continue
        backoff = 0.0
        try:
            await _serve(url, connection, ingest, stop, prefetch, report)
        except CONNECTION_ERRORS as error:
            logger.warning("memory consumer: lost RabbitMQ (%s); reconnecting", error)
        finally:
            if not connection.is_closed:
                await _bounded(connection.close(), "closing the connection")
    logger.info(
        "memory consumer: stopped after %d events written (%d with nothing new, %d set aside)",
        report.written,
        report.unchanged,
        report.set_aside,
    )
    return report


async def _bounded(step: Awaitable[Any], what: str) -> bool:
    """One step of closing, given at most CLOSE_SECONDS; False when it failed or took longer."""
    try:
        await asyncio.wait_for(step, timeout=CLOSE_SECONDS)
        return True
    except CONNECTION_ERRORS as error:  # includes the timeout
        logger.warning(
            "memory consumer: RabbitMQ did not answer %s (%s); going on without it",
            what,
            error or type(error).__name__,
        )
        return False


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass


async def _serve(
    url: str,
    connection: aio_pika.abc.AbstractConnection,
    ingest: Callable[[Mapping[str, Any]], bool],
    stop: asyncio.Event,
    prefetch: int,
    report: ConsumerReport,
) -> None:
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=prefetch)
    queue = await declare(channel)
    # At most `prefetch` messages wait here (RabbitMQ sends no more until some are acknowledged).
    arrived: asyncio.Queue[aio_pika.abc.AbstractIncomingMessage] = asyncio.Queue()
    tag = await queue.consume(arrived.put)
    logger.info(
        "memory consumer: consuming %s at %s (prefetch %d)",
        QUEUE,
        where(url),
        prefetch,
    )
    try:
        while not stop.is_set():
            if connection.is_closed or channel.is_closed:
                raise ConnectionError("the connection closed")
            try:
                message = await asyncio.wait_for(arrived.get(), timeout=0.5)
            except asyncio.TimeoutError:
                continue
            await _handle(message, ingest, stop, report)
    finally:
        if not channel.is_closed:
            # Messages taken ahead but not written go back to the queue when the channel
            # closes (unacknowledged), for this or another consumer.
            if await _bounded(queue.cancel(tag), "cancelling the subscription"):
                await _bounded(channel.close(), "closing the channel")


async def _handle(
    message: aio_pika.abc.AbstractIncomingMessage,
    ingest: Callable[[Mapping[str, Any]], bool],
    stop: asyncio.Event,
    report: ConsumerReport,
) -> None:
    try:
        event = json.loads(message.body)
        if not isinstance(event, dict):
            raise ValueError("not a JSON object")
    except ValueError as error:
        logger.error("memory consumer: message %s set aside: %s", message.message_id, error)
        report.set_aside += 1
        await message.reject(requeue=False)
        return
    backoff = 0.0
    down_since: float | None = None
    while True:
        try:
            written = await asyncio.to_thread(ingest, event)
            break
        except TRANSIENT_ERRORS as error:
            if down_since is None:
                down_since = time.monotonic()
                reason = str(error).strip().splitlines()[0] if str(error) else error
                logger.warning(
                    "memory consumer: memory database unavailable (%s); the event waits", reason
                )
            if stop.is_set():
                await message.nack(requeue=True)
                return
            backoff = min(max(backoff * 2, 0.25), MAX_BACKOFF)
            await _sleep_unless(stop, backoff)
        except Exception as error:  # a malformed event must not block the queue
            logger.error("memory consumer: event %s set aside: %s", message.message_id, error)
            report.set_aside += 1
            await message.reject(requeue=False)
            return
    if down_since is not None:
        logger.warning(
            "memory consumer: memory database back after %.0f s", time.monotonic() - down_since
        )
    await message.ack()
    if written:
        report.written += 1
    else:
        report.unchanged += 1
    done = report.written + report.unchanged
    if done % PROGRESS_EVERY == 0:
        logger.info(
            "memory consumer: %d events written (%d with nothing new)",
            report.written,
            report.unchanged,
        )
