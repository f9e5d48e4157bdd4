"""`python -m bot run`: starts both servers, answers a greeting, stops cleanly, starts again."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot import cli, settings
from bot.settings import ROOT

pytestmark = pytest.mark.e2e

# Two test workers start servers at the same time on two shared cores: a start may take minutes.
READY_SECONDS = cli.READY_TIMEOUT_SECONDS + 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    """True when nothing listens on the port (connections in TIME_WAIT don't count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def start(env_file: Path, log: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--env-file", str(env_file), "run", "--no-train"],
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_for(log: Path, text: str, process: subprocess.Popen[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in log.read_text():
            return
        if process.poll() is not None:
            break
        time.sleep(0.25)
    raise AssertionError(f"{text!r} not printed; output was:\n{log.read_text()}")


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


def test_run_answers_a_greeting_and_stops_cleanly_twice(tmp_path: Path) -> None:
    rasa_port, actions_port = free_port(), free_port()
    env_file = tmp_path / "test.env"
    env_file.write_text(
        f"RASA_PORT={rasa_port}\nACTIONS_PORT={actions_port}\n"
        f"TRACKER_DB={tmp_path / 'tracker.db'}\nDATABASE_URL=sqlite:///{tmp_path / 'memory.db'}\n"
        f"MEMORY_OUTBOX={tmp_path / 'memory-outbox.db'}\nLOG_DIR={tmp_path / 'log'}\n"
    )
    for attempt in range(2):
        log = tmp_path / f"run-{attempt}.log"
        process = start(env_file, log)
        try:
            # As long as `bot run` itself waits, so that a slow start fails with its own message.
            wait_for(log, "rapport: ready.", process, READY_SECONDS)
            output = log.read_text()
            assert f"http://127.0.0.1:{rasa_port}/" in output
            assert f"http://127.0.0.1:{rasa_port}/console" in output
            token = settings.load(env_file).rest_token
            replies = say(rasa_port, f"e2e-run-{attempt}", "hello", token)
            assert replies and all(reply.get("text") or reply.get("buttons") for reply in replies)
            # The memory writer `run` started beside the Rasa server wrote the message.
            memory_has(tmp_path / "memory.db", f"e2e-run-{attempt}", "hello", 60)
        finally:
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=60)
        assert code == 0, log.read_text()
        assert "rapport: stopped." in log.read_text()
        assert port_is_free(rasa_port) and port_is_free(actions_port)
