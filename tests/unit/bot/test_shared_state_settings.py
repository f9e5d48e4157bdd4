"""REDIS_URL and LOCK_STORE: one Rasa process with no Redis by default; with them, Rasa's
lock store is the Redis one (read from endpoints.yml as Rasa reads it), and a lock store whose
Redis does not answer still locks, in the process."""

from __future__ import annotations

import asyncio
import socket

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.utils import read_endpoints_from_path

from bot import settings
from bot.lock_store import SharedLockStore, redis_parts
from bot.settings import ROOT, SettingsError


def test_by_default_there_is_no_redis_and_locks_are_in_memory() -> None:
    loaded = settings.from_mapping({})
    assert loaded.redis_url == "" and loaded.lock_store == "in_memory"
    env = loaded.env_for_rasa()
    assert env["RAPPORT_REDIS_URL"] == "" and env["RAPPORT_LOCK_STORE"] == "in_memory"


def test_the_redis_lock_store_needs_a_redis_url() -> None:
    with pytest.raises(SettingsError, match=r"LOCK_STORE=redis in \.env needs REDIS_URL"):
        settings.from_mapping({"LOCK_STORE": "redis"})
    with pytest.raises(SettingsError, match="LOCK_STORE='cluster'"):
        settings.from_mapping({"LOCK_STORE": "cluster"})
    with pytest.raises(SettingsError, match=r"REDIS_URL in \.env is not a redis://"):
        settings.from_mapping({"REDIS_URL": "127.0.0.1:6379"})


def test_the_redis_url_is_not_shown_in_repr() -> None:
    loaded = settings.from_mapping({"REDIS_URL": "redis://:hush-hush@cache.internal:6380/2"})
    assert "hush-hush" not in repr(loaded)


def test_a_redis_url_gives_the_lock_store_its_host_port_database_and_password() -> None:
    parts = redis_parts("redis://:p%40ss@cache.internal:6380/2")
    assert (parts["host"], parts["port"], parts["db"]) == ("cache.internal", 6380, 2)
    assert parts["password"] == "p@ss" and parts["use_ssl"] is False
    assert redis_parts("rediss://cache.internal")["use_ssl"] is True
    assert redis_parts("redis://127.0.0.1")["port"] == 6379
    with pytest.raises(ValueError, match="REDIS_URL"):
        redis_parts("http://cache.internal")


def _lock_store(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> LockStore:
    for name, value in settings.from_mapping(values).env_for_rasa().items():
        monkeypatch.setenv(name, value)
    endpoints = read_endpoints_from_path(ROOT / "endpoints.yml")
    return LockStore.create(endpoints.lock_store)


def test_endpoints_yml_gives_rasa_the_lock_store_the_settings_choose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert type(_lock_store(monkeypatch, {})) is InMemoryLockStore
    shared = _lock_store(
        monkeypatch, {"REDIS_URL": "redis://127.0.0.1:6391/3", "LOCK_STORE": "redis"}
    )
    assert isinstance(shared, SharedLockStore)
    connection = shared.red.connection_pool.connection_kwargs
    assert (connection["host"], connection["port"], connection["db"]) == ("127.0.0.1", 6391, 3)
    assert shared.key_prefix == "rapport:lock:"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_while_redis_does_not_answer_the_conversation_is_locked_in_the_process(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = _lock_store(
        monkeypatch,
        {"REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0", "LOCK_STORE": "redis"},
    )
    order: list[str] = []

    async def turn(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock("c1", wait_time_in_seconds=0.01):
            order.append(f"{name} in")
            await asyncio.sleep(0.05)
            order.append(f"{name} out")

    async def both() -> None:
        await asyncio.gather(turn("first", 0), turn("second", 0.01))

    asyncio.run(both())
    assert order == ["first in", "first out", "second in", "second out"]
    assert "the Redis lock store does not answer" in caplog.text
