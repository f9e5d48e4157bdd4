"""A throw-away Redis server for the cluster tests, from Debian's `redis-server` package.

It is `bot.local_services.RedisServer` (the one `python -m bot run --start-services` starts) in
a temporary folder, without persistence (no snapshots, no append-only file), so it meets no
other Redis on the machine and leaves nothing behind. Tests may stop it and start it again on
the same port: it comes back empty, as a Redis without persistence does.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot import local_services


def installed() -> bool:
    return local_services.REDIS_SERVER.exists()


class RedisServer(local_services.RedisServer):
    """One Redis on 127.0.0.1 in a new temporary folder, without a password (loopback only)."""

    def __init__(self) -> None:
        super().__init__(Path(tempfile.mkdtemp(prefix="rapport-redis-")), persist=False)
