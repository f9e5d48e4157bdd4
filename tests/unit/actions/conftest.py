"""Fixtures for action tests: the real domain, the sample shop and a fixed clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from action_testkit import TUESDAY_MORNING, set_clock
from rasa.shared.core.domain import Domain
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return Domain.load(str(ROOT / "domain.yml")).as_dict()


@pytest.fixture(autouse=True)
def sample_shop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    """The shipped business and records files, bookings in a fresh SQLite file, a fixed clock."""
    config = Settings(
        business_file=ROOT / "business.yml",
        shop_records_file=ROOT / "shop_records.yml",
        bookings_url=f"sqlite:///{tmp_path / 'bookings.db'}",
    )

    async def settings() -> Settings:
        return config

    monkeypatch.setattr(base, "settings", settings)
    set_clock(monkeypatch, TUESDAY_MORNING)
    return config


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
