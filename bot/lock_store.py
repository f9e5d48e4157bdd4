"""Rasa's Redis lock store (LOCK_STORE=redis), configured by REDIS_URL alone, and one that
keeps answering while Redis is down.

Several Rasa processes serving the same conversations need one lock per conversation across
all of them, so two messages of one conversation are processed one after the other whichever
process each reached. Rasa's `RedisLockStore` does that. This subclass reads host, port,
database and password from one URL (`endpoints.yml`: `url: ${RAPPORT_REDIS_URL}`), and when a
Redis call fails it logs an error and falls back to a lock in this process: the customer still
gets a reply, and only the order of one conversation's messages reaching two processes at the same
moment is not guaranteed until Redis is back.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 2.0
ERROR_LOG_SECONDS = 60.0
KEY_PREFIX = "rapport"


def redis_parts(url: str) -> dict[str, Any]:
    """Host, port, database, user and password of a redis:// or rediss:// URL, as Rasa's
    `RedisLockStore` takes them."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError(
            f"the lock store's Redis URL {parts.scheme}://{parts.hostname or ''}... is not a "
            "redis:// address; set REDIS_URL=redis://host:6379/0 in .env"
        )
    database = parts.path.strip("/") or "0"
    return {
        "host": parts.hostname,
        "port": parts.port or 6379,
        "db": int(database),
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": parts.scheme == "rediss",
    }


class SharedLockStore(RedisLockStore):
    """`lock_store: type: bot.lock_store.SharedLockStore` with `url: redis://...`."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        extra = dict(endpoint_config.kwargs or {})
        super().__init__(
            **redis_parts(str(endpoint_config.url or "")),
            key_prefix=str(extra.get("key_prefix") or KEY_PREFIX),
            socket_timeout=float(extra.get("socket_timeout") or REDIS_TIMEOUT_SECONDS),
        )
        self.local = InMemoryLockStore()
        self._failed_at = 0.0
        self._failures = 0

    def _failed(self, error: Exception) -> None:
        self._failures += 1
        now = time.monotonic()
        if now - self._failed_at >= ERROR_LOG_SECONDS:
            logger.error(
                "the Redis lock store does not answer (%s; %d failures since the last report): "
                "this process takes its conversations' lock by itself until Redis is back",
                error,
                self._failures,
            )
            self._failed_at, self._failures = now, 0

    def _change(
        self, conversation_id: str, change: Callable[[TicketLock], Any], create: bool = False
    ) -> Any:
        """Read, change and write a conversation's lock in one Redis transaction (WATCH):
        Rasa's own read-then-write lets two processes take the same ticket at the same moment.
        A lock `change` leaves with no ticket is deleted."""
        key = self.key_prefix + conversation_id
        outcome: list[Any] = [None]

        def apply(pipe: Any) -> None:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            if lock is None and create:
                lock = self.create_lock(conversation_id)
            outcome[0] = change(lock) if lock is not None else None
            pipe.multi()
            if lock is not None and lock.tickets:
                pipe.set(key, lock.dumps())
            elif lock is not None:
                pipe.delete(key)

        self.red.transaction(apply, key)
        return outcome[0]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return int(
                self._change(
                    conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True
                )
            )
        except Exception as error:
            self._failed(error)
            try:
                return self.local.issue_ticket(conversation_id, lock_lifetime)
            except Exception as local_error:
                raise LockError(f"Error while acquiring lock. Error:\n{local_error}") from None

    def update_lock(self, conversation_id: str) -> None:
        try:
            self._change(conversation_id, lambda lock: lock.remove_expired_tickets())
        except Exception as error:
            self._failed(error)
            self.local.update_lock(conversation_id)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        try:
            self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))
        except Exception as error:
            self._failed(error)
            self.local.finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # One transaction: the ticket goes, and the lock with it when nobody else waits.
        self.finish_serving(conversation_id, ticket_number)
        self.local.cleanup(conversation_id, ticket_number)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        try:
            return super().get_lock(conversation_id)
        except Exception as error:  # redis-py's connection and timeout errors, among others
            self._failed(error)
            return self.local.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self.local.delete_lock(conversation_id)
        try:
            super().delete_lock(conversation_id)
        except Exception as error:
            self._failed(error)

    def save_lock(self, lock: TicketLock) -> None:
        try:
            super().save_lock(lock)
        except Exception as error:
            self._failed(error)
            self.local.save_lock(lock)
