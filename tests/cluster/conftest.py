"""The scale-out path on real servers: RabbitMQ, PostgreSQL and Redis from Debian's packages,
started here on loopback in temporary folders.

When a server cannot start, the tests fail in CI (CI is set) and are skipped with the reason
elsewhere. Each test starts with the exchange queues empty and Redis flushed.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aio_pika
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The Rasa server harness lives with the widget's channel tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "widget"))

from rabbitmq_server import RabbitServer
from redis_server import RedisServer

from bot import local_services
from bot.exchange_feed import FAILED_QUEUE, QUEUE, declare


def _started(name: str, make: Callable[[], Any]) -> Any:
    """A test server made and started; in CI a server that cannot start fails the tests,
    elsewhere it skips them, saying why."""
    server = None
    try:
        server = make()
        if isinstance(server, local_services.PostgresServer):
            server.init()
        server.start()
    except Exception as error:  # any reason the server cannot start
        if server is not None:
            server.remove()
        reason = f"{name} test server could not start: {error}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(f"SKIPPED LOUDLY, the cluster tests did not run: {reason}")
    return server


@pytest.fixture(scope="session")
def rabbitmq_server() -> Iterator[RabbitServer]:
    server = _started("RabbitMQ", RabbitServer)
    try:
        yield server
    finally:
        server.remove()


async def _purge(url: str) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await declare(channel)
        for name in (QUEUE, FAILED_QUEUE):
            await (await channel.get_queue(name)).purge()


async def queue_depth(url: str, name: str = QUEUE) -> int:
    """Messages ready in a queue (not counting those delivered and not yet acknowledged)."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        return int(queue.declaration_result.message_count or 0)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = _started("Redis", RedisServer)
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def redis(redis_server: RedisServer) -> Iterator[RedisServer]:
    """The running server, emptied."""
    if redis_server.process is None:
        redis_server.start()  # a test stopped it and failed before starting it again
    redis_server.flush()
    yield redis_server


@pytest.fixture
def rabbitmq(rabbitmq_server: RabbitServer) -> Iterator[RabbitServer]:
    """The running server with empty exchange queues."""
    if rabbitmq_server.process is None:
        rabbitmq_server.start()  # a test stopped it and failed before starting it again
    asyncio.run(_purge(rabbitmq_server.url))
    yield rabbitmq_server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[local_services.PostgresServer]:
    server = _started(
        "PostgreSQL",
        lambda: local_services.PostgresServer(Path(tempfile.mkdtemp(prefix="rapport-pg-"))),
    )
    try:
        yield server
    finally:
        try:
            server.crash()
        except local_services.ServiceUnavailable:
            pass  # already stopped
        server.remove()
