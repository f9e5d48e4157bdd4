"""Engines for the relationship memory: SQLite (WAL, foreign keys on) or any SQLAlchemy URL.

On SQLite every connection deletes securely (deleted rows are overwritten, not left in free
pages), and `checkpoint` folds the write-ahead log back into the database file and empties it:
after a customer is forgotten, their words are in neither file.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.future import create_engine
from sqlalchemy.pool import NullPool, QueuePool

from memory.files import private_file

logger = logging.getLogger(__name__)


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
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _secure_delete_only(connection: Any, _record: Any) -> None:
    # A database another program owns (Rasa's tracker store, the bookings): its journal mode
    # is left as it is; only what we delete is overwritten.
    cursor = connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(database_url: str, pool: bool = True, owned: bool = True) -> Engine:
    """A 2.0-style engine for `database_url`; creates the folder of a SQLite file.

    `owned=False` is for another program's database: on SQLite only secure deletes are set.
    """
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
        event.listen(engine, "connect", _sqlite_pragmas if owned else _secure_delete_only)
    return engine


def checkpoint(engine: Engine) -> bool:
    """On SQLite, move the write-ahead log into the database file and truncate it.

    Called after deleting a customer, so that their words are not left in the log. False when
    a reader kept the log from being emptied (it is emptied by a later checkpoint).
    """
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
    if busy is not None and busy[0]:
        logger.warning("the SQLite log of %s could not be emptied yet", engine.url.database)
        return False
    return True
