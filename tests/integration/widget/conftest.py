"""Fixtures of the widget channel tests: one real Rasa server for the whole test session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import rapport_widget_server
from rapport_widget_server import WidgetServer
from widget_client import Widget


@pytest.fixture(scope="session")
def widget_server() -> Iterator[WidgetServer]:
    server = rapport_widget_server.start()
    yield server
    rapport_widget_server.stop()


@pytest.fixture(scope="session")
def restartable_server() -> Iterator[WidgetServer]:
    """A server apart from the shared one, for the tests that stop, kill, restart or reload its
    processes: the fault tests, then the model loading (a server started the way `make run`
    starts it, Rasa's API on). One start for both, in that order; each leaves it running."""
    server = rapport_widget_server.start_server(
        rapport_widget_server.SHARED_SERVER_LIMITS, log_folder="widget-fault-tests"
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def away_server() -> Iterator[tuple[WidgetServer, str]]:
    """The server whose team is away and whose limits are small, with when its team is back:
    the out-of-hours tests' and the widget limits tests' (rapport_widget_server.start_away)."""
    yield rapport_widget_server.start_away()
    rapport_widget_server.stop_away()


@pytest.fixture
async def open_widget(widget_server: WidgetServer) -> AsyncIterator:
    widgets: list[Widget] = []

    async def make(headers: dict[str, str] | None = None) -> Widget:
        widget = Widget(widget_server.url)
        await widget.connect(headers)
        widgets.append(widget)
        return widget

    yield make
    for widget in widgets:
        await widget.close()
