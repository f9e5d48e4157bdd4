"""Real databases for the memory tests: a SQLite file, and a PostgreSQL server started here.

The PostgreSQL server (`bot.local_services`) runs from Debian's binaries in a temporary folder
on a free loopback port and is stopped after the session. When it cannot start, the tests fail
in CI (CI is set) and are skipped with the reason elsewhere.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import memory
from bot import local_services


class PostgresServer(local_services.PostgresServer):
    """A throw-away PostgreSQL server on 127.0.0.1 in a new temporary folder, which tests may
    stop (at once, as a crash would) and start again."""

    def __init__(self) -> None:
        super().__init__(Path(tempfile.mkdtemp(prefix="rapport-pg-")))
        self._names = itertools.count(1)

    def stop(self) -> None:
        self.crash()

    def new_database(self) -> str:
        """The URL of a new, empty database on the server."""
        return self.ensure_database(f"memory_{next(self._names)}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer()
        server.init()
        server.start()
    except Exception as error:  # any reason the server cannot start
        reason = f"PostgreSQL test server could not start: {error}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(f"SKIPPED LOUDLY, PostgreSQL tests did not run: {reason}")
    try:
        yield server
    finally:
        try:
            server.stop()
        except RuntimeError:
            pass  # already stopped by a test
        server.remove()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def memory_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty memory database on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'memory.db'}"
    else:
        url = request.getfixturevalue("postgres_server").new_database()
    memory.migrate(url)
    return url
