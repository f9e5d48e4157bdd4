"""The databases and logs Rapport creates are readable by their owner only, whatever the umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from actions.shop_records import RepairBookings
from bot import cli, processes
from bot.settings import ROOT, Settings
from memory.db import make_engine
from memory.files import private_file


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    # As a shell with the common default would start Rapport.
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_sqlite_database_and_its_folder_are_private(tmp_path: Path) -> None:
    database = tmp_path / "var" / "memory.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    assert mode(database.parent) == 0o700
    assert mode(database) == 0o600


def test_the_bookings_database_is_private(tmp_path: Path) -> None:
    database = tmp_path / "var" / "bookings.db"
    RepairBookings(f"sqlite:///{database}")._ready_engine().dispose()
    assert mode(database.parent) == 0o700
    assert mode(database) == 0o600


def test_process_logs_are_private(tmp_path: Path) -> None:
    log = tmp_path / "log" / "rasa.log"
    service = processes.Service("a process", [sys.executable, "-c", "print('hello')"], log)
    service.start(dict(os.environ))
    assert service.process is not None
    service.process.wait(30)
    assert mode(log.parent) == 0o700
    assert mode(log) == 0o600


def test_preparing_to_run_makes_var_and_the_tracker_database_private(tmp_path: Path) -> None:
    config = Settings(
        database_url=f"sqlite:///{tmp_path / 'memory.db'}",
        tracker_db=str(tmp_path / "tracker.db"),
    )
    cli.prepare(config)
    assert mode(ROOT / "var") == 0o700
    assert mode(tmp_path / "tracker.db") == 0o600
    assert mode(tmp_path / "memory.db") == 0o600


def test_the_command_line_starts_everything_with_a_private_umask() -> None:
    # Rasa and the action server, started by `python -m bot`, create files of their own (the
    # tracker store, for one): they inherit a umask that keeps those files to their owner.
    probe = (
        "import os, runpy, sys\n"
        "sys.argv = ['bot', '--help']\n"
        "try:\n"
        "    runpy.run_module('bot', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(oct(os.umask(0)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "0o77"


def test_the_memory_outbox_is_private(tmp_path: Path) -> None:
    from memory.ingest import Outbox

    Outbox(tmp_path / "var" / "memory-outbox.db")
    assert mode(tmp_path / "var") == 0o700
    assert mode(tmp_path / "var" / "memory-outbox.db") == 0o600


def test_making_a_database_private_keeps_the_locks_of_its_open_connections(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "memory.db"
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE said (words TEXT)")
    writer.execute("INSERT INTO said VALUES ('first')")
    writer.commit()
    private_file(path)  # as a store built later in the same process does
    # Another process uses the database and closes it, as the command line or a test would.
    reader = (
        f"import sqlite3; c = sqlite3.connect({str(path)!r}); "  # noqa: S608
        "c.execute('SELECT count(*) FROM said'); c.close()"
    )
    subprocess.run([sys.executable, "-c", reader], check=True, timeout=60)
    writer.execute("INSERT INTO said VALUES ('second')")
    writer.commit()
    fresh = sqlite3.connect(path)
    try:
        assert fresh.execute("SELECT count(*) FROM said").fetchone()[0] == 2
    finally:
        fresh.close()
        writer.close()
