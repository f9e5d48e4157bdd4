"""Fixtures for action tests: the real domain, the sample shop and a fixed clock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from action_testkit import TUESDAY_MORNING, set_clock, use_settings
from rasa.shared.core.domain import Domain
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return Domain.load(str(ROOT / "domain.yml")).as_dict()


@pytest.fixture(scope="session")
def memory_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated memory database, copied for each test (migrating once is enough)."""
    import memory

    path = tmp_path_factory.mktemp("memory") / "template.db"
    memory.migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(autouse=True)
def sample_shop(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, memory_template: Path
) -> Iterator[Settings]:
    """The shipped business and records files, bookings in a fresh SQLite file, a fixed clock."""

    def empty_memory(folder: Path) -> Path:
        copy = folder / "memory.db"
        shutil.copyfile(memory_template, copy)
        return copy

    config = Settings(
        business_file=ROOT / "business.yml",
        shop_records_file=ROOT / "shop_records.yml",
        bookings_url=f"sqlite:///{tmp_path / 'bookings.db'}",
        # Never the real var/memory.db: an empty memory of this test's own.
        database_url=f"sqlite:///{empty_memory(tmp_path)}",
    )

    services = use_settings(monkeypatch, config)
    set_clock(monkeypatch, TUESDAY_MORNING)
    yield config
    services.close()  # this test's memory store


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
