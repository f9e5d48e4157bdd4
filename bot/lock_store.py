"""Rasa's Redis lock store (LOCK_STORE=redis), configured by REDIS_URL alone, and one that
keeps answering while Redis is down.

Several Rasa processes serving the same conversations need one lock per conversation across
all of them, so two messages of one conversation are processed one after the other whichever
process each reached. Rasa's `RedisLockStore` does that. This subclass reads host, port,
database and password from one URL (`endpoints.yml`: `url: ${RAPPORT_REDIS_URL}`), and when a
Redis call fails it logs an error and locks in this process instead: the customer still gets a
reply, and only the order of one conversation's messages reaching two processes at the same
moment is not guaranteed until Redis is back.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
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
                "this process locks its conversations by itself until Redis is back",
                error,
                self._failures,
            )
            self._failed_at, self._failures = now, 0

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
