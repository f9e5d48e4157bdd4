"""Fixtures shared by the end-to-end tests: the real Rasa + action server of the widget's tests,
`python -m bot run` for the journeys (`shared_bot`), and headless Chromium, each started once.

Playwright's sync API runs an event loop in the test thread while it is open, so Chromium is
opened per test module and closed before the asyncio tests that follow run.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The server helper lives with the widget's channel tests; one instance per test session.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "widget"))

import rapport_widget_server
from rapport_widget_server import WidgetServer

# The conversation journeys' REST client and `python -m bot run` harness.
sys.path.insert(0, str(Path(__file__).resolve().parent / "conversation"))

from test_customer_journeys import Bot, start_shared_bot

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def rapport_server() -> Iterator[WidgetServer]:
    server = rapport_widget_server.start()
    yield server
    rapport_widget_server.stop()


@pytest.fixture(scope="session")
def away_server() -> Iterator[tuple[WidgetServer, str]]:
    """The server whose team is away and whose limits are small, with when its team is back:
    the out-of-hours tests' and the widget limits tests' (rapport_widget_server.start_away)."""
    yield rapport_widget_server.start_away()
    rapport_widget_server.stop_away()


@pytest.fixture(scope="session")
def shared_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """`python -m bot run` on its own ports and databases, once per session: the `bot` fixture
    of the conversation and personal journeys (starting it takes a minute or more)."""
    yield from start_shared_bot(tmp_path_factory)


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
