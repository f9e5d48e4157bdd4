"""Several Rasa processes behind nginx on one machine: `python -m bot run --processes N`.

Ports: nginx listens on RASA_PORT (what customers and agents open); Rasa process n (1..N) on
RASA_PORT + n, on loopback; the action server on ACTIONS_PORT; the cluster's health page on a
free loopback port that only nginx reaches (`GET /health` through nginx). nginx sends the
widget's socket.io and the console to one process per client address (`ip_hash`) and the REST
webhook to the least busy process. What the processes share lives on real servers: the
conversations and the memory on PostgreSQL, the lock store in Redis, the exchange feed in RabbitMQ
(EXCHANGE_FEED=rabbitmq, drained by CONSUMERS memory consumers started here). With the
embedded feed each Rasa process has an outbox of its own and a memory writer process beside it
(MEMORY_WRITER=process), or writes memory itself (MEMORY_WRITER=rasa).
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import os
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bot import local_services, processes
from bot import settings as settings_module
from bot.processes import Service, StartError
from bot.settings import Settings

NGINX = Path("/usr/sbin/nginx")
TEMPLATE = Path(__file__).resolve().parent / "nginx" / "rapport.conf.template"
FORWARDED = Path(__file__).resolve().parent / "nginx" / "forwarded.conf"
# Each Rasa process's own health page (the widget channel's).
PROCESS_HEALTH_PATH = "/webhooks/widget/health"
# nginx and the Rasa processes talk over loopback: the bot believes nginx's X-Forwarded-For.
LOOPBACK_PROXIES = ("127.0.0.1/32", "::1/128")
HEALTH_PROBE_SECONDS = 3.0


def rasa_ports(config: Settings, count: int) -> list[int]:
    """The ports of the Rasa processes: RASA_PORT + 1 ... RASA_PORT + count."""
    return [config.rasa_port + number for number in range(1, count + 1)]


def refusals(config: Settings) -> list[str]:
    """Why `config` cannot run several Rasa processes (empty: it can)."""
    problems = []
    if not config.tracker_store_url.startswith("postgresql"):
        problems.append(
            "the conversations are not on PostgreSQL (set TRACKER_URL=postgresql://...)"
        )
    if not config.database_url.startswith("postgresql"):
        problems.append("the memory is not on PostgreSQL (set DATABASE_URL=postgresql://...)")
    if not config.redis_url:
        problems.append("REDIS_URL is not set (the processes share their lock store in Redis)")
    return problems


def check_can_cluster(config: Settings) -> None:
    """Refuse, saying what to set, when N processes would lose customers."""
    problems = refusals(config)
    if problems:
        raise StartError(
            "several Rasa processes need shared servers, and "
            + "; ".join(problems)
            + ". Point .env at running servers (docs/deploy.md), or add --start-services to "
            "start local ones in var/services/ for a try-out."
        )


def render_nginx(
    listen: str,
    backends: Sequence[str],
    health: str,
    folder: str,
    conf: str | None = None,
) -> str:
    """nginx.conf from the template: `listen` (port or address:port), the Rasa processes'
    `host:port`s, the cluster health page's `host:port`, nginx's folder for its pid, logs and
    temporary files, and the folder of the files it includes (`conf`, the same by default)."""
    servers = "\n".join(
        f"        server {backend} max_fails=1 fail_timeout=5s;" for backend in backends
    )
    process_health = "\n".join(
        f"        location = /health/{number} {{\n"
        f"            proxy_pass http://{backend}{PROCESS_HEALTH_PATH};\n"
        f"        }}"
        for number, backend in enumerate(backends, start=1)
    )
    values = {
        "listen": listen,
        "servers": servers,
        "health": health,
        "process_health": process_health,
        "folder": folder,
        "conf": conf or folder,
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{{{name}}}", value)
    if re.search(r"@\{\w+\}", text):
        raise ValueError(f"{TEMPLATE} has a placeholder that render_nginx does not fill")
    return text


def write_nginx(folder: Path, listen: str, backends: Sequence[str], health: str) -> Path:
    """Write nginx.conf and what it includes into `folder`; return the config's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "forwarded.conf").write_text(FORWARDED.read_text())
    config = folder / "nginx.conf"
    config.write_text(render_nginx(listen, backends, health, str(folder)))
    return config


def nginx_command(config_file: Path) -> list[str]:
    folder = config_file.parent
    return [str(NGINX), "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(config_file)]


@dataclasses.dataclass
class Member:
    """One process the cluster's health page reports on: by its health URL, and (when started
    here) by whether its process still runs."""

    name: str
    service: Service | None
    url: str | None = None  # its health URL; None: alive while its process runs


def member_from_argument(text: str) -> Member:
    """`name=url` (from `python -m bot serve health`) as a member known by its URL only."""
    name, separator, url = text.partition("=")
    if not separator or not url.startswith(("http://", "https://")):
        raise StartError(f"{text!r} is not NAME=URL (for example rasa-1=http://rasa-1:5005/...).")
    return Member(name, None, url)


def probe(url: str, authorization: str) -> tuple[str, dict[str, Any] | None]:
    """A process's health verdict and, with the operator's token, its detail."""
    request = urllib.request.Request(url)  # noqa: S310 - our own loopback URL
    if authorization:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=HEALTH_PROBE_SECONDS) as reply:  # noqa: S310
            body = json.loads(reply.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            body = json.loads(error.read() or b"{}")
        except ValueError:
            body = {}
        return ("degraded" if error.code == 503 else "down"), body
    except (OSError, ValueError):
        return "down", None
    status = body.get("status", "ok") if isinstance(body, dict) else "ok"
    return str(status), body if isinstance(body, dict) else None


def cluster_report(members: Sequence[Member], authorization: str) -> dict[str, Any]:
    """Every member's verdict; the cluster is ok when every member is."""
    parts: dict[str, Any] = {}
    for member in members:
        if member.service is not None and member.service.exited() is not None:
            parts[member.name] = {"status": "down"}
            continue
        if member.url is None:
            parts[member.name] = {"status": "ok"}
            continue
        status, detail = probe(member.url, authorization)
        parts[member.name] = {**(detail or {}), "status": status}
    ok = all(part["status"] == "ok" for part in parts.values())
    return {"status": "ok" if ok else "degraded", "parts": parts}


def _token_matches(header: str, token: str) -> bool:
    if not token or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer ") :].encode(), token.encode())


class HealthPage:
    """The cluster's health page on a loopback port (nginx serves it as /health).

    Like each process's page: anyone gets the verdict, `{"status": "ok"}` (200) or
    `{"status": "degraded"}` (503); the operator's bearer token (HEALTH_TOKEN) gets each
    process's verdict and detail; a wrong token gets 401.
    """

    def __init__(
        self,
        members: Sequence[Member],
        health_token: str,
        address: tuple[str, int] = ("127.0.0.1", 0),
    ) -> None:
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                header = self.headers.get("Authorization") or ""
                if header and not _token_matches(header, page.health_token):
                    self._send(
                        401, {"error": "the detail needs 'Authorization: Bearer <HEALTH_TOKEN>'"}
                    )
                    return
                report = cluster_report(page.members, header)
                code = 200 if report["status"] == "ok" else 503
                self._send(code, report if header else {"status": report["status"]})

            def _send(self, code: int, body: Mapping[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return  # nginx's access log has every request

        self.members = list(members)
        self.health_token = health_token
        self.server = ThreadingHTTPServer(address, Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclasses.dataclass
class LocalServices:
    """PostgreSQL, Redis and (with EXCHANGE_FEED=rabbitmq) RabbitMQ in var/services/."""

    folder: Path
    started: list[Any] = dataclasses.field(default_factory=list)

    def start(self, config: Settings, say: Callable[[str], None]) -> dict[str, str]:
        """Start the servers; return the settings (by .env names) that point at them."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            local_services.let_postgres_through(self.folder / "postgres", self.folder.parent)
            postgres = local_services.PostgresServer(self.folder / "postgres")
            postgres.init()
            postgres.start()
            self.started.append(postgres)
            url = postgres.ensure_database("rapport")
            memory_url = postgres.ensure_database("rapport_memory")
            say(f"PostgreSQL on 127.0.0.1:{postgres.port} (data in {postgres.root})")
            redis = local_services.RedisServer(self.folder / "redis")
            redis.start()
            self.started.append(redis)
            say(f"Redis on 127.0.0.1:{redis.port}")
            found = {"TRACKER_URL": url, "DATABASE_URL": memory_url, "REDIS_URL": redis.url}
            if config.exchange_feed == "rabbitmq":
                rabbit = local_services.RabbitServer(self.folder / "rabbitmq")
                rabbit.start()
                self.started.append(rabbit)
                say(f"RabbitMQ on 127.0.0.1:{rabbit.port}")
                found["RABBITMQ_URL"] = rabbit.url
        except local_services.ServiceUnavailable as error:
            self.stop()
            raise StartError(f"a local server did not start: {error}") from None
        return found

    def stop(self) -> None:
        for server in reversed(self.started):
            try:
                server.stop()
                if isinstance(server, local_services.RabbitServer):
                    server.stop_epmd()
            except local_services.ServiceUnavailable:
                pass
        self.started.clear()


@dataclasses.dataclass
class Cluster:
    """The processes of `python -m bot run --processes N`, built from the settings."""

    config: Settings
    count: int
    model: Path
    overrides: dict[str, str]
    services: list[Service] = dataclasses.field(default_factory=list)
    rasa: list[Service] = dataclasses.field(default_factory=list)
    members: list[Member] = dataclasses.field(default_factory=list)
    nginx: Service | None = None
    health: HealthPage | None = None

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """A child's environment: its settings by .env names (which win over the file) and
        the values Rasa's YAML files read."""
        names = {**self.overrides, **(extra or {})}
        config = settings_module.load(self.config.env_file, environ={**os.environ, **names})
        return {**processes.child_environment(config), **names}

    def build(self) -> None:
        config = self.config
        logs = config.log_dir
        proxies = ",".join(dict.fromkeys([*config.trusted_proxies, *LOOPBACK_PROXIES]))
        shared = {
            "TRUSTED_PROXIES": proxies,
            "PUBLIC_URL": config.public_url or config.rasa_url,
            # Several processes serve one conversation: Rasa orders its turns through Redis.
            "LOCK_STORE": "redis",
        }
        self.overrides = {**self.overrides, **shared}
        actions = Service(
            "action server", [processes.python(), "-m", "actions"], logs / "actions.log"
        )
        self.services.append(actions)
        self.members.append(
            Member(
                "action server",
                actions,
                f"http://{config.actions_host}:{config.actions_port}/health",
            )
        )
        for number, port in enumerate(rasa_ports(config, self.count), start=1):
            process_config = dataclasses.replace(config, rasa_port=port, host="127.0.0.1")
            service = Service(
                f"Rasa process {number}",
                processes.rasa_server_command(process_config, self.model),
                logs / f"rasa-{number}.log",
            )
            self.rasa.append(service)
            self.services.append(service)
            self.members.append(
                Member(f"rasa-{number}", service, f"http://127.0.0.1:{port}{PROCESS_HEALTH_PATH}")
            )
            if config.writer_process:
                own = dataclasses.replace(config, memory_outbox=self.outbox_of(number))
                writer = processes.memory_writer(own, f"memory writer {number}")
                self.services.append(writer)
                self.members.append(Member(f"writer-{number}", writer))
        if config.exchange_feed == "rabbitmq":
            for number in range(1, config.consumers + 1):
                consumer = Service(
                    f"memory consumer {number}",
                    [processes.python(), "-m", "bot", "memory", "consume"],
                    logs / f"consumer-{number}.log",
                )
                self.services.append(consumer)
                self.members.append(Member(f"consumer-{number}", consumer))
        self.health = HealthPage(self.members, config.health_token)
        backends = [f"127.0.0.1:{port}" for port in rasa_ports(config, self.count)]
        # nginx's folder (config, pid, temporary files) beside the logs: var/nginx by default.
        nginx_config = write_nginx(
            config.log_dir.parent / "nginx",
            f"{config.host}:{config.rasa_port}",
            backends,
            self.health.address,
        )
        self.nginx = Service("nginx", nginx_command(nginx_config), logs / "nginx.log")
        self.services.append(self.nginx)

    def start(self) -> None:
        assert self.health is not None
        self.health.start()
        for service in self.services:
            extra: dict[str, str] = {}
            if service in self.rasa:
                # Each process its own outbox: two processes draining one queue would each
                # write the other's events.
                extra["MEMORY_OUTBOX"] = str(self.outbox_of(self.rasa.index(service) + 1))
            service.start(self.environment(extra))

    def outbox_of(self, number: int) -> Path:
        """Rasa process `number`'s outbox (its memory writer drains that one)."""
        outbox = self.config.memory_outbox
        return outbox.with_name(f"{outbox.stem}-{number}{outbox.suffix}")

    def stop(self) -> None:
        # nginx first (no new requests), then the Rasa processes, the action server last.
        for service in reversed(self.services):
            service.stop()
        if self.health is not None:
            self.health.stop()


def check_ports(config: Settings, count: int) -> None:
    processes.check_port_free(config.host, config.rasa_port, "RASA_PORT")
    for port in rasa_ports(config, count):
        processes.check_port_free("127.0.0.1", port, "RASA_PORT (the processes use the next ports)")
    processes.check_port_free(config.actions_host, config.actions_port, "ACTIONS_PORT")


def check_nginx() -> None:
    if not NGINX.exists():
        raise StartError(
            f"{NGINX} is missing: install nginx (apt-get install nginx) and try again."
        )
