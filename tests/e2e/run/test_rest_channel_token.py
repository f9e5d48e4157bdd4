"""The REST channel of the servers `python -m bot run` starts refuses callers without its token.

Kept apart from tests/e2e/run/test_run.py: this test uses the session's shared bot, and a module
that uses it runs on the shared bot's test worker, so `test_run.py`'s own two starts of the bot
can run on the other worker meanwhile (tests/conftest.py)."""

from __future__ import annotations

import urllib.error
from typing import Any

import pytest
from test_run import say

pytestmark = pytest.mark.e2e


def test_the_rest_channel_refuses_callers_without_the_token(shared_bot: Any) -> None:
    """On the servers `python -m bot run` started for the journeys (tests/e2e/conftest.py)."""
    for token in ("", "not-the-token"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            say(shared_bot.port, "customer:42", "/restart", token)
        assert refused.value.code == 401
    assert say(shared_bot.port, "e2e-rest", "hello", shared_bot.rest_token)
