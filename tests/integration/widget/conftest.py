"""Fixtures of the widget channel tests: one real Rasa server for the whole test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import rapport_widget_server
from rapport_widget_server import WidgetServer


@pytest.fixture(scope="session")
def widget_server() -> Iterator[WidgetServer]:
    server = rapport_widget_server.start()
    yield server
    rapport_widget_server.stop()
