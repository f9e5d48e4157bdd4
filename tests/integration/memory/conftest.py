"""Real databases for the memory tests: a SQLite file, and a PostgreSQL server started here.

The PostgreSQL server runs from Debian's binaries in a temporary folder on a free loopback port
and is stopped after the session. When it cannot start, the tests fail in CI (CI is set) and
are skipped with the reason elsewhere.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.future import create_engine

import memory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """A throw-away PostgreSQL server on 127.0.0.1 that tests may stop and start again."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("PostgreSQL binaries not found (apt-get install postgresql)")
        self.bin = Path(found[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="rapport-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:
            # initdb refuses to run as root: the server runs as the `postgres` user.
            shutil.chown(self.root, "postgres", "postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self._names = itertools.count(1)

    def _run(self, *command: str) -> None:
        result = subprocess.run(
            [*self.as_postgres, *command], capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {result.stderr.strip() or result.stdout}")

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """The URL of a new, empty database on the server."""
        name = f"memory_{next(self._names)}"
        engine = create_engine(self.url(), future=True, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


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
