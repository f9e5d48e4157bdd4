"""The widget's browser tests use the shared server and Chromium of tests/e2e/conftest.py."""

from __future__ import annotations

import pytest
from rapport_widget_server import WidgetServer


@pytest.fixture
def widget_server(rapport_server: WidgetServer) -> WidgetServer:
    return rapport_server


@pytest.fixture
def browser(chromium):
    return chromium
