"""A real Rasa server (with the widget channel) and action server for the widget's tests.

Started once per test session on random free ports in 5100-5999 with a temporary tracker and
memory database; the integration and the browser tests share it (one module, one instance).
"""

from __future__ import annotations

import atexit
import dataclasses
import datetime as dt
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import processes, session_tokens
from bot import settings as settings_module
from bot.processes import Service
from bot.settings import ROOT, Settings

SESSION_SECRET = "widget-tests-session-secret-" + "s" * 20
IDENTITY_SECRET = "widget-tests-identity-secret-" + "i" * 20
HEALTH_TOKEN = "widget-tests-health-token-" + "h" * 20
METRICS_TOKEN = "widget-tests-metrics-token-" + "m" * 20
MAX_MESSAGE_CHARS = 2000
RATE_LIMIT_PER_MINUTE = 25
START_TIMEOUT_SECONDS = 420
# A page of the shop on another site, allowed to embed the widget (ALLOWED_ORIGINS).
ELSEWHERE_ORIGIN = "http://shop.example.test:8080"
# Every test of the shared server connects from 127.0.0.1, so the limits per client address
# would make them depend on each other: they are out of the way here, and
# test_widget_limits.py proves them on the away server below.
SHARED_SERVER_LIMITS = {
    "ADDRESS_RATE_LIMIT_PER_MINUTE": "100000",
    "NEW_SESSIONS_PER_ADDRESS_PER_MINUTE": "100000",
    "HANDOFFS_PER_ADDRESS_PER_HOUR": "10000",
}
# The away server's small limits, which test_widget_limits.py proves. Its other users keep
# within them: each widget of theirs names a client address of its own (X-Forwarded-For, from
# 127.0.0.1, which this server trusts as a proxy) and sends at most MESSAGES_PER_CONVERSATION
# messages; the REST channel has none of these limits.
MESSAGES_PER_CONVERSATION = 6
SESSIONS_PER_SOCKET = 3
NEW_SESSIONS_PER_ADDRESS = 5
# Above a conversation's limit, so that a socket's own limit is what refuses its next message.
MESSAGES_PER_ADDRESS = 8
HANDOFFS_PER_ADDRESS = 2
AWAY_SERVER_LIMITS = {
    "TRUSTED_PROXIES": "127.0.0.1",
    "RATE_LIMIT_PER_MINUTE": str(MESSAGES_PER_CONVERSATION),
    "SESSIONS_PER_SOCKET_PER_MINUTE": str(SESSIONS_PER_SOCKET),
    "NEW_SESSIONS_PER_ADDRESS_PER_MINUTE": str(NEW_SESSIONS_PER_ADDRESS),
    "ADDRESS_RATE_LIMIT_PER_MINUTE": str(MESSAGES_PER_ADDRESS),
    "HANDOFFS_PER_ADDRESS_PER_HOUR": str(HANDOFFS_PER_ADDRESS),
}


@dataclass
class WidgetServer:
    settings: Settings
    workdir: Path
    services: list[Service]
    # A second origin on this machine, allowed to embed the widget (pages of "another site").
    elsewhere_port: int = 0
    # The environment the services started with (a fault test restarts one of them).
    env: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def elsewhere_origin(self) -> str:
        return f"http://127.0.0.1:{self.elsewhere_port}"

    @property
    def url(self) -> str:
        return self.settings.rasa_url

    def service(self, name: str) -> Service:
        return next(service for service in self.services if service.name == name)

    def sign(self, customer_id: str) -> str:
        return session_tokens.identity_signature(IDENTITY_SECRET, customer_id)

    def log_tail(self) -> str:
        return "\n".join(f"--- {s.name}:\n{s.log_tail(40)}" for s in self.services)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


_instance: WidgetServer | None = None


def _free_port(taken: set[int]) -> int:
    for _ in range(200):
        port = random.randint(5100, 5999)
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port in 5100-5999")


def newest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    if not models:
        subprocess.run([sys.executable, "-m", "bot", "train"], cwd=ROOT, check=True)
        models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1]


def start() -> WidgetServer:
    """The shared server, started on first use."""
    global _instance
    if _instance is not None:
        return _instance
    if os.environ.get("RAPPORT_WIDGET_TEST_URL"):
        # A server already started by this module (python rapport_widget_server.py), for
        # quick test iterations: same secrets, its own port.
        url = os.environ["RAPPORT_WIDGET_TEST_URL"]
        port = int(url.rsplit(":", 1)[1])
        loaded = settings_module.load()
        reused = dataclasses.replace(
            loaded,
            rasa_port=port,
            rest_token=loaded.rest_token or "widget-tests-rest-token",
            health_token=HEALTH_TOKEN,
            metrics_token=METRICS_TOKEN,
        )
        _instance = WidgetServer(reused, Path(tempfile.mkdtemp()), [])
        return _instance
    _instance = start_server(SHARED_SERVER_LIMITS)
    atexit.register(stop)
    return _instance


def start_server(
    overrides: Mapping[str, str] | None = None, log_folder: str = "widget-tests"
) -> WidgetServer:
    """A server of its own (the caller stops it), with settings given by their `.env` names
    in `overrides`: for tests that need limits the shared server must not have."""
    overrides = dict(overrides or {})
    workdir = Path(tempfile.mkdtemp(prefix="rapport-widget-"))
    for old_log in (ROOT / "var" / "log" / log_folder).glob("*.log"):
        old_log.unlink()
    rasa_port = _free_port(set())
    actions_port = _free_port({rasa_port})
    elsewhere_port = _free_port({rasa_port, actions_port})
    base = settings_module.load(environ={**os.environ, **overrides})
    # The review inbox writes accepted examples into a copy of the content, never the repo's.
    content = workdir / "content"
    shutil.copytree(base.content_dir / "data", content / "data")
    for name in ("domain.yml", "config.yml"):
        shutil.copy(base.content_dir / name, content / name)
    config = dataclasses.replace(
        base,
        host="127.0.0.1",
        rasa_port=rasa_port,
        actions_host="127.0.0.1",
        actions_port=actions_port,
        tracker_dialect="sqlite",
        tracker_url="",
        tracker_db=str(workdir / "tracker.db"),
        database_url=f"sqlite:///{workdir / 'memory.db'}",
        # Each server its own outbox: two servers draining one queue write into each other's
        # memory.
        memory_outbox=workdir / "memory-outbox.db",
        bookings_url=f"sqlite:///{workdir / 'bookings.db'}",
        review_content_dir=content,
        session_secret=SESSION_SECRET,
        identity_secret=IDENTITY_SECRET,
        action_server_token=base.action_server_token or "widget-tests-action-token",
        rest_token=base.rest_token or "widget-tests-rest-token",
        rasa_api_token=base.rasa_api_token or "widget-tests-rasa-api-token",
        health_token=HEALTH_TOKEN,
        metrics_token=METRICS_TOKEN,
        max_message_chars=MAX_MESSAGE_CHARS,
        rate_limit_per_minute=(
            base.rate_limit_per_minute
            if "RATE_LIMIT_PER_MINUTE" in overrides
            else RATE_LIMIT_PER_MINUTE
        ),
        allowed_origins=(
            f"http://127.0.0.1:{rasa_port}",
            ELSEWHERE_ORIGIN,
            f"http://127.0.0.1:{elsewhere_port}",
        ),
    )
    # `python -m bot run` migrates the memory before starting Rasa; this harness starts Rasa
    # directly, so it migrates too (the console and the channel read memory's tables).
    import memory

    memory.migrate(config.database_url)
    env = processes.child_environment(config)
    # The action server reads Rapport's settings itself (by their .env names).
    env.update(
        {
            "ACTIONS_HOST": config.actions_host,
            "ACTIONS_PORT": str(actions_port),
            "RASA_PORT": str(rasa_port),
            "ACTION_SERVER_TOKEN": config.action_server_token,
            "DATABASE_URL": config.database_url,
            "BOOKINGS_URL": config.bookings_url,
            "TRACKER_DB": config.tracker_db,
            "SESSION_SECRET": SESSION_SECRET,
            "IDENTITY_SECRET": IDENTITY_SECRET,
            "HEALTH_TOKEN": HEALTH_TOKEN,
            "METRICS_TOKEN": METRICS_TOKEN,
            "REVIEW_CONTENT_DIR": str(content),
            "PYTHONUNBUFFERED": "1",
            **overrides,
        }
    )
    logs = ROOT / "var" / "log" / log_folder
    actions = Service("action server", [sys.executable, "-m", "actions"], logs / "actions.log")
    rasa = Service(
        "Rasa server",
        processes.rasa_server_command(config, newest_model()),
        logs / "rasa.log",
    )
    started = [actions, rasa]
    if config.writer_process:
        # As `python -m bot run` starts it: the Rasa process only appends to the outbox.
        started.append(processes.memory_writer(dataclasses.replace(config, log_dir=logs)))
    server = WidgetServer(config, workdir, started, elsewhere_port, env)
    for service in server.services:
        service.start(env)
    try:
        processes.wait_until_ready(
            server.services,
            [
                (actions, f"http://127.0.0.1:{actions_port}/health"),
                (rasa, f"{config.rasa_url}/webhooks/widget/"),
            ],
            START_TIMEOUT_SECONDS,
            lambda elapsed, waiting: None,
        )
    except Exception:
        tail = server.log_tail()
        server.stop()
        raise RuntimeError(f"the widget test server did not start:\n{tail}") from None
    # The model loads after the port opens: wait until a message gets a reply.
    _wait_for_agent(config.rasa_url, config.rest_token, server)
    return server


def _wait_for_agent(url: str, rest_token: str, server: WidgetServer) -> None:
    import json
    import urllib.request

    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    body = json.dumps({"sender": "widget-test-warmup", "message": "hello"}).encode()
    while time.monotonic() < deadline:
        request = urllib.request.Request(  # noqa: S310 - our own http URL
            f"{url}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {rest_token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310
                if json.loads(reply.read()):
                    return
        except OSError:
            pass
        time.sleep(0.25)
    tail = server.log_tail()
    server.stop()
    raise RuntimeError(f"the widget test server never answered a message:\n{tail}")


def stop() -> None:
    global _instance
    if _instance is not None:
        _instance.stop()
        _instance = None


def away_hours(folder: Path) -> tuple[Path, str]:
    """A business file whose team is away now, and when it is next back ("HH:00 today"):
    every day open for half an hour, six hours from now, no holidays."""
    from ruamel.yaml import YAML

    from voice import business

    # Round-trip YAML (as the business file's own reader): PyYAML would read `yes:` as true.
    rt = YAML()
    data = rt.load((ROOT / "business.yml").read_text(encoding="utf-8"))
    zone = data["shop"].get("timezone")
    now = dt.datetime.now(ZoneInfo(zone)) if zone else dt.datetime.now()
    opening = (now.hour + 6) % 24
    data["hours"] = {
        day: {"open": f"{opening:02d}:00", "close": f"{opening:02d}:30"} for day in data["hours"]
    }
    data["holidays"] = []
    path = folder / "business-away.yml"
    with path.open("w", encoding="utf-8") as out:
        rt.dump(data, out)
    business.load(path)  # a valid business file, or the tests stop here with the reason
    day = "today" if opening > now.hour else "tomorrow"
    return path, f"{opening:02d}:00 {day}"


_away: tuple[WidgetServer, str] | None = None
_away_folder: Path | None = None


def start_away() -> tuple[WidgetServer, str]:
    """The away server, started on first use: a server of its own whose team is away whenever
    the tests run (away_hours) and whose limits are small (AWAY_SERVER_LIMITS); and when its
    team is back. One server for the out-of-hours tests and the limits tests: a start costs
    minutes of the test run's CPU (tests/conftest.py keeps its users on one test worker)."""
    global _away, _away_folder
    if _away is None:
        _away_folder = Path(tempfile.mkdtemp(prefix="rapport-away-"))
        path, back = away_hours(_away_folder)
        server = start_server(
            {**AWAY_SERVER_LIMITS, "BUSINESS_FILE": str(path)}, log_folder="away-tests"
        )
        _away = (server, back)
        atexit.register(stop_away)
    return _away


def stop_away() -> None:
    global _away, _away_folder
    if _away is not None:
        _away[0].stop()
        _away = None
    if _away_folder is not None:
        shutil.rmtree(_away_folder, ignore_errors=True)
        _away_folder = None


if __name__ == "__main__":
    import signal

    # Background jobs ignore SIGINT: stop cleanly on SIGTERM as well.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = start()
    print(f"RAPPORT_WIDGET_TEST_URL={server.url}", flush=True)
    try:
        while all(service.exited() is None for service in server.services):
            time.sleep(1)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        stop()
