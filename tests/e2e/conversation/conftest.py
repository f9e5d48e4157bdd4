"""The real bot for every conversation test here: the customer journeys' Rasa + action server
fixture, shared with the other modules of this folder."""

from __future__ import annotations

from test_customer_journeys import bot, servers_log  # noqa: F401
