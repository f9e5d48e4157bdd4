"""Starting, watching and stopping the Rasa server and the action server together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import ROOT, Settings
from memory.files import private_file

# How often a start-up wait looks again whether the servers answer.
POLL_SECONDS = 0.25


class StartError(RuntimeError):
    """A process could not start; the message says why and what to do."""


def python() -> str:
    """The interpreter of the project's environment (the one running this code)."""
    return sys.executable


def rasa_command(*args: str) -> list[str]:
    """A `rasa` command line run by the project's interpreter."""
    return [python(), "-m", "rasa", *args]


def rasa_server_command(settings: Settings, model: Path | str) -> list[str]:
    """The Rasa server as `python -m bot run` starts it (tests start it the same way): Rasa's own
    `rasa run`, through `bot.rasa_server`, which first takes off a cost Rasa pays per action.

    No `--cors`: Rasa's option puts credentialed CORS on every route, the agent console's API
    included, and doubles the header socket.io sets itself. The widget's origins are checked by
    the socket.io server (ALLOWED_ORIGINS); nothing else is meant for other sites.

    Rasa's HTTP API is on, every route of it behind RASA_API_TOKEN (a generated secret): the
    console loads a model trained from it with PUT /model, without a restart. Without a token
    the API stays off: Rasa would serve it to anyone.
    """
    api = ["--enable-api", f"--auth-token={settings.rasa_api_token}"]
    return [
        python(),
        "-m",
        "bot.rasa_server",
        "run",
        "--model",
        str(model),
        *(api if settings.rasa_api_token else []),
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        "credentials.yml",
        "--interface",
        settings.host,
        "--port",
        str(settings.rasa_port),
    ]


def memory_writer(settings: Settings, name: str = "memory writer") -> Service:
    """The memory writer process beside a Rasa server (MEMORY_WRITER=process): it drains the
    Rasa server's outbox (`settings.memory_outbox`) into memory."""
    log = settings.log_dir / f"{name.replace(' ', '-')}.log"
    command = [python(), "-m", "bot", "memory", "write", "--outbox", str(settings.memory_outbox)]
    return Service(name, command, log)


class Restarts:
    """Starts a stopped process again, at most `limit` times in `window` seconds; beyond
    that it says so once and leaves it stopped (the others go on serving)."""

    def __init__(
        self,
        service: Service,
        env: dict[str, str],
        say: Callable[[str], None],
        limit: int = 5,
        window: float = 300.0,
    ) -> None:
        self.service = service
        self.env = env
        self.say = say
        self.limit = limit
        self.window = window
        self.times: list[float] = []
        self.given_up = False

    def check(self) -> None:
        code = self.service.exited()
        if code is None or self.given_up:
            return
        now = time.monotonic()
        self.times = [at for at in self.times if now - at < self.window]
        if len(self.times) >= self.limit:
            self.given_up = True
            self.say(
                f"the {self.service.name} stopped (exit {code}) {self.limit} times in "
                f"{self.window:.0f} s and is left stopped; the bot answers on and what it "
                f"must remember waits in the outbox. Its log {self.service.log_path} ends "
                f"with:\n{self.service.log_tail()}"
            )
            return
        self.times.append(now)
        self.say(f"the {self.service.name} stopped (exit {code}); starting it again")
        self.service.start(self.env)


def check_port_free(host: str, port: int, setting: str) -> None:
    """Raise a StartError naming the setting when host:port is already taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise StartError(
                f"port {port} on {host} is already in use ({error.strerror}); stop what uses it "
                f"or set {setting} in .env to a free port."
            ) from None


def child_environment(settings: Settings) -> dict[str, str]:
    """The environment for Rasa and action-server processes."""
    env = dict(os.environ)
    env.update(settings.env_for_rasa())
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    return env


@dataclass
class Service:
    """One long-running process that we started, with its log file."""

    name: str
    command: Sequence[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self, env: dict[str, str]) -> None:
        # Logs quote what customers wrote: their owner's only.
        private_file(self.log_path)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed command line
            list(self.command),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self, grace_seconds: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_tail(self, lines: int = 15) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def url_answers(url: str, timeout: float = 2.0) -> bool:
    """True when an HTTP GET of `url` gets any answer below 500."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310 - our own URL
            return bool(reply.status < 500)
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


def wait_until_ready(
    services: Sequence[Service],
    checks: Sequence[tuple[Service, str]],
    timeout_seconds: float,
    progress: Callable[[float, list[str]], None],
) -> None:
    """Wait until each check URL answers; raise StartError if a process dies or time runs out."""
    started = time.monotonic()
    pending = list(checks)
    while pending:
        for service in services:
            code = service.exited()
            if code is not None:
                raise StartError(
                    f"the {service.name} stopped during start-up (exit {code}); its log "
                    f"{service.log_path} ends with:\n{service.log_tail()}"
                )
        pending = [(service, url) for service, url in pending if not url_answers(url)]
        elapsed = time.monotonic() - started
        if not pending:
            break
        if elapsed > timeout_seconds:
            names = ", ".join(service.name for service, _ in pending)
            raise StartError(
                f"the {names} did not answer within {timeout_seconds:.0f} s; "
                f"see {', '.join(str(service.log_path) for service, _ in pending)}."
            )
        progress(elapsed, [service.name for service, _ in pending])
        time.sleep(POLL_SECONDS)
