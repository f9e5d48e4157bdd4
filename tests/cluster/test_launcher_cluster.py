"""`python -m bot run --processes 2` behind real nginx, on PostgreSQL and Redis started here.

One launch for the whole module (each Rasa process takes a minute or more to load): customers
of the REST channel and of the widget (socket.io through nginx) talk; the Rasa process the
widget was on is killed with SIGKILL; the health page says so; both customers continue on the
other process with their history (it is in the shared PostgreSQL); SIGTERM stops everything.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from cluster_harness import RASA_API_TOKEN, Launched, free_ports, launch, say
from widget_client import Widget, texts

from bot import local_services

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def cluster(
    postgres_server: local_services.PostgresServer,
    redis_server: local_services.RedisServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Launched]:
    launched = launch(
        tmp_path_factory.mktemp("cluster"),
        2,
        postgres_server.ensure_database("cluster_tracker"),
        postgres_server.ensure_database("cluster_memory"),
        redis_server.url,
    )
    try:
        yield launched
    finally:
        launched.stop()


def user_texts(launched: Launched, number: int, sender: str) -> list[str]:
    """What the customer said, in order, as Rasa process `number` reads the conversation."""
    url = f"{launched.process_url(number)}/conversations/{sender}/tracker?token={RASA_API_TOKEN}"
    with urllib.request.urlopen(url, timeout=30) as reply:  # noqa: S310 - loopback
        tracker = json.loads(reply.read())
    return [event["text"] for event in tracker["events"] if event.get("event") == "user"]


def port_closed(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for_health(launched: Launched, part: str, status: str, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        code, report = launched.health()
        if report.get("parts", {}).get(part, {}).get("status") == status:
            return {"code": code, **report}
        assert time.monotonic() < deadline, f"{part} never {status}: {report}"
        time.sleep(1)


def test_the_health_page_reports_every_process(cluster: Launched) -> None:
    code, report = cluster.health()
    assert code == 200, report
    assert report["status"] == "ok"
    assert {"rasa-1", "rasa-2", "action server"} <= set(report["parts"])
    assert all(part["status"] == "ok" for part in report["parts"].values()), report
    # Anyone gets the verdict only.
    code, verdict = cluster.health(detail=False)
    assert (code, verdict) == (200, {"status": "ok"})
    # Each process's own page is reachable through nginx too.
    for number in (1, 2):
        with urllib.request.urlopen(f"{cluster.url}/health/{number}", timeout=10) as reply:  # noqa: S310
            assert json.loads(reply.read()) == {"status": "ok"}


def test_customers_continue_on_the_other_process_when_theirs_is_killed(
    cluster: Launched,
) -> None:
    sender = f"cluster-rest-{os.getpid()}"
    before = ["hi", "what are your opening hours?", "do you repair bikes?"]
    for text in before:
        assert say(cluster.url, sender, text), text

    async def widget_visit() -> tuple[str, list[str]]:
        widget = Widget(cluster.url)
        await widget.connect()
        token, _ = await widget.start_session()
        first = await widget.say("hello")
        await widget.close()
        return token, [first.get("text", "")]

    token, _ = asyncio.run(widget_visit())
    widget_ports = cluster.served_by("/socket.io/") - {cluster.rasa_port}
    assert len(widget_ports) == 1, widget_ports  # ip_hash: one process for the widget
    killed = next(iter(widget_ports)) - cluster.rasa_port
    survivor = 3 - killed

    os.kill(cluster.pids[f"Rasa process {killed}"], signal.SIGKILL)
    report = wait_for_health(cluster, f"rasa-{killed}", "down")
    assert report["code"] == 503 and report["status"] == "degraded"
    assert report["parts"][f"rasa-{survivor}"]["status"] == "ok"

    # The REST customer goes on through nginx; the other process has the whole conversation.
    after = ["can I book a repair?", "thanks"]
    for text in after:
        assert say(cluster.url, sender, text), text
    assert user_texts(cluster, survivor, sender) == [*before, *after]

    # The widget customer reconnects through nginx with their token: same conversation, with
    # its history, and the bot answers.
    async def widget_return() -> tuple[list[str], list[dict], dict]:
        widget = Widget(cluster.url)
        await widget.connect()
        _, history = await widget.start_session(token)
        reply = await widget.say("what are your opening hours?")
        await widget.close()
        return widget.errors(), history, reply

    errors, history, reply = asyncio.run(widget_return())
    assert errors == []  # neither refused nor expired: the same conversation
    assert "hello" in texts(history, "customer"), history
    assert reply.get("text")
    assert cluster.served_by("/socket.io/") - {cluster.rasa_port} >= {cluster.rasa_port + survivor}


def test_sigterm_stops_every_process(cluster: Launched) -> None:
    code = cluster.stop()
    assert code == 0, cluster.logs()
    assert "rapport: stopped." in cluster.output()
    for port in (cluster.rasa_port, cluster.rasa_port + 1, cluster.rasa_port + 2):
        assert port_closed(port), port
    assert cluster.pids, cluster.output()
    still = [name for name, pid in cluster.pids.items() if alive(pid)]
    assert not still, f"still running after SIGTERM: {still}"


def test_a_launch_without_shared_servers_is_refused(tmp_path: Path) -> None:
    """N processes on SQLite and in-process locks would lose customers: refused, saying why."""
    import subprocess
    import sys

    from bot.settings import ROOT

    env_file = tmp_path / "cluster.env"
    port = free_ports(3)
    env_file.write_text(f"LOG_DIR={tmp_path / 'log'}\nRASA_PORT={port}\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--env-file", str(env_file), "run", "--processes", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "RAPPORT_ENV_FILE"},
    )
    assert result.returncode == 1
    assert "not on PostgreSQL" in result.stderr and "REDIS_URL" in result.stderr, result.stderr
