"""The REST channel of the servers `python -m bot run` starts refuses callers without its token.

On the session's shared bot, as tests/e2e/run/test_run.py, which stops and restarts that bot:
this test passes on the bot before or after the restart."""

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
