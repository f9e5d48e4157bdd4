"""A throw-away RabbitMQ server for the cluster tests, from Debian's `rabbitmq-server` package.

It runs as the current user in a temporary folder (its database, logs, Erlang cookie and HOME),
on free loopback ports (AMQP, Erlang distribution, and an epmd of its own), so it meets no other
RabbitMQ on the machine. Tests may stop it and start it again: its durable queues and persistent
messages survive, as they do on a real server.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
START_SECONDS = 90.0


def free_port(taken: set[int] | None = None) -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in (taken or set()):
            return port


def installed() -> bool:
    return SERVER.exists()


class RabbitServer:
    """One RabbitMQ node on 127.0.0.1 (guest/guest, which RabbitMQ allows on loopback)."""

    def __init__(self) -> None:
        if not installed():
            raise RuntimeError(f"{SERVER} is missing (apt-get install rabbitmq-server)")
        self.root = Path(tempfile.mkdtemp(prefix="rapport-rabbitmq-"))
        self.port = free_port()
        self.dist_port = free_port({self.port})
        self.epmd_port = free_port({self.port, self.dist_port})
        self.node = f"rapport{self.port}@localhost"
        home = self.root / "home"
        home.mkdir()
        cookie = home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(16))
        cookie.chmod(0o400)
        (self.root / "enabled_plugins").write_text("[].\n")
        self.env = {
            **os.environ,
            "HOME": str(home),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.root / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(self.root / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(self.root / "rabbitmq.pid"),
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def start(self) -> None:
        """Start the node and wait until it takes AMQP connections."""
        log = (self.root / "server.out").open("ab")
        self.process = subprocess.Popen(
            [str(SERVER)],
            env=self.env,
            cwd=self.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"RabbitMQ exited at start:\n{self.log_tail()}")
            if self._answers():
                return
            time.sleep(0.5)
        raise RuntimeError(f"RabbitMQ did not start in {START_SECONDS:.0f} s:\n{self.log_tail()}")

    def _answers(self) -> bool:
        """True once the node's AMQP listener answers a protocol header."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"AMQP\x00\x00\x09\x01")
                return conn.recv(8).startswith(b"\x01")  # Connection.Start
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the node (as an operator's stop does: durable state is kept)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None

    def remove(self) -> None:
        self.stop()
        # The node's own epmd outlives it; stop it by its port.
        epmd = shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"
        subprocess.run([epmd, "-kill"], env=self.env, capture_output=True, timeout=10, check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        found = [*sorted(self.root.glob("log/*.log")), self.root / "server.out"]
        text = []
        for path in found:
            if path.exists():
                text.append(f"--- {path.name}")
                text.extend(path.read_text(errors="replace").splitlines()[-lines:])
        return "\n".join(text)
