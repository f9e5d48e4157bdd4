"""Debian's PostgreSQL, Redis and RabbitMQ started in a folder on free loopback ports.

For `python -m bot run --processes N --start-services` (a try-out on one machine, data kept in
`var/services/` between runs) and for the tests of the scale-out path (a temporary folder each
session). Each server listens on 127.0.0.1 only (PostgreSQL, which refuses root, runs as
Debian's `postgres` user when started by root; the others as the current user), and meets no other
server of its kind on the machine. A server that is stopped and started again keeps its data.
"""

from __future__ import annotations

import glob
import grp
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
REDIS_SERVER = Path("/usr/bin/redis-server")
START_SECONDS = 90.0


class ServiceUnavailable(RuntimeError):
    """A local server cannot start; the message says why and what to install or change."""


def free_port(taken: set[int] | None = None) -> int:
    """A loopback port nobody listens on now (and none of `taken`)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in (taken or set()):
            return port


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _stop_group(process: subprocess.Popen[bytes] | None, grace: float = 60.0) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def _tail(paths: list[Path], lines: int = 40) -> str:
    text = []
    for path in paths:
        if path.exists():
            text.append(f"--- {path.name}")
            text.extend(path.read_text(errors="replace").splitlines()[-lines:])
    return "\n".join(text)


def _postgres_group() -> int | None:
    try:
        return grp.getgrnam("postgres").gr_gid
    except KeyError:
        return None


def let_postgres_through(folder: Path, top: Path) -> None:
    """As root, let Debian's `postgres` user pass through `top` and the folders below it down to
    `folder` (group `postgres`, search only: it can neither list nor read them), so that a
    PostgreSQL running as that user reaches its own folder inside a private one."""
    group = _postgres_group()
    if os.geteuid() != 0 or group is None:
        return  # not root: nothing to hand over; no such user: PostgresServer says so
    current = folder
    chain = []
    while current != top and top in current.parents:
        current = current.parent
        chain.append(current)
    for path in chain:
        os.chown(path, -1, group)
        path.chmod(stat.S_IMODE(path.stat().st_mode) | stat.S_IXGRP)


def postgres_passes(folder: Path) -> bool:
    """Whether `folder` was handed to the `postgres` group to pass through (see above)."""
    group = _postgres_group()
    info = folder.stat()
    return group is not None and info.st_gid == group and bool(info.st_mode & stat.S_IXGRP)


class PostgresServer:
    """A PostgreSQL server on 127.0.0.1 with its data in `root/data` (user `postgres`, trust
    authentication on loopback). initdb refuses root: as root the server runs as the
    `postgres` user, which must be able to reach `root`."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise ServiceUnavailable("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = Path(found[-1]).parent
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.data = self.root / "data"
        self.port = port or free_port()
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:
            try:
                shutil.chown(self.root, "postgres", "postgres")
            except LookupError:
                raise ServiceUnavailable(
                    "PostgreSQL refuses to run as root, and the `postgres` user it would run as "
                    "is missing (Debian's postgresql package creates it)"
                ) from None
            self.as_postgres = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str) -> None:
        result = subprocess.run(  # noqa: S603 - Debian's binaries, our own arguments
            [*self.as_postgres, *command], capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise ServiceUnavailable(
                f"{Path(command[0]).name} failed: {result.stderr.strip() or result.stdout}"
            )

    def init(self) -> None:
        """Create the database cluster unless it exists (data kept between runs)."""
        if (self.data / "PG_VERSION").exists():
            return
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def crash(self) -> None:
        """Stop at once, without a checkpoint (as a crashed server would)."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def ensure_database(self, name: str) -> str:
        """The URL of database `name`, created when missing."""
        from sqlalchemy import text
        from sqlalchemy.future import create_engine

        engine = create_engine(self.url(), future=True, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                exists = conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                ).first()
                if exists is None:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class RedisServer:
    """A redis-server on 127.0.0.1 with its data in `root`: an append-only file, or nothing at all
    with `persist=False` (a test's throw-away server, which a restart leaves empty)."""

    def __init__(self, root: Path, port: int | None = None, *, persist: bool = True) -> None:
        if not REDIS_SERVER.exists():
            raise ServiceUnavailable(f"{REDIS_SERVER} is missing (apt-get install redis-server)")
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.persist = persist
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        log = (self.root / "server.out").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - Debian's binary, our own arguments
            [
                str(REDIS_SERVER),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.root),
                "--appendonly",
                "yes" if self.persist else "no",
                "--save",
                "",
                "--protected-mode",
                "yes",
            ],
            cwd=self.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceUnavailable(f"Redis exited at start:\n{self.log_tail()}")
            if self.answers():
                return
            time.sleep(0.2)
        raise ServiceUnavailable(f"Redis did not start in {START_SECONDS:.0f} s")

    def _command(self, command: bytes, expect: bytes) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
                conn.sendall(command + b"\r\n")
                return conn.recv(16).startswith(expect)
        except OSError:
            return False

    def answers(self) -> bool:
        return self._command(b"PING", b"+PONG")

    def flush(self) -> None:
        """Empty every database."""
        if not self._command(b"FLUSHALL", b"+OK"):
            raise ServiceUnavailable("Redis refused FLUSHALL")

    def stop(self) -> None:
        _stop_group(self.process)
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        return _tail([self.root / "server.out"], lines)


class RabbitServer:
    """One RabbitMQ node on 127.0.0.1 (guest/guest, which RabbitMQ allows on loopback), with its
    database, logs, Erlang cookie and HOME in `root`, and an epmd of its own."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        if not RABBITMQ_SERVER.exists():
            raise ServiceUnavailable(
                f"{RABBITMQ_SERVER} is missing (apt-get install rabbitmq-server)"
            )
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.dist_port = free_port({self.port})
        self.epmd_port = free_port({self.port, self.dist_port})
        # The node's name is kept with its database: a new name would not find its queues.
        name_file = self.root / "node-name"
        if not name_file.exists():
            name_file.write_text(f"rapport{self.port}@localhost")
        self.node = name_file.read_text().strip()
        home = self.root / "home"
        home.mkdir(exist_ok=True)
        cookie = home / ".erlang.cookie"
        if not cookie.exists():
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
        self.process = subprocess.Popen(  # noqa: S603 - Debian's binary
            [str(RABBITMQ_SERVER)],
            env=self.env,
            cwd=self.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceUnavailable(f"RabbitMQ exited at start:\n{self.log_tail()}")
            if self._answers():
                return
            time.sleep(0.5)
        raise ServiceUnavailable(
            f"RabbitMQ did not start in {START_SECONDS:.0f} s:\n{self.log_tail()}"
        )

    def _answers(self) -> bool:
        """True once the node's AMQP listener answers a protocol header."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"AMQP\x00\x00\x09\x01")
                return conn.recv(8).startswith(b"\x01")  # Connection.Start
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the node (as an operator's stop does: durable state is kept), and its epmd."""
        if self.process is not None:
            _stop_group(self.process)
            self.process = None

    def stop_epmd(self) -> None:
        # The node's own epmd outlives it; stop it by its port.
        epmd = shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"
        subprocess.run(  # noqa: S603 - Erlang's epmd, our own arguments
            [epmd, "-kill"], env=self.env, capture_output=True, timeout=10, check=False
        )

    def remove(self) -> None:
        self.stop()
        self.stop_epmd()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        return _tail([*sorted(self.root.glob("log/*.log")), self.root / "server.out"], lines)
