"""Rasa's Redis lock store as Rapport configures it (bot/lock_store.py), on a real Redis: two
processes asking for a ticket of one conversation at the same moment never get the same one."""

from __future__ import annotations

import threading

import pytest
from rasa.utils.endpoints import EndpointConfig
from redis_server import RedisServer

from bot.lock_store import SharedLockStore

pytestmark = pytest.mark.cluster


def _store(url: str) -> SharedLockStore:
    return SharedLockStore(EndpointConfig(url=url, type="bot.lock_store.SharedLockStore"))


def test_tickets_taken_at_the_same_moment_by_two_processes_are_all_different(
    redis: RedisServer,
) -> None:
    stores = [_store(redis.url), _store(redis.url)]
    tickets: list[int] = []
    start = threading.Barrier(4)

    def take(store: SharedLockStore) -> None:
        start.wait()
        for _ in range(25):
            tickets.append(store.issue_ticket("c1", 60))

    threads = [threading.Thread(target=take, args=(stores[n % 2],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(tickets) == list(range(100))  # each number once, none skipped
    lock = stores[0].get_lock("c1")
    assert lock is not None and len(lock.tickets) == 100


def test_the_last_ticket_served_removes_the_lock(redis: RedisServer) -> None:
    a, b = _store(redis.url), _store(redis.url)
    first, second = a.issue_ticket("c1", 60), b.issue_ticket("c1", 60)
    a.cleanup("c1", first)
    lock = b.get_lock("c1")
    assert lock is not None and lock.now_serving == second
    b.cleanup("c1", second)
    assert a.get_lock("c1") is None
