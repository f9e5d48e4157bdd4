"""The pieces of `python -m bot run --processes N` that need no Rasa: the refusal without
shared servers, nginx's configuration (checked by nginx itself), and the cluster's health page
asking real HTTP servers."""

from __future__ import annotations

import grp
import json
import os
import stat
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot import cluster, local_services, settings
from bot.processes import Service, StartError

POSTGRES = "postgresql://rapport@db.example/rapport"
TOKEN = "cluster-unit-health-token"


def test_sqlite_and_in_process_locks_are_refused_saying_what_to_set() -> None:
    config = settings.from_mapping({})
    with pytest.raises(StartError) as raised:
        cluster.check_can_cluster(config)
    message = str(raised.value)
    assert "TRACKER_URL=postgresql" in message
    assert "DATABASE_URL=postgresql" in message
    assert "REDIS_URL" in message
    assert "--start-services" in message


def test_postgresql_and_redis_are_enough() -> None:
    config = settings.from_mapping(
        {"TRACKER_URL": POSTGRES, "DATABASE_URL": POSTGRES, "REDIS_URL": "redis://r:6379/0"}
    )
    assert cluster.refusals(config) == []


def test_a_redis_url_that_is_not_one_is_refused() -> None:
    with pytest.raises(settings.SettingsError, match="REDIS_URL"):
        settings.from_mapping({"REDIS_URL": "localhost:6379"})


def test_the_processes_take_the_ports_after_nginx() -> None:
    config = settings.from_mapping({"RASA_PORT": "6000"})
    assert cluster.rasa_ports(config, 3) == [6001, 6002, 6003]


@pytest.mark.skipif(not cluster.NGINX.exists(), reason="nginx is not installed")
def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    config = cluster.write_nginx(
        tmp_path, "127.0.0.1:6000", ["127.0.0.1:6001", "127.0.0.1:6002"], "127.0.0.1:6009"
    )
    text = config.read_text()
    assert "ip_hash;" in text and "least_conn;" in text
    assert text.count("server 127.0.0.1:6001") == 2  # in both upstreams
    assert "location = /health/2" in text and "127.0.0.1:6002/webhooks/widget/health" in text
    assert "@{" not in text
    result = subprocess.run(
        [*cluster.nginx_command(config)[:-2], "-t", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


def test_the_client_address_comes_from_nginx_alone() -> None:
    forwarded = cluster.FORWARDED.read_text()
    assert "X-Forwarded-For $remote_addr;" in forwarded
    assert "proxy_add_x_forwarded_for" not in forwarded


class Answering(BaseHTTPRequestHandler):
    """A process's health page that answers what the class says."""

    code = 200

    def do_GET(self) -> None:
        body = json.dumps({"status": "ok" if self.code == 200 else "degraded"}).encode()
        self.send_response(self.code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def process_page() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answering)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/health"
    server.shutdown()
    server.server_close()


def get(url: str, token: str = "") -> tuple[int, dict]:
    request = urllib.request.Request(url)  # noqa: S310 - loopback
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_health_page_reports_a_process_that_is_down(process_page: str, tmp_path: Path) -> None:
    gone = Service("rasa 2", [sys.executable, "-c", "pass"], tmp_path / "gone.log")
    gone.start({})
    assert gone.process is not None
    gone.process.wait(30)
    members = [
        cluster.Member("rasa-1", None, process_page),
        cluster.Member("rasa-2", gone, process_page),
        cluster.Member("rasa-3", None, "http://127.0.0.1:9/nothing"),
    ]
    page = cluster.HealthPage(members, TOKEN)
    page.start()
    try:
        code, report = get(f"http://{page.address}/", TOKEN)
        assert code == 503
        assert report["status"] == "degraded"
        assert report["parts"]["rasa-1"]["status"] == "ok"
        assert report["parts"]["rasa-2"]["status"] == "down"  # its process exited
        assert report["parts"]["rasa-3"]["status"] == "down"  # nobody answers
        assert get(f"http://{page.address}/") == (503, {"status": "degraded"})
        assert get(f"http://{page.address}/", "wrong")[0] == 401
    finally:
        page.stop()


def test_the_health_page_is_ok_when_every_process_is(process_page: str) -> None:
    page = cluster.HealthPage([cluster.Member("rasa-1", None, process_page)], TOKEN)
    page.start()
    try:
        assert get(f"http://{page.address}/") == (200, {"status": "ok"})
    finally:
        page.stop()


def test_a_member_argument_without_a_url_is_refused() -> None:
    with pytest.raises(StartError, match="NAME=URL"):
        cluster.member_from_argument("rasa-1")
    assert cluster.member_from_argument("a b=http://x:1/h").name == "a b"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands folders to another user")
def test_postgres_may_pass_through_a_private_folder_to_its_own(tmp_path: Path) -> None:
    try:
        group = grp.getgrnam("postgres").gr_gid
    except KeyError:
        pytest.skip("Debian's postgres user is not on this machine")
    top = tmp_path / "var"
    services = top / "services"
    services.mkdir(parents=True)
    top.chmod(0o700)
    services.chmod(0o700)
    secret = top / "memory.db"
    secret.write_text("private")
    secret.chmod(0o600)

    local_services.let_postgres_through(services / "postgres", top)

    for folder in (top, services):
        mode = folder.stat().st_mode
        assert folder.stat().st_gid == group
        assert stat.S_IMODE(mode) == 0o710  # the group may pass, not list; others nothing
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert tmp_path.stat().st_gid != group  # nothing above the top is touched
    assert local_services.postgres_passes(top)
    assert not local_services.postgres_passes(tmp_path)


def test_each_rasa_process_gets_a_memory_writer_for_its_own_outbox(tmp_path: Path) -> None:
    import dataclasses

    values = {"TRACKER_URL": POSTGRES, "DATABASE_URL": POSTGRES, "REDIS_URL": "redis://r:6379/0"}
    config = dataclasses.replace(
        settings.from_mapping(values),
        memory_outbox=tmp_path / "outbox.db",
        log_dir=tmp_path / "log",
    )
    built = cluster.Cluster(config, 2, tmp_path / "models", {})
    built.build()
    writers = [s for s in built.services if s.name.startswith("memory writer")]
    outboxes = [writer.command[writer.command.index("--outbox") + 1] for writer in writers]
    assert outboxes == [str(tmp_path / "outbox-1.db"), str(tmp_path / "outbox-2.db")]
    assert [m.name for m in built.members if m.name.startswith("writer")] == [
        "writer-1",
        "writer-2",
    ]
    # With RabbitMQ's consumers (or MEMORY_WRITER=rasa) there is none.
    fed = dataclasses.replace(config, exchange_feed="rabbitmq")
    consumers = cluster.Cluster(fed, 2, tmp_path / "models", {})
    consumers.build()
    assert not [s for s in consumers.services if s.name.startswith("memory writer")]
