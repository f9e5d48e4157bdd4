"""A throw-away Redis server for the cluster tests, from Debian's `redis-server` package.

It runs as the current user in a temporary folder, on a free loopback port, with no
persistence (no RDB snapshots, no append-only file), so it meets no other Redis on the machine
and leaves nothing behind. Tests may stop it and start it again on the same port.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from bot.local_services import free_port

SERVER = Path("/usr/bin/redis-server")
START_SECONDS = 30.0


def installed() -> bool:
    return SERVER.exists()


class RedisServer:
    """One Redis on 127.0.0.1, without a password (it listens on loopback only)."""

    def __init__(self) -> None:
        if not installed():
            raise RuntimeError(f"{SERVER} is missing (apt-get install redis-server)")
        self.root = Path(tempfile.mkdtemp(prefix="rapport-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        log = (self.root / "server.out").open("ab")
        self.process = subprocess.Popen(
            [
                str(SERVER),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.root),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--logfile",
                "",
            ],
            cwd=self.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Redis exited at start:\n{self.log_tail()}")
            if self.answers():
                return
            time.sleep(0.1)
        raise RuntimeError(f"Redis did not start in {START_SECONDS:.0f} s:\n{self.log_tail()}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(7).startswith(b"+PONG")
        except OSError:
            return False

    def flush(self) -> None:
        """Empty every database (each test starts with nothing shared)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            if not conn.recv(5).startswith(b"+OK"):
                raise RuntimeError("Redis refused FLUSHALL")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        path = self.root / "server.out"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
