"""Benchmark of the managers' insights page's figures at 1 million exchanges and 10 thousand
customers on SQLite (not part of `make test`).

    make bench-insights          (or: .venv/bin/python -m bench.insights [--exchanges N])

Seeds a temporary SQLite memory with bench/memory.py's Seeder (100 exchanges per customer), then
adds what the page reads besides exchanges: say-yes decisions on some bot messages, messages
not understood, handoffs with an agent's first reply, open complaints, promises (some overdue),
ratings and ideas. Measures `memory.insights.Insights.report` plus its JSON encoding (what
GET /console/api/insights does) for an 8-week range and for the whole half year, and writes the
table into docs/insights.md.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import memory  # noqa: E402 - after the path set-up for `python bench/insights.py`
from bench.memory import Seeder  # noqa: E402
from memory import schema as s  # noqa: E402
from memory.insights import DateRange, Insights  # noqa: E402
from memory.rules import STAGES  # noqa: E402
from memory.store import MemoryStore  # noqa: E402

DOC = ROOT / "docs" / "insights.md"
BEGIN, END = "<!-- bench-insights:begin -->", "<!-- bench-insights:end -->"
START = datetime(2023, 1, 1)
RUNS = 5
HANDOFFS = 3000
ISSUES = 1500
PROMISES = 1000
IDEAS = 2000
STAGE_CHANGES = 50_000  # five judgements that changed per customer
KINDS = ("return", "order", "repair")
RUNGS = ("yes", "yes_with_condition", "yes_alternative", "yes_person")


def enrich(store: MemoryStore, rng: random.Random) -> datetime:
    """What the page reads besides plain exchanges; returns the last exchange's time."""
    e = s.exchanges.c
    with store.engine.begin() as conn:
        last = conn.execute(select(func.max(e.at))).scalar_one()
        customers = conn.execute(select(func.max(s.customers.c.id))).scalar_one()
        # One bot message in 25 carries a say-yes decision; one customer message in 17 missed.
        for index, kind in enumerate(KINDS):
            for rung_index, rung in enumerate(RUNGS):
                slot = index * len(RUNGS) + rung_index
                decision = {"kind": kind, "rung": rung, "reason_code": f"{kind}.{rung}"}
                if slot % 3:  # most requests name an item; some do not
                    decision["item"] = f"item {slot % 5}"
                policy = json.dumps({"say_yes": decision})
                conn.execute(
                    update(s.exchanges)
                    .where(e.speaker == "bot", e.id % 300 == slot * 25 % 300)
                    .values(policy=policy)
                )
        conn.execute(
            update(s.exchanges)
            .where(e.speaker == "customer", e.id % 17 == 1)
            .values(intent="nlu_fallback", confidence=0.3)
        )
        handoffs, agent_messages = [], []
        for number in range(HANDOFFS):
            customer = rng.randint(1, customers)
            row = conn.execute(
                select(s.conversations.c.id, s.conversations.c.started_at)
                .where(s.conversations.c.customer_id == customer)
                .order_by(s.conversations.c.started_at.desc())
                .limit(1)
            ).one()
            asked = row.started_at + timedelta(minutes=2)
            handoffs.append(
                {
                    "sender_id": f"web-{customer}",
                    "reason": rng.choice(["customer_asked", "fallback", "complaint"]),
                    "state": "resolved",
                    "requested_at": asked,
                    "claimed_by": "Kim",
                    "claimed_at": asked,
                    "resolved_at": asked + timedelta(minutes=15),
                    "outcome": "resolved",
                }
            )
            agent_messages.append(
                {
                    "event_id": f"agent-{number}",
                    "customer_id": customer,
                    "conversation_id": row.id,
                    "speaker": "agent",
                    "text": "Kim here",
                    "at": asked + timedelta(seconds=rng.randint(30, 900)),
                    "agent": "Kim",
                }
            )
        conn.execute(s.handoffs.insert(), handoffs)
        conn.execute(s.exchanges.insert(), agent_messages)
        conn.execute(
            s.issues.insert(),
            [
                {
                    "customer_id": rng.randint(1, customers),
                    "kind": "complaint",
                    "summary": "the wheel arrived bent",
                    "state": rng.choice(["open", "resolved"]),
                    "opened_at": last - timedelta(days=rng.randint(0, 120)),
                    "updated_at": last,
                }
                for _ in range(ISSUES)
            ],
        )
        changes = []
        for _ in range(STAGE_CHANGES):
            step = rng.randrange(len(STAGES) - 1)
            was, now_at_risk = rng.random() < 0.1, rng.random() < 0.1
            changes.append(
                {
                    "customer_id": rng.randint(1, customers),
                    "from_stage": STAGES[step],
                    "to_stage": STAGES[step + rng.choice((0, 1))],
                    "was_at_risk": was,
                    "at_risk": now_at_risk,
                    "at": last - timedelta(minutes=rng.randint(0, 180 * 24 * 60)),
                }
            )
        conn.execute(s.stage_changes.insert(), changes)
        conn.execute(
            s.promises.insert(),
            [
                {
                    "customer_id": rng.randint(1, customers),
                    "text": "call back about the refund",
                    "made_at": last - timedelta(days=10),
                    "due_at": last + timedelta(days=rng.randint(-9, 9)),
                    "state": "open",
                }
                for _ in range(PROMISES)
            ],
        )
        for _ in range(IDEAS):
            created = last - timedelta(days=rng.randint(0, 150))
            feedback_id = conn.execute(
                s.feedback.insert().values(
                    customer_id=rng.randint(1, customers),
                    kind=rng.choice(["idea", "feedback"]),
                    text="longer opening hours on Saturdays",
                    state=rng.choice(["received", "planned", "done", "declined"]),
                    created_at=created,
                    updated_at=created,
                )
            ).inserted_primary_key[0]
            conn.execute(
                s.feedback_states.insert().values(
                    feedback_id=feedback_id, state="received", at=created
                )
            )
        conn.exec_driver_sql("ANALYZE")
    return last


def timed(insights: Insights, span: DateRange) -> tuple[float, float, int]:
    """(median, slowest) seconds of the report and its JSON, and the JSON's size in bytes."""
    times, size = [], 0
    for _ in range(RUNS):
        began = time.perf_counter()
        # The at-risk reasons are the rules' codes (the console words them): written as text.
        size = len(json.dumps(insights.report(span), default=str))
        times.append(time.perf_counter() - began)
    return statistics.median(times), max(times), size


def write_doc(text: str) -> None:
    document = DOC.read_text()
    head, rest = document.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exchanges", type=int, default=1_000_000)
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs alone")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rapport-bench-insights-") as folder:
        url = f"sqlite:///{Path(folder) / 'memory.db'}"
        memory.migrate(url)
        store = MemoryStore(url)
        began = time.perf_counter()
        seeder = Seeder(store, START)
        seeder.grow_to(args.exchanges)
        last = enrich(store, random.Random(11))
        seeded = time.perf_counter() - began
        with store.engine.connect() as conn:
            exchanges = conn.execute(select(func.count()).select_from(s.exchanges)).scalar_one()
            customers = conn.execute(select(func.count()).select_from(s.customers)).scalar_one()
            changes = conn.execute(select(func.count()).select_from(s.stage_changes)).scalar_one()
        insights = Insights(store.engine, store.rules, clock=lambda: last + timedelta(days=1))
        end: date = last.date()
        spans = {
            "8 weeks": DateRange(end - timedelta(days=55), end),
            "half a year": DateRange(START.date(), end),
        }
        lines = [
            f"{exchanges:,} exchanges, {customers:,} customers, {changes:,} stage changes on "
            f"SQLite (seeded in {seeded:.0f} s); the report and its JSON, {RUNS} runs each:",
            "",
            "| range | median (s) | slowest (s) | JSON (kB) |",
            "| --- | ---: | ---: | ---: |",
        ]
        for label, span in spans.items():
            median, slowest, size = timed(insights, span)
            lines.append(f"| {label} | {median:.2f} | {slowest:.2f} | {size / 1000:.0f} |")
            print(lines[-1], flush=True)
        store.close()
    text = "\n".join(lines)
    print(text)
    if not args.no_doc:
        write_doc(text)
        print(f"written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
