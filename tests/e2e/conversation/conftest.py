"""The real bot for every conversation test here: the customer journeys' `bot` fixture, over the
Rasa + action server that tests/e2e/conftest.py starts once per session (`shared_bot`)."""

from __future__ import annotations

from test_customer_journeys import bot, servers_log  # noqa: F401
