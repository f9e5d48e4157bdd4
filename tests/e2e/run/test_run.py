"""`python -m bot run`: starts both servers, answers a greeting, stops cleanly, starts again.

On the session's shared bot (tests/e2e/conftest.py), which is `python -m bot run` on ports and
databases of its own: a start of the bot costs minutes of the test run's CPU, so this test
stops that one and starts it again on the same data instead of starting two of its own. The
restarted bot serves the session's other tests, and the session's end stops it a second time,
checking that it stopped cleanly (tests/e2e/conversation/test_customer_journeys.py,
`running_bot`).
"""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from pathlib import Path

import pytest
from test_customer_journeys import Bot, port_is_free

from bot import cli, settings

pytestmark = pytest.mark.e2e

# Two test workers start servers at the same time on two shared cores: a start may take minutes.
READY_SECONDS = cli.READY_TIMEOUT_SECONDS + 30


def say(port: int, sender: str, text: str, token: str) -> list[dict[str, object]]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as reply:  # noqa: S310 - loopback
        return list(json.loads(reply.read()))


def memory_has(database: Path, sender: str, text: str, seconds: float) -> None:
    import sqlite3

    deadline = time.monotonic() + seconds
    found: list[str] = []
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as connection:
            try:
                found = [
                    row[0]
                    for row in connection.execute(
                        "SELECT e.text FROM exchanges e JOIN conversations c"
                        " ON e.conversation_id = c.id WHERE c.sender_id = ?"
                        " AND e.speaker = 'customer'",
                        (sender,),
                    )
                ]
            except sqlite3.OperationalError:  # no tables yet
                found = []
        if text in found:
            return
        time.sleep(0.25)
    raise AssertionError(f"memory never logged {text!r} from {sender} (found {found})")


def test_run_answers_a_greeting_stops_cleanly_and_starts_again_on_the_same_data(
    shared_bot: Bot,
) -> None:
    run = shared_bot.run
    config = settings.load(run.env_file)
    rasa_port, actions_port = config.rasa_port, config.actions_port
    for attempt in range(2):
        if attempt:
            # Again with the same settings file: the same ports, tracker, memory and outbox.
            run.start(READY_SECONDS)
        output = run.log.read_text()
        assert "rapport: ready." in output
        assert f"http://127.0.0.1:{rasa_port}/" in output
        assert f"http://127.0.0.1:{rasa_port}/console" in output
        sender = f"e2e-run-{attempt}"
        replies = say(rasa_port, sender, "hello", config.rest_token)
        assert replies and all(reply.get("text") or reply.get("buttons") for reply in replies)
        # The memory writer `run` started beside the Rasa server wrote the message.
        memory_has(run.folder / "memory.db", sender, "hello", 60)
        if attempt == 0:
            code = run.stop(signal.SIGINT)  # Ctrl-C in the terminal
            assert code == 0, run.log.read_text()
            assert "rapport: stopped." in run.log.read_text()
            assert port_is_free(rasa_port) and port_is_free(actions_port)
