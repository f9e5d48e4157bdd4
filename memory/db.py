"""Engines for the relationship memory: SQLite (WAL, foreign keys on) or any SQLAlchemy URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.future import create_engine
from sqlalchemy.pool import NullPool, QueuePool

from memory.files import private_file


class MemoryUnavailable(RuntimeError):
    """The memory database cannot be reached or used; the message says what to check."""


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL lets the bot read cards while the broker writes; foreign keys are off by default
    # in SQLite and the schema relies on them for cascading deletes.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(database_url: str, pool: bool = True) -> Engine:
    """A 2.0-style engine for `database_url`; creates the folder of a SQLite file."""
    try:
        url = make_url(database_url)
    except Exception:
        raise MemoryUnavailable(
            f"DATABASE_URL={database_url!r} is not a database URL; "
            "use sqlite:///var/memory.db or postgresql+psycopg2://user:pass@host/db."
        ) from None
    options: dict[str, Any] = {"future": True}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            # Created by us, for our user only: it holds customers' conversations and facts.
            private_file(Path(url.database))
        options["connect_args"] = {"check_same_thread": False, "timeout": 5}
        # SQLAlchemy 1.4 opens a new SQLite connection per use by default; reusing them saves
        # most of a card read (each new connection re-runs the pragmas below).
        options["poolclass"] = QueuePool
    else:
        options["pool_pre_ping"] = True
    if not pool:
        options["poolclass"] = NullPool
    engine = create_engine(url, **options)
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine
