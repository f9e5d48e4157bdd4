"""The widget channel's check of the conversations' database: gone is an error at once, busy
is not gone (a full thread pool or SQLite's lock must not turn customers away)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot import composition, health


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    env = tmp_path / ".env"
    env.write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'memory.db'}\n", encoding="utf-8")
    monkeypatch.setenv("RAPPORT_ENV_FILE", str(env))
    monkeypatch.setattr(composition, "_services", None)
    store = SimpleNamespace(engine=object())  # the engine is only handed to the probe
    return SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=store)))


async def test_a_database_that_answers_is_reachable(app: Any, monkeypatch) -> None:
    monkeypatch.setattr(health, "_select_one", lambda engine, table="": None)
    assert await health.tracker_store_reachable(app)


async def test_a_database_that_went_away_is_not_reachable(app: Any, monkeypatch) -> None:
    def gone(engine: Any, table: str = "") -> None:
        raise sqlite3.OperationalError("no such table: events")

    monkeypatch.setattr(health, "_select_one", gone)
    assert not await health.tracker_store_reachable(app)


async def test_a_busy_database_is_not_taken_for_gone(app: Any, monkeypatch) -> None:
    def slow(engine: Any, table: str = "") -> None:
        time.sleep(0.5)

    def locked(engine: Any, table: str = "") -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(health, "PROBE_SECONDS", 0.05)
    monkeypatch.setattr(health, "_select_one", slow)
    assert await health.tracker_store_reachable(app)
    monkeypatch.setattr(health, "_select_one", locked)
    assert await health.tracker_store_reachable(app)
