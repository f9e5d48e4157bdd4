"""`python -m bot run --processes N` started as an operator starts it, for tests and the bench.

The launcher gets a settings file of its own in a folder (PostgreSQL and Redis URLs of servers
already running, free ports, its logs and nginx's folder), runs with the newest trained model
(`--no-train`), and is stopped with SIGTERM as a service manager stops it.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot import settings as settings_module
from bot.settings import ROOT

REST_TOKEN = "cluster-tests-rest-token-" + "r" * 20
HEALTH_TOKEN = "cluster-tests-health-token-" + "h" * 20
RASA_API_TOKEN = "cluster-tests-rasa-api-token-" + "a" * 20
START_SECONDS = 900.0
# Every simulated customer comes from 127.0.0.1: the limits per address are out of the way.
LIMITS = {
    "ADDRESS_RATE_LIMIT_PER_MINUTE": "100000",
    "NEW_SESSIONS_PER_ADDRESS_PER_MINUTE": "100000",
    "HANDOFFS_PER_ADDRESS_PER_HOUR": "10000",
    "RATE_LIMIT_PER_MINUTE": "10000",
    "SESSIONS_PER_SOCKET_PER_MINUTE": "1000",
}
PID_LINE = re.compile(r"rapport:\s+(?P<name>[^:]+): pid (?P<pid>\d+), log")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> int:
    """The first of `count` consecutive free loopback ports in 5100-5999."""
    for _ in range(500):
        first = random.randint(5100, 5999 - count)
        if all(_free(first + offset) for offset in range(count)):
            return first
    raise RuntimeError(f"no {count} consecutive free ports in 5100-5999")


@dataclass
class Launched:
    """A running `python -m bot run --processes N`."""

    process: subprocess.Popen[bytes]
    folder: Path
    rasa_port: int
    count: int
    pids: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def process_url(self, number: int) -> str:
        return f"http://127.0.0.1:{self.rasa_port + number}"

    def output(self) -> str:
        return (self.folder / "launcher.out").read_text(errors="replace")

    def logs(self, lines: int = 30) -> str:
        text = [f"--- launcher:\n{self.output()[-4000:]}"]
        for path in sorted((self.folder / "log").glob("*.log")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            text.append(f"--- {path.name}:\n" + "\n".join(tail))
        return "\n".join(text)

    def health(self, detail: bool = True) -> tuple[int, dict]:
        request = urllib.request.Request(f"{self.url}/health")  # noqa: S310 - loopback
        if detail:
            request.add_header("Authorization", f"Bearer {HEALTH_TOKEN}")
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def served_by(self, path_part: str) -> set[int]:
        """The Rasa ports that nginx's access log says served requests whose line has
        `path_part`."""
        log = self.folder / "nginx" / "access.log"
        ports = set()
        for line in log.read_text(errors="replace").splitlines():
            if path_part in line:
                ports.update(int(port) for port in re.findall(r"127\.0\.0\.1:(\d+)", line))
        return ports

    def stop(self, seconds: float = 120.0) -> int:
        """SIGTERM, as a service manager stops it; the exit code."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(seconds)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(30)
                return -9
        return int(self.process.returncode)


def launch(
    folder: Path,
    count: int,
    tracker_url: str,
    database_url: str,
    redis_url: str,
    extra: Mapping[str, str] | None = None,
) -> Launched:
    """Start the launcher and wait until it says it is ready and a message gets a reply."""
    folder.mkdir(parents=True, exist_ok=True)
    rasa_port = free_ports(count + 1)
    actions_port = free_ports(1)
    values = {
        "RASA_PORT": str(rasa_port),
        "ACTIONS_PORT": str(actions_port),
        "TRACKER_URL": tracker_url,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "BOOKINGS_URL": f"sqlite:///{folder / 'bookings.db'}",
        "LOG_DIR": str(folder / "log"),
        "MEMORY_OUTBOX": str(folder / "memory-outbox.db"),
        "REST_TOKEN": REST_TOKEN,
        "HEALTH_TOKEN": HEALTH_TOKEN,
        "RASA_API_TOKEN": RASA_API_TOKEN,
        **LIMITS,
        **(extra or {}),
    }
    env_file = folder / "cluster.env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    # The launcher reads its settings from the file alone (the environment would win).
    environ = {
        key: value for key, value in os.environ.items() if key not in settings_module._FIELDS
    }
    environ.pop("RAPPORT_ENV_FILE", None)
    out = (folder / "launcher.out").open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "--env-file",
            str(env_file),
            "run",
            "--processes",
            str(count),
            "--no-train",
        ],
        cwd=ROOT,
        env=environ,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    out.close()
    launched = Launched(process, folder, rasa_port, count)
    deadline = time.monotonic() + START_SECONDS
    while "rapport: ready." not in launched.output():
        if process.poll() is not None or time.monotonic() > deadline:
            logs = launched.logs()
            launched.stop()
            raise RuntimeError(f"the cluster did not start:\n{logs}")
        time.sleep(1)
    for match in PID_LINE.finditer(launched.output()):
        launched.pids[match["name"].strip()] = int(match["pid"])
    wait_for_reply(launched, deadline)
    return launched


def say(url: str, sender: str, text: str, seconds: float = 60) -> list[dict]:
    """One REST message (through nginx when `url` is nginx's); the bot's replies."""
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {REST_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=seconds) as reply:  # noqa: S310
        body = json.loads(reply.read())
    return body if isinstance(body, list) else []


def wait_for_reply(launched: Launched, deadline: float) -> None:
    """Each process loads its model after its port opens: wait until each one answers."""
    for number in range(1, launched.count + 1):
        while True:
            try:
                if say(launched.process_url(number), f"cluster-warm-up-{number}", "hello"):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                logs = launched.logs()
                launched.stop()
                raise RuntimeError(f"Rasa process {number} never answered:\n{logs}")
            time.sleep(1)
