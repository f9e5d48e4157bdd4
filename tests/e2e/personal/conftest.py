"""The real bot for the three-visit test: the same Rasa + action server fixture as the journeys."""

from __future__ import annotations

import sys
from pathlib import Path

# The conversation journeys own the fixture that starts Rasa and the action server; reuse it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conversation"))

from test_customer_journeys import bot, servers_log  # noqa: F401
