"""`make bench-cluster`: throughput of 1 and of 2 Rasa processes behind nginx, measured in one run.

    make bench-cluster        (or: .venv/bin/python -m bench.cluster; needs a trained model)

Starts PostgreSQL, Redis and RabbitMQ on loopback in temporary folders, then
`python -m bot run --processes N` (as an operator starts it: nginx in front, the action server,
one memory consumer, the exchange feed through RabbitMQ so that fact extraction is out of the
Rasa processes) for N = 1 and then N = 2, each on fresh databases. Against each it runs the
benchmark's concurrent scripted visits (`bench/visits.yml`, `bench/run.py`'s load) through
nginx's REST webhook, every reply checked, and reads each process's CPU time from /proc over
the load: where the time goes. Prints the table, writes the figures to
bench/results/cluster-<time>.json and the table into docs/performance.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "cluster"))
sys.path.insert(0, str(ROOT / "tests" / "integration" / "widget"))

import cluster_harness  # noqa: E402

from bench import run as bench  # noqa: E402
from bot import local_services  # noqa: E402

DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench-cluster:begin -->", "<!-- bench-cluster:end -->"
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "20"))
MESSAGES = int(os.environ.get("BENCH_CLUSTER_MESSAGES", "300"))
ROUNDS = int(os.environ.get("BENCH_CLUSTER_ROUNDS", "2"))
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used so far, 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def busy_seconds() -> tuple[float, float]:
    """The whole machine's busy and total CPU seconds so far (all cores, every user)."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


async def measure(launched: cluster_harness.Launched, visits: list[list[str]]) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=CONCURRENCY * 2)
    async with aiohttp.ClientSession(connector=connector) as http:
        rest = bench.Rest(http, launched.url, cluster_harness.REST_TOKEN)
        # A short round first: each process's first messages load lazily what they use.
        await bench.run_load(rest.say, visits, CONCURRENCY, CONCURRENCY * 2, "warm")
        total = bench.Load()
        cpu_before = {name: cpu_seconds(pid) for name, pid in launched.pids.items()}
        machine_before = busy_seconds()
        for number in range(ROUNDS):
            load = await bench.run_load(rest.say, visits, CONCURRENCY, MESSAGES, f"r{number}")
            print(
                f"  round {number + 1}: {load.messages} messages in {load.seconds:.1f} s, "
                f"{load.failures} failed",
                flush=True,
            )
            total.seconds += load.seconds
            total.samples += load.samples
            total.failures += load.failures
            total.failed_examples += load.failed_examples[:5]
        machine_after = busy_seconds()
        cpu = {
            name: (cpu_seconds(pid) - cpu_before[name]) / total.seconds
            for name, pid in launched.pids.items()
        }
    machine_busy = (machine_after[0] - machine_before[0]) / (machine_after[1] - machine_before[1])
    return {
        "messages": total.messages,
        "failures": total.failures,
        "failed_examples": total.failed_examples[:5],
        "seconds": total.seconds,
        "per_second": total.messages / total.seconds,
        "p50_s": bench.stats.percentile(total.samples, 0.5) if total.samples else None,
        "p95_s": bench.stats.percentile(total.samples, 0.95) if total.samples else None,
        "cores_used": cpu,
        "machine_busy_share": machine_busy,
        "load_average": os.getloadavg(),
    }


def report(figures: dict[str, Any]) -> str:
    rows = []
    for count in ("1", "2"):
        run = figures["runs"][count]
        rasa = sum(share for name, share in run["cores_used"].items() if name.startswith("Rasa"))
        rows.append(
            f"| {count} | {run['per_second']:.1f} | {run['p50_s']:.2f} | {run['p95_s']:.2f} | "
            f"{run['failures']} / {run['messages']} | {rasa:.2f} | "
            f"{run['cores_used'].get('action server', 0):.2f} | "
            f"{run['cores_used'].get('memory consumer 1', 0):.2f} | "
            f"{run['cores_used'].get('nginx', 0):.2f} | {run['machine_busy_share']:.0%} |"
        )
    head = (
        "| Rasa processes | messages/s | p50 s | p95 s | failed | cores: Rasa | action server"
        " | consumer | nginx | machine busy (all users) |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    )
    machine = figures["machine"]
    load_average = ", ".join(f"{value:.1f}" for value in machine["load_average"])
    return (
        f"{head}" + "\n".join(rows) + f"\n\nSpeed-up of 2 processes over 1: "
        f"**{figures['speed_up']:.2f}**. {CONCURRENCY} customers at once, {ROUNDS} rounds of "
        f"{MESSAGES} messages through nginx's REST webhook, EXCHANGE_FEED=rabbitmq with one "
        f"memory consumer; {machine['cpus']} cores, load average {load_average}, "
        f"{figures['started']}, commit {figures['commit']['commit'][:10]}. Cores: CPU "
        "seconds each process used per second of load (from /proc)."
    )


def write_doc(table: str) -> None:
    text = DOC.read_text()
    if BEGIN in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        DOC.write_text(f"{before}{BEGIN}\n{table}\n{END}{after}")
    else:
        DOC.write_text(f"{text.rstrip()}\n\n{BEGIN}\n{table}\n{END}\n")


def main() -> int:
    visits = yaml.safe_load(bench.VISITS.read_text())["visits"]
    folder = Path(tempfile.mkdtemp(prefix="rapport-bench-cluster-"))
    figures: dict[str, Any] = {
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": bench.commit(),
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "runs": {},
    }
    servers: list[Any] = []
    try:
        print("starting PostgreSQL, Redis and RabbitMQ ...", flush=True)
        # A folder of its own: as root the server runs as `postgres`, which must reach it.
        postgres = local_services.PostgresServer(Path(tempfile.mkdtemp(prefix="rapport-pg-")))
        postgres.init()
        postgres.start()
        servers.append(postgres)
        redis = local_services.RedisServer(folder / "redis")
        redis.start()
        servers.append(redis)
        rabbit = local_services.RabbitServer(folder / "rabbitmq")
        rabbit.start()
        servers.append(rabbit)
        for count in (1, 2):
            print(f"starting {count} Rasa process(es) behind nginx ...", flush=True)
            began = time.monotonic()
            launched = cluster_harness.launch(
                folder / f"cluster-{count}",
                count,
                postgres.ensure_database(f"bench_tracker_{count}"),
                postgres.ensure_database(f"bench_memory_{count}"),
                redis.url,
                {"EXCHANGE_FEED": "rabbitmq", "RABBITMQ_URL": rabbit.url, "CONSUMERS": "1"},
            )
            print(f"  answering after {time.monotonic() - began:.0f} s", flush=True)
            try:
                figures["runs"][str(count)] = asyncio.run(measure(launched, visits))
            finally:
                launched.stop()
    finally:
        for server in reversed(servers):
            server.stop()
            if isinstance(server, local_services.RabbitServer):
                server.stop_epmd()
            if isinstance(server, local_services.PostgresServer):
                server.remove()
        shutil.rmtree(folder, ignore_errors=True)
    runs = figures["runs"]
    figures["speed_up"] = runs["2"]["per_second"] / runs["1"]["per_second"]
    figures["machine"]["load_average_at_end"] = os.getloadavg()
    table = report(figures)
    print(table)
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    path = bench.RESULTS / f"cluster-{stamp}.json"
    path.write_text(json.dumps(figures, indent=2, default=str))
    write_doc(table)
    print(f"figures: {path.relative_to(ROOT)}; table: {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
