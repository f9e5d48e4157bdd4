"""`make bench`: Rapport beside a plain Rasa server on the same model, measured in one run.

    make bench        (or: .venv/bin/python -m bench.run)

Starts Rapport's servers (Rasa with Rapport's channels, event broker and tracker store, and the
action server) and a plain `rasa run` with Rasa's own REST channel, the same model, the same
action server and an SQLite tracker store of its own, then measures:

1. latency, one conversation at a time, alternating (a) plain Rasa, (b) Rapport's REST channel
   and (c) Rapport's widget channel (socket.io), conversation by conversation;
2. throughput of concurrent scripted visits, rounds alternating (a) and (b), every reply checked;
3. where Rapport's Rasa process spends its CPU time (py-spy, while the same load runs against b);
4. the relationship memory at scale (bench/memory.py's seeder);
5. cold start: seconds from starting the servers to the first reply.

Prints the table, writes every figure with the machine, versions and commit to
bench/results/bench-<time>.json and the table into docs/performance.md. Counts come from
environment variables (BENCH_*, listed in docs/performance.md).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The harness that starts the real servers on free ports, shared with the widget's tests.
sys.path.insert(0, str(ROOT / "tests" / "integration" / "widget"))

import rapport_widget_server as harness  # noqa: E402
from widget_client import Widget  # noqa: E402

from bench import stats  # noqa: E402
from bot import processes  # noqa: E402
from bot.processes import Service  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
VISITS = ROOT / "bench" / "visits.yml"
PY_SPY = Path(sys.executable).parent / "py-spy"
REPLY_SECONDS = 60
# The kinds of personalised message (bench/visits.yml `personal`), as the table names them.
PERSONAL_KINDS = {
    "greeting": "returning customer's greeting (session start reads the card)",
    "recommendation": "a recommendation",
    "form": "a form step (the repair booking)",
}
# Rapport's limits per session and per address are for customers: every simulated customer
# here comes from 127.0.0.1.
LIMITS = {
    **harness.SHARED_SERVER_LIMITS,
    "RATE_LIMIT_PER_MINUTE": "10000",
    "SESSIONS_PER_SOCKET_PER_MINUTE": "1000",
}


def setting(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass
class Counts:
    """How much each part does (environment variables BENCH_*)."""

    conversations: int = int(setting("BENCH_CONVERSATIONS", "25"))
    concurrency: int = int(setting("BENCH_CONCURRENCY", "20"))
    load_messages: int = int(setting("BENCH_LOAD_MESSAGES", "300"))
    load_rounds: int = int(setting("BENCH_LOAD_ROUNDS", "3"))
    profile_seconds: int = int(setting("BENCH_PROFILE_SECONDS", "40"))
    memory_sizes: tuple[int, ...] = tuple(
        int(size)
        for size in setting("BENCH_MEMORY_SIZES", "10000,1000000,10000000").split(",")
        if size
    )
    heavy_exchanges: int = int(setting("BENCH_HEAVY_EXCHANGES", "10000"))
    # The same measurement on a PostgreSQL started here (skipped when it is not installed).
    postgres_sizes: tuple[int, ...] = tuple(
        int(size) for size in setting("BENCH_POSTGRES_SIZES", "1000000").split(",") if size
    )
    # `training` (the sample bot's training time, minutes) is never run unless named.
    parts: tuple[str, ...] = tuple(
        setting("BENCH_PARTS", "latency,personal,throughput,profile,memory").split(",")
    )
    # Rapport's exchange feed: embedded (the default), or rabbitmq: a RabbitMQ server started
    # here on loopback and one `python -m bot memory consume` worker.
    feed: str = setting("BENCH_FEED", "embedded")


@dataclass
class Plain:
    """A plain `rasa run`: Rasa's REST channel, no broker, Rasa's own SQL tracker store."""

    service: Service
    url: str
    workdir: Path

    def stop(self) -> None:
        self.service.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_plain(server: harness.WidgetServer) -> Plain:
    workdir = Path(tempfile.mkdtemp(prefix="rapport-bench-plain-"))
    (workdir / "credentials.yml").write_text("rest:\n")
    settings = server.settings
    endpoints = {
        "action_endpoint": {
            "url": f"{settings.actions_url}",
            "token": settings.action_server_token,
        },
        "tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(workdir / "tracker.db")},
        "lock_store": {"type": "in_memory"},
    }
    (workdir / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
    port = harness._free_port({settings.rasa_port, settings.actions_port, server.elsewhere_port})
    command = processes.rasa_command(
        "run",
        "--model",
        str(harness.newest_model()),
        "--endpoints",
        str(workdir / "endpoints.yml"),
        "--credentials",
        str(workdir / "credentials.yml"),
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
    )
    service = Service("plain Rasa server", command, ROOT / "var" / "log" / "bench" / "plain.log")
    service.start(server.env)
    return Plain(service, f"http://127.0.0.1:{port}", workdir)


def has_content(messages: Any) -> bool:
    """True when a reply holds at least one message with something a customer can read."""
    if not isinstance(messages, list) or not messages:
        return False
    keys = ("text", "buttons", "quick_replies", "image", "custom", "attachment")
    return any(isinstance(m, dict) and any(m.get(key) for key in keys) for m in messages)


class Rest:
    """One REST endpoint (Rasa's or Rapport's), timing each message."""

    def __init__(self, http: aiohttp.ClientSession, url: str, token: str = "") -> None:
        self.http = http
        self.url = f"{url}/webhooks/rest/webhook"
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def say(self, sender: str, text: str) -> tuple[float, list[dict]]:
        began = time.perf_counter()
        async with self.http.post(
            self.url,
            json={"sender": sender, "message": text},
            headers=self.headers,
            timeout=aiohttp.ClientTimeout(total=REPLY_SECONDS),
        ) as reply:
            body = await reply.json() if reply.status == 200 else None
        return time.perf_counter() - began, body if isinstance(body, list) else []


async def wait_for_reply(url: str, token: str, deadline: float) -> float:
    """Seconds until a message to `url` gets a reply (the model loads after the port opens)."""
    began = time.monotonic()
    async with aiohttp.ClientSession() as http:
        rest = Rest(http, url, token)
        while time.monotonic() < deadline:
            try:
                _, messages = await rest.say("bench-warm-up", "hello")
                if has_content(messages):
                    return time.monotonic() - began
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError(f"{url} never answered a message")


async def widget_turn(widget: Widget, text: str, expected: int) -> tuple[float, int]:
    """Seconds from sending `text` to the last of `expected` bot messages (Rasa's socket.io
    channel sends them one by one), and how many came."""
    began = time.perf_counter()
    await widget.say(text)
    finished, got = time.perf_counter(), 1
    while got < expected:
        try:
            await widget.next("bot_uttered", seconds=5)
        except AssertionError:
            break
        finished, got = time.perf_counter(), got + 1
    return finished - began, got


async def close_widget(widget: Widget) -> None:
    await widget.close()
    # The polling transport's HTTP session outlives a disconnect that cuts the long poll short.
    http = getattr(widget.client.eio, "http", None)
    if http is not None and not http.closed:
        await http.close()


@dataclass
class Latency:
    samples: dict[str, list[float]] = field(default_factory=lambda: {"a": [], "b": [], "c": []})
    failures: dict[str, int] = field(default_factory=lambda: {"a": 0, "b": 0, "c": 0})
    # Rapport's personalised messages, by kind (bench/visits.yml `personal`).
    personal: dict[str, list[float]] = field(default_factory=dict)
    personal_failures: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Returning:
    """A returning customer seeded in Rapport's memory: their conversation and first name."""

    sender: str
    name: str


def seed_returning(database_url: str, count: int) -> list[Returning]:
    """`count` returning customers in Rapport's memory, each with a card: a name, a bike and
    ten earlier visits (bench/memory.py's seeder)."""
    from bench import memory as memory_bench
    from memory.store import MemoryStore

    store = MemoryStore(database_url)
    try:
        start = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=200)
        seeder = memory_bench.Seeder(store, start)
        rng = random.Random(11)
        customers = [
            seeder.add_customer(memory_bench.EXCHANGES_PER_CUSTOMER, rng) for _ in range(count)
        ]
    finally:
        store.close()
    return [
        Returning(f"web-{customer}", memory_bench.name_of(customer).split()[0])
        for customer in customers
    ]


def personalised(kind: str, messages: list[dict], customer: Returning) -> bool:
    """Whether a reply is what the personalised message should give: something to read, and
    for the greeting the customer's name (their card was read)."""
    if not has_content(messages):
        return False
    if kind != "greeting":
        return True
    return any(customer.name in str(message.get("text") or "") for message in messages)


async def personal_visit(
    rest: Rest, customer: Returning, script: list[dict[str, str]], result: Latency
) -> None:
    for step in script:
        kind = step["kind"]
        seconds, messages = await rest.say(customer.sender, step["text"])
        if personalised(kind, messages, customer):
            result.personal.setdefault(kind, []).append(seconds)
        else:
            result.personal_failures[kind] = result.personal_failures.get(kind, 0) + 1


async def measure_latency(
    plain: Plain,
    server: harness.WidgetServer,
    script: list[str],
    conversations: int,
    personal: list[dict[str, str]] | None = None,
    returning: list[Returning] | None = None,
) -> Latency:
    result = Latency()
    async with aiohttp.ClientSession() as http:
        a = Rest(http, plain.url)
        b = Rest(http, server.url, server.settings.rest_token)
        for number in range(conversations):
            if personal and returning:
                # A returning customer's visit on (b), alternating with the others.
                await personal_visit(b, returning[number % len(returning)], personal, result)
            counts: list[int] = []
            for channel, rest in (("a", a), ("b", b)):
                sender = f"bench-latency-{channel}-{number}-{random.randrange(10**9)}"
                for text in script:
                    seconds, messages = await rest.say(sender, text)
                    result.samples[channel].append(seconds)
                    result.failures[channel] += not has_content(messages)
                    if channel == "b":
                        counts.append(max(1, len(messages)))
            widget = Widget(server.url)
            await widget.connect()
            try:
                await widget.start_session()
                for text, expected in zip(script, counts, strict=False):
                    try:
                        seconds, got = await widget_turn(widget, text, expected)
                    except AssertionError:
                        result.failures["c"] += 1
                        continue
                    result.samples["c"].append(seconds)
                    result.failures["c"] += got < expected
            finally:
                await close_widget(widget)
    return result


@dataclass
class Load:
    seconds: float = 0.0
    samples: list[float] = field(default_factory=list)
    failures: int = 0
    failed_examples: list[str] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return len(self.samples) + self.failures


async def run_load(
    say: Callable[[str, str], Awaitable[tuple[float, list[dict]]]],
    visits: list[list[str]],
    concurrency: int,
    messages: int,
    tag: str,
    until: float | None = None,
) -> Load:
    """`concurrency` customers at once, each going through scripted visits one after another,
    until `messages` messages have been sent (or the clock reaches `until`)."""
    load = Load()
    budget = [messages]
    began = time.perf_counter()

    async def customer(number: int) -> None:
        visit = number
        while True:
            script = visits[visit % len(visits)]
            sender = f"bench-load-{tag}-{number}-{visit}-{random.randrange(10**9)}"
            for text in script:
                if budget[0] <= 0 or (until is not None and time.monotonic() > until):
                    return
                budget[0] -= 1
                try:
                    seconds, replies = await say(sender, text)
                except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                    load.failures += 1
                    load.failed_examples.append(f"{text!r}: {type(error).__name__}")
                    continue
                if has_content(replies):
                    load.samples.append(seconds)
                else:
                    load.failures += 1
                    load.failed_examples.append(f"{text!r}: {replies!r}")
            visit += concurrency

    await asyncio.gather(*(customer(number) for number in range(concurrency)))
    load.seconds = time.perf_counter() - began
    return load


async def measure_throughput(
    plain: Plain, server: harness.WidgetServer, visits: list[list[str]], counts: Counts
) -> dict[str, Load]:
    total = {"a": Load(), "b": Load()}
    connector = aiohttp.TCPConnector(limit=counts.concurrency * 2)
    async with aiohttp.ClientSession(connector=connector) as http:
        servers = {
            "a": Rest(http, plain.url),
            "b": Rest(http, server.url, server.settings.rest_token),
        }
        for round_number in range(counts.load_rounds):
            for channel, rest in servers.items():
                load = await run_load(
                    rest.say,
                    visits,
                    counts.concurrency,
                    counts.load_messages,
                    f"{channel}{round_number}",
                )
                print(
                    f"  round {round_number + 1} {channel}: {load.messages} messages in "
                    f"{load.seconds:.1f} s, {load.failures} failed",
                    flush=True,
                )
                total[channel].seconds += load.seconds
                total[channel].samples += load.samples
                total[channel].failures += load.failures
                total[channel].failed_examples += load.failed_examples[:5]
    return total


async def profile_rapport(
    server: harness.WidgetServer, visits: list[list[str]], counts: Counts, stamp: str
) -> dict[str, Any]:
    """py-spy on Rapport's Rasa process and on the action server while visits load Rapport's
    REST channel; the flame graph goes to bench/results/."""
    rasa_pid = server.services[1].process.pid  # type: ignore[union-attr]
    actions_pid = server.services[0].process.pid  # type: ignore[union-attr]
    seconds = str(counts.profile_seconds)
    outputs = {
        "flame": RESULTS / f"flame-{stamp}.svg",
        "rasa": RESULTS / f"profile-rasa-{stamp}.txt",
        "actions": RESULTS / f"profile-actions-{stamp}.txt",
        "gil": RESULTS / f"profile-rasa-gil-{stamp}.txt",
    }
    # Not --nonblocking: without pausing the process py-spy cannot tell a waiting thread from
    # a working one, and the thread pools' idle workers would fill the profile.
    common = ["record", "--duration", seconds, "--rate", "50"]
    spies = [
        await asyncio.create_subprocess_exec(
            str(PY_SPY),
            *common,
            *extra,
            "--pid",
            str(pid),
            "-o",
            str(path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for pid, path, extra in (
            (rasa_pid, outputs["flame"], []),
            (rasa_pid, outputs["rasa"], ["--format", "raw"]),
            (actions_pid, outputs["actions"], ["--format", "raw"]),
            # Only the samples of the thread that holds the interpreter lock: who keeps the
            # other threads (Rasa's request, the memory broker) waiting for it.
            (rasa_pid, outputs["gil"], ["--format", "raw", "--gil"]),
            # The memory writer process (MEMORY_WRITER=process), beside the table: its
            # collapsed stacks only.
            *[
                (writer.process.pid, RESULTS / f"profile-writer-{stamp}.txt", ["--format", "raw"])
                for writer in server.services
                if writer.name == "memory writer" and writer.process is not None
            ],
        )
    ]
    await asyncio.sleep(1.0)  # py-spy attaches
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=80)) as http:
        rest = Rest(http, server.url, server.settings.rest_token)
        load = await run_load(
            rest.say,
            visits,
            counts.concurrency,
            10**9,
            "profile",
            until=time.monotonic() + counts.profile_seconds - 2,
        )
    problems = []
    for spy in spies:
        try:
            _, error = await asyncio.wait_for(spy.communicate(), counts.profile_seconds + 60)
        except asyncio.TimeoutError:
            spy.kill()
            _, error = await spy.communicate()
        if spy.returncode:
            problems.append(error.decode(errors="replace").strip()[-300:])
    counts_by_process: dict[str, dict[str, int]] = {}
    for process, centres in (
        ("rasa", stats.RASA_CENTRES),
        ("actions", stats.ACTION_SERVER_CENTRES),
        ("gil", stats.RASA_CENTRES),
    ):
        lines = outputs[process].read_text().splitlines() if outputs[process].exists() else []
        counts_by_process[process] = stats.profile_counts(lines, centres)
    waiting = {
        process: counts.pop(stats.WAITING, 0) for process, counts in counts_by_process.items()
    }
    rasa_samples = sum(counts_by_process["rasa"].values())
    action_samples = sum(counts_by_process["actions"].values())
    both = {f"Rasa process: {name}": count for name, count in counts_by_process["rasa"].items()}
    both.update(
        {f"action server: {name}": count for name, count in counts_by_process["actions"].items()}
    )
    return {
        "messages": load.messages,
        "failures": load.failures,
        "seconds": load.seconds,
        "shares": stats.shares(both),
        "rasa_shares": stats.shares(counts_by_process["rasa"]),
        "gil_shares": stats.shares(counts_by_process["gil"]),
        "counts": counts_by_process,
        "waiting_samples": waiting,
        "rasa_samples": rasa_samples,
        "action_server_samples": action_samples,
        "files": {name: str(path.relative_to(ROOT)) for name, path in outputs.items()},
        "problems": problems,
    }


def measure_memory_at(
    url: str, sizes: tuple[int, ...], heavy_exchanges: int, database_mb: Callable[[], float]
) -> dict[str, Any]:
    """Card reads and exchange writes at each size, and the card of one heavy customer, on the
    memory database at `url` (migrated here)."""
    from bench import memory as memory_bench
    from memory import migrate
    from memory.store import MemoryStore

    rows = []
    migrate(url)
    store = MemoryStore(url)
    try:
        seeder = memory_bench.Seeder(store, datetime(2023, 1, 1))
        rng = random.Random(7)
        for size in sorted(sizes):
            began = time.perf_counter()
            seeder.grow_to(size)
            with store.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
            seeded = time.perf_counter() - began
            result = memory_bench.measure(store, seeder, rng)
            rows.append(
                {
                    "exchanges": size,
                    "customers": seeder.customers,
                    "seeding_s": seeded,
                    "database_mb": database_mb(),
                    **result,
                }
            )
            print(f"  {size:,} exchanges: {result}", flush=True)
        began = time.perf_counter()
        heavy = seeder.add_customer(heavy_exchanges, rng)
        seeded = time.perf_counter() - began
        times = []
        for _ in range(memory_bench.CARD_READS):  # as many reads as at each size
            started = time.perf_counter()
            store.cards.card(heavy)
            times.append(time.perf_counter() - started)
    finally:
        store.close()
    return {
        "sizes": rows,
        "heavy": {
            "exchanges": heavy_exchanges,
            "seeding_s": seeded,
            "card_p50": stats.percentile(times, 0.5) * 1000,
            "card_p95": stats.percentile(times, 0.95) * 1000,
        },
    }


def measure_memory(counts: Counts) -> dict[str, Any]:
    """The memory on SQLite (a temporary file)."""
    with tempfile.TemporaryDirectory(prefix="rapport-bench-memory-") as folder:
        path = Path(folder) / "memory.db"
        return measure_memory_at(
            f"sqlite:///{path}",
            counts.memory_sizes,
            counts.heavy_exchanges,
            lambda: path.stat().st_size / 1e6,
        )


def measure_memory_on_postgres(counts: Counts) -> dict[str, Any]:
    """The memory on a PostgreSQL started here on loopback in a temporary folder (Debian's
    postgresql; as root it runs as the `postgres` user); skipped, with the reason, when it
    cannot start."""
    from sqlalchemy import text
    from sqlalchemy.future import create_engine

    from bot import local_services

    folder = Path(tempfile.mkdtemp(prefix="rapport-bench-pg-"))
    try:
        postgres = local_services.PostgresServer(folder)
        postgres.init()
        postgres.start()
    except local_services.ServiceUnavailable as error:
        shutil.rmtree(folder, ignore_errors=True)
        print(f"  PostgreSQL: skipped: {error}", flush=True)
        return {"skipped": str(error)}
    try:
        url = postgres.ensure_database("bench_memory")
        engine = create_engine(url, future=True)

        def database_mb() -> float:
            with engine.connect() as conn:
                size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
            return float(size or 0) / 1e6

        try:
            return {
                "version": postgres.bin.parent.name,
                **measure_memory_at(
                    url, counts.postgres_sizes, counts.heavy_exchanges, database_mb
                ),
            }
        finally:
            engine.dispose()
    finally:
        try:
            postgres.stop()
        finally:
            postgres.remove()


def measure_training() -> dict[str, Any]:
    """Seconds `python -m bot train --force` takes to train the sample bot, into a temporary
    folder (MODELS_DIR): the project's models are left alone."""
    with tempfile.TemporaryDirectory(prefix="rapport-bench-models-") as folder:
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "bot", "train", "--force"],
            cwd=ROOT,
            env={**os.environ, "MODELS_DIR": folder},
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.monotonic() - began
        models = list(Path(folder).glob("*.tar.gz"))
        if done.returncode or not models:
            tail = (done.stderr or done.stdout).strip()[-500:]
            print(f"  training failed (exit {done.returncode}): {tail}", flush=True)
            return {"failed": tail, "seconds": seconds}
        return {"seconds": seconds, "model_mb": models[0].stat().st_size / 1e6}


def machine() -> dict[str, Any]:
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
    }


def versions() -> dict[str, str]:
    from importlib import metadata

    found = {}
    for package in ("rasa", "rasa-sdk", "tensorflow", "spacy", "sanic", "SQLAlchemy", "py-spy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - fixed git command
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "changed_files": bool(git("status", "--short"))}


def cells(row: dict[str, Any]) -> list[str]:
    return [stats.number(row["p50_ms"]), stats.number(row["p95_ms"])]


def report(figures: dict[str, Any]) -> str:
    """The Markdown table of one run's figures."""
    n = stats.number
    parts = []
    latency = figures.get("latency")
    if latency:
        a, b, c = (latency[channel] for channel in "abc")
        parts.append(
            stats.markdown_table(
                ["1. latency, one at a time", "messages", "failed", "p50 ms", "p95 ms"],
                [
                    [name, str(row["count"]), str(row["failed"]), *cells(row)]
                    for name, row in (
                        ("(a) plain Rasa, REST", a),
                        ("(b) Rapport, REST", b),
                        ("(c) Rapport, widget (socket.io)", c),
                    )
                ]
                + [
                    ["ratio b/a", "", "", n(latency["b/a"]["p50"], 2), n(latency["b/a"]["p95"], 2)],
                    ["ratio c/a", "", "", n(latency["c/a"]["p50"], 2), n(latency["c/a"]["p95"], 2)],
                ],
            )
        )
    personal = (latency or {}).get("personal")
    if personal:
        b = latency["b"]
        rows = [
            [
                "(b) Rapport, REST: the script above",
                str(b["count"]),
                str(b["failed"]),
                *cells(b),
                "",
            ]
        ]
        for kind, row in personal.items():
            rows.append(
                [
                    PERSONAL_KINDS.get(kind, kind),
                    str(row["count"]),
                    str(row["failed"]),
                    *cells(row),
                    n(stats.ratio(row["p50_ms"], b["p50_ms"]), 2),
                ]
            )
        parts.append(
            stats.markdown_table(
                [
                    "1b. personalised messages, Rapport, REST",
                    "messages",
                    "failed",
                    "p50 ms",
                    "p95 ms",
                    "p50 / (b) p50",
                ],
                rows,
            )
        )
    load = figures.get("throughput")
    if load:
        parts.append(
            stats.markdown_table(
                [
                    f"2. throughput, {load['concurrency']} conversations at once",
                    "messages",
                    "failed",
                    "msgs/s",
                    "p50 ms",
                    "p95 ms",
                ],
                [
                    [
                        name,
                        str(row["messages"]),
                        str(row["failed"]),
                        n(row["per_second"]),
                        n(row["p50_ms"]),
                        n(row["p95_ms"]),
                    ]
                    for name, row in (("(a) plain Rasa", load["a"]), ("(b) Rapport", load["b"]))
                ]
                + [["ratio b/a", "", "", n(load["b/a"], 2), "", n(load["b/a p95"], 2)]],
            )
        )
    profile = figures.get("profile")
    if profile and profile["shares"]:
        table = stats.shares_table(
            "3. where Rapport's CPU time goes under load (both processes)", profile["shares"]
        )
        parts.append(
            f"{table}\n\nSampled by py-spy (waiting excluded) while Rapport's REST channel "
            f"served {profile['messages']} messages ({profile['failures']} failed): "
            f"{profile['rasa_samples']} samples in the Rasa process, "
            f"{profile['action_server_samples']} in the action server."
        )
        if profile["gil_shares"]:
            parts.append(
                stats.shares_table(
                    "3b. who holds the interpreter lock in Rapport's Rasa process",
                    profile["gil_shares"],
                )
            )
    rows = []
    for database, mem in (
        ("SQLite", figures.get("memory")),
        ("PostgreSQL", figures.get("postgres")),
    ):
        if not mem:
            continue
        if "skipped" in mem:
            rows.append([f"{database}: not measured ({mem['skipped']})", "", "", "", ""])
            continue
        if mem.get("version"):
            database = f"{database} {mem['version']}"
        rows += [
            [
                f"{database}, {row['exchanges']:,} exchanges ({row['customers']:,} customers, "
                f"{row['database_mb']:,.0f} MB)",
                n(row["card_p50"], 2),
                n(row["card_p95"], 2),
                n(row["write_p50"], 2),
                n(row["write_p95"], 2),
            ]
            for row in mem["sizes"]
        ]
        heavy = mem["heavy"]
        rows.append(
            [
                f"{database}, one customer with {heavy['exchanges']:,} exchanges of their own",
                n(heavy["card_p50"], 2),
                n(heavy["card_p95"], 2),
                "",
                "",
            ]
        )
    if rows:
        parts.append(
            stats.markdown_table(
                ["4. memory", "card p50 ms", "card p95 ms", "write p50 ms", "write p95 ms"], rows
            )
        )
    start = figures.get("cold_start")
    if start:
        parts.append(
            stats.markdown_table(
                ["5. cold start, servers started to first reply", "seconds"],
                [
                    ["Rapport (action server and Rasa server)", n(start["rapport_s"])],
                    ["plain Rasa (Rasa server only)", n(start["plain_s"])],
                ],
            )
        )
    training = figures.get("training")
    if training:
        done = "failed: see the JSON" if "failed" in training else n(training["seconds"])
        parts.append(
            stats.markdown_table(
                ["6. training", "seconds"],
                [["the sample bot, `python -m bot train --force`", done]],
            )
        )
    return "\n\n".join(parts)


def write_doc(table: str, figures: dict[str, Any]) -> None:
    heading = (
        f"Latest run: {figures['finished']} on {figures['machine']['cores']} cores "
        f"({figures['machine']['cpu'] or figures['machine']['platform']}), load average at the "
        f"start {figures['machine']['load_average'][0]:.1f}; commit "
        f"{figures['commit']['commit'][:10]}"
        f"{' with changes' if figures['commit']['changed_files'] else ''}; Rasa "
        f"{figures['versions']['rasa']}."
    )
    document = DOC.read_text() if DOC.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in document:
        document += f"\n{BEGIN}\n{END}\n"
    head, rest = document.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{BEGIN}\n{heading}\n\n{table}\n{END}{tail}")


def latency_figures(latency: Latency) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for channel in "abc":
        rows[channel] = {
            **stats.summary(latency.samples[channel]),
            "failed": latency.failures[channel],
        }
    for name, top in (("b/a", "b"), ("c/a", "c")):
        rows[name] = {
            "p50": stats.ratio(rows[top]["p50_ms"], rows["a"]["p50_ms"]),
            "p95": stats.ratio(rows[top]["p95_ms"], rows["a"]["p95_ms"]),
        }
    kinds = [
        kind
        for kind in PERSONAL_KINDS
        if kind in latency.personal or kind in latency.personal_failures
    ]
    if kinds:
        rows["personal"] = {
            kind: {
                **stats.summary(latency.personal.get(kind, [])),
                "failed": latency.personal_failures.get(kind, 0),
            }
            for kind in kinds
        }
    return rows


def throughput_figures(loads: dict[str, Load], concurrency: int) -> dict[str, Any]:
    rows: dict[str, Any] = {"concurrency": concurrency}
    for channel, load in loads.items():
        rows[channel] = {
            **stats.summary(load.samples),
            "messages": load.messages,
            "failed": load.failures,
            "failed_examples": load.failed_examples[:10],
            "seconds": load.seconds,
            "per_second": stats.ratio(len(load.samples), load.seconds),
        }
    rows["b/a"] = stats.ratio(rows["b"]["per_second"], rows["a"]["per_second"])
    rows["b/a p95"] = stats.ratio(rows["b"]["p95_ms"], rows["a"]["p95_ms"])
    return rows


async def measure_servers(counts: Counts, figures: dict[str, Any], stamp: str) -> None:
    visits = yaml.safe_load(VISITS.read_text())
    limits = dict(LIMITS)
    rabbitmq = None
    if counts.feed == "rabbitmq":
        print("starting RabbitMQ ...", flush=True)
        sys.path.insert(0, str(ROOT / "tests" / "cluster"))
        from rabbitmq_server import RabbitServer

        rabbitmq = RabbitServer()
        rabbitmq.start()
        limits.update({"EXCHANGE_FEED": "rabbitmq", "RABBITMQ_URL": rabbitmq.url})
    print("starting Rapport's servers ...", flush=True)
    began = time.monotonic()
    try:
        server = harness.start_server(limits, log_folder="bench")
    except BaseException:
        if rabbitmq is not None:
            rabbitmq.remove()
        raise
    rapport_seconds = time.monotonic() - began
    plain = None
    consumer = None
    try:
        if rabbitmq is not None:
            consumer = Service(
                "memory consumer",
                [sys.executable, "-m", "bot", "memory", "consume"],
                ROOT / "var" / "log" / "bench" / "consumer.log",
            )
            consumer.start(
                {
                    **server.env,
                    "DATABASE_URL": server.settings.database_url,
                    "EXCHANGE_FEED": "rabbitmq",
                    "RABBITMQ_URL": rabbitmq.url,
                }
            )
        print(f"  Rapport answered after {rapport_seconds:.0f} s; starting plain Rasa ...")
        began = time.monotonic()
        plain = start_plain(server)
        deadline = time.monotonic() + harness.START_TIMEOUT_SECONDS
        await wait_for_reply(plain.url, "", deadline)
        plain_seconds = time.monotonic() - began
        figures["cold_start"] = {"rapport_s": rapport_seconds, "plain_s": plain_seconds}
        print(f"  plain Rasa answered after {plain_seconds:.0f} s", flush=True)
        if "latency" in counts.parts:
            personal: list[dict[str, str]] = []
            returning: list[Returning] = []
            if "personal" in counts.parts:
                personal = visits["personal"]
                returning = seed_returning(server.settings.database_url, counts.conversations)
            print(
                f"latency: {counts.conversations} conversations on each of a, b, c"
                f"{' and returning customers on b' if returning else ''} ..."
            )
            latency = await measure_latency(
                plain, server, visits["latency"], counts.conversations, personal, returning
            )
            figures["latency"] = latency_figures(latency)
        if "throughput" in counts.parts:
            print(f"throughput: {counts.concurrency} at once, {counts.load_messages} messages ...")
            loads = await measure_throughput(plain, server, visits["visits"], counts)
            figures["throughput"] = throughput_figures(loads, counts.concurrency)
        if "profile" in counts.parts:
            print(f"profile: py-spy on Rapport for {counts.profile_seconds} s under load ...")
            figures["profile"] = await profile_rapport(server, visits["visits"], counts, stamp)
    finally:
        if plain is not None:
            plain.stop()
        if consumer is not None:
            consumer.stop()
        server.stop()
        if rabbitmq is not None:
            rabbitmq.remove()


def main() -> int:
    counts = Counts()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    began = time.monotonic()
    figures: dict[str, Any] = {
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "commit": commit(),
        "counts": {name: getattr(counts, name) for name in counts.__dataclass_fields__},
    }
    asyncio.run(measure_servers(counts, figures, stamp))
    if "memory" in counts.parts:
        print(f"memory: {', '.join(f'{size:,}' for size in counts.memory_sizes)} exchanges ...")
        figures["memory"] = measure_memory(counts)
        if counts.postgres_sizes:
            sizes = ", ".join(f"{size:,}" for size in counts.postgres_sizes)
            print(f"memory on PostgreSQL: {sizes} exchanges ...", flush=True)
            figures["postgres"] = measure_memory_on_postgres(counts)
    if "training" in counts.parts:
        print("training: python -m bot train --force into a temporary folder ...", flush=True)
        figures["training"] = measure_training()
    figures["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    figures["machine"]["load_average_at_end"] = os.getloadavg()
    figures["total_seconds"] = time.monotonic() - began
    table = report(figures)
    print(table)
    path = RESULTS / f"bench-{stamp}.json"
    path.write_text(json.dumps(figures, indent=2, default=str))
    if counts.feed != "embedded":
        # docs/performance.md keeps the default's table; this run's figures stay in the JSON.
        print(f"figures ({counts.feed} feed): {path.relative_to(ROOT)}")
        return 0
    print(f"figures: {path.relative_to(ROOT)}; table: {DOC.relative_to(ROOT)}")
    write_doc(table, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
