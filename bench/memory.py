"""Benchmark of the relationship memory: card reads and exchange writes at 10k, 100k and 1M.

    make bench-memory            (or: .venv/bin/python -m bench.memory [--sizes 10000,100000])

Seeds a temporary SQLite database with exchanges across many customers (bulk inserts through
Core executemany), then measures the p50 and p95 of a card read (`store.cards.card`) and of
an exchange write (`memory.services.record_exchange`) at each size, and writes the table into
docs/memory.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import String, Table, cast, func, literal, select
from sqlalchemy.engine import Connection

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import memory  # noqa: E402 - after the path set-up for `python bench/memory.py`
from memory import schema as s  # noqa: E402
from memory import services  # noqa: E402
from memory.records import Exchange  # noqa: E402
from memory.store import MemoryStore  # noqa: E402

DOC = ROOT / "docs" / "memory.md"
BEGIN, END = "<!-- bench-memory:begin -->", "<!-- bench-memory:end -->"
EXCHANGES_PER_CUSTOMER = 100
EXCHANGES_PER_CONVERSATION = 10
INTENTS = ["greet", "book_repair", "check_repair", "ask_hours", "buy_product", "complain"]
CARD_READS = 1000
WRITES = 500
BATCH = 20_000
# From this many exchanges on, the seeder has the database copy customers it already has.
COPY_FROM = 100_000
# Seeded customers' names: names a person has (the greeting of a returning customer uses one;
# "Rider 12" would be taken for a reference, not a name).
FIRST_NAMES = ("Sam", "Alex", "Priya", "Jo", "Tom", "Mia", "Omar", "Lena", "Ravi", "Zoe")
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def name_of(customer: int) -> str:
    """A seeded customer's name: a first name and a family name made of letters."""
    family, number = "", customer
    while True:
        number, letter = divmod(number, len(LETTERS))
        family += LETTERS[letter]
        if not number:
            break
    return f"{FIRST_NAMES[customer % len(FIRST_NAMES)]} {family.capitalize()}son"


class Seeder:
    """Adds customers with their identities, conversations, exchanges and a few facts."""

    def __init__(self, store: MemoryStore, start: datetime) -> None:
        self.store = store
        self.start = start
        self.customers = 0
        self.exchanges = 0
        self.conversations = 0
        self.copies = 0

    def grow_to(self, total: int) -> None:
        """Exchanges up to `total`: built here in batches up to COPY_FROM, then by the database
        copying the customers it has (10 M exchanges in minutes instead of half an hour)."""
        rng = random.Random(total)
        while self.exchanges < total:
            if self.exchanges >= COPY_FROM:
                self._copy_customers(total - self.exchanges)
                continue
            count = min(BATCH // EXCHANGES_PER_CUSTOMER, (total - self.exchanges) // 100 or 1)
            self._add_customers(count, rng)

    def _copy_customers(self, wanted: int) -> None:
        """Copies of the first customers (identities, conversations, exchanges, facts and ratings
        alike) under new ids, about `wanted` exchanges, made with INSERT ... SELECT."""
        self.copies += 1
        with self.store.engine.begin() as conn:
            first = conn.execute(select(func.max(s.customers.c.id))).scalar() or 0
            conversation = conn.execute(select(func.max(s.conversations.c.id))).scalar() or 0
            count = min(first, max(1, wanted // EXCHANGES_PER_CUSTOMER))

            def sender(customer_id: Any) -> Any:
                return literal("web-") + cast(customer_id + first, String)

            def copy(table: Table, columns: dict[str, Any], where: Any) -> int:
                names = list(columns)
                query = select(*columns.values()).where(where)
                return conn.execute(table.insert().from_select(names, query)).rowcount

            c = s.customers.c
            keep = (
                "created_at",
                "first_seen",
                "last_seen",
                "visits",
                "benefit",
                "cost",
                "tally_at",
            )
            copy(s.customers, {"id": c.id + first, **{k: c[k] for k in keep}}, c.id <= count)
            i = s.identities.c
            identity = {"sender_id": sender(i.customer_id), "customer_id": i.customer_id + first}
            copy(s.identities, {**identity, "linked_at": i.linked_at}, i.customer_id <= count)
            v = s.conversations.c
            keep = ("started_at", "last_at", "exchange_count", "not_understood")
            conversations = {
                "id": v.id + conversation,
                "customer_id": v.customer_id + first,
                "sender_id": sender(v.customer_id),
                **{k: v[k] for k in keep},
            }
            copy(s.conversations, conversations, v.customer_id <= count)
            e = s.exchanges.c
            keep = ("speaker", "text", "at", "intent", "confidence", "action")
            exchanges = {
                "event_id": literal(f"copy{self.copies}-") + e.event_id,
                "customer_id": e.customer_id + first,
                "conversation_id": e.conversation_id + conversation,
                **{k: e[k] for k in keep},
            }
            added = copy(s.exchanges, exchanges, e.customer_id <= count)
            f = s.facts.c
            keep = ("kind", "key", "value", "source", "confidence", "recorded_at")
            facts = {"customer_id": f.customer_id + first, **{k: f[k] for k in keep}}
            copy(s.facts, facts, (f.customer_id <= count) & f.superseded_at.is_(None))
            r = s.ratings.c
            ratings = {"customer_id": r.customer_id + first, "score": r.score, "at": r.at}
            copy(s.ratings, ratings, r.customer_id <= count)
            if conn.dialect.name == "postgresql":
                move_sequences(conn)
        self.customers = first + count
        self.exchanges += added

    def add_customer(self, exchanges: int, rng: random.Random) -> int:
        """One more customer with `exchanges` exchanges of their own; their id."""
        self._add_customers(1, rng, exchanges)
        return self.customers

    def _add_customers(
        self, count: int, rng: random.Random, per_customer: int = EXCHANGES_PER_CUSTOMER
    ) -> None:
        customers, identities, conversations, exchanges, facts, ratings = [], [], [], [], [], []
        with self.store.engine.connect() as conn:  # the measured writes add rows too
            self.customers = conn.execute(select(func.max(s.customers.c.id))).scalar() or 0
            self.conversations = conn.execute(select(func.max(s.conversations.c.id))).scalar() or 0
        for _ in range(count):
            self.customers += 1
            customer = self.customers
            first = self.start + timedelta(minutes=rng.randrange(0, 200_000))
            at = first
            for turn in range(per_customer):
                if turn % EXCHANGES_PER_CONVERSATION == 0:
                    self.conversations += 1
                    at += timedelta(days=rng.randrange(1, 5))
                    conversations.append(
                        {
                            "id": self.conversations,
                            "customer_id": customer,
                            "sender_id": f"web-{customer}",
                            "started_at": at,
                            "last_at": at + timedelta(minutes=5),
                            "exchange_count": EXCHANGES_PER_CONVERSATION,
                            "not_understood": 0,
                        }
                    )
                self.exchanges += 1
                at += timedelta(seconds=20)
                speaker = "customer" if turn % 2 == 0 else "bot"
                exchanges.append(
                    {
                        "event_id": f"seed-{self.exchanges}",
                        "customer_id": customer,
                        "conversation_id": self.conversations,
                        "speaker": speaker,
                        "text": "my gravel bike needs a service" if speaker == "customer" else "ok",
                        "at": at,
                        "intent": rng.choice(INTENTS) if speaker == "customer" else None,
                        "confidence": 0.9 if speaker == "customer" else None,
                        "action": None if speaker == "customer" else "utter_ok",
                    }
                )
            customers.append(
                {
                    "id": customer,
                    "created_at": first,
                    "first_seen": first,
                    "last_seen": at,
                    "visits": max(1, per_customer // EXCHANGES_PER_CONVERSATION),
                    "benefit": 5.0,
                    "cost": 1.0,
                    "tally_at": at,
                }
            )
            identities.append(
                {"sender_id": f"web-{customer}", "customer_id": customer, "linked_at": first}
            )
            for kind, value in [("name", name_of(customer)), ("bike", "Trek FX 3")]:
                facts.append(
                    {
                        "customer_id": customer,
                        "kind": kind,
                        "key": "",
                        "value": value,
                        "source": "message",
                        "confidence": 0.9,
                        "recorded_at": first,
                    }
                )
            ratings.append({"customer_id": customer, "score": rng.randint(3, 5), "at": at})
        with self.store.engine.begin() as conn:
            conn.execute(s.customers.insert(), customers)
            conn.execute(s.identities.insert(), identities)
            conn.execute(s.conversations.insert(), conversations)
            conn.execute(s.exchanges.insert(), exchanges)
            conn.execute(s.facts.insert(), facts)
            conn.execute(s.ratings.insert(), ratings)
            if conn.dialect.name == "postgresql":
                move_sequences(conn)


def move_sequences(conn: Connection) -> None:
    """On PostgreSQL: the ids the seeder gave were not drawn from the sequences; move them past
    those ids, so that the rows the measured writes and the servers add get ids of their own."""
    for table in (s.customers, s.conversations):
        highest = select(func.max(table.c.id)).scalar_subquery()
        sequence = func.pg_get_serial_sequence(table.name, "id")
        conn.execute(select(func.setval(sequence, highest)))


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p95) in milliseconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000


def measure(store: MemoryStore, seeder: Seeder, rng: random.Random) -> dict[str, float]:
    card_times = []
    for _ in range(CARD_READS):
        customer = rng.randint(1, seeder.customers)
        began = time.perf_counter()
        store.cards.card(customer)
        card_times.append(time.perf_counter() - began)
    write_times = []
    now = seeder.start + timedelta(days=400)
    for index in range(WRITES):
        customer = rng.randint(1, seeder.customers)
        exchange = Exchange(
            event_id=f"bench-{seeder.exchanges}-{index}",
            sender_id=f"web-{customer}",
            speaker="customer",
            text="is my repair ready?",
            at=now + timedelta(seconds=index),
            intent="check_repair",
            confidence=0.95,
        )
        began = time.perf_counter()
        services.record_exchange(store, exchange)
        write_times.append(time.perf_counter() - began)
    card50, card95 = percentiles(card_times)
    write50, write95 = percentiles(write_times)
    return {"card_p50": card50, "card_p95": card95, "write_p50": write50, "write_p95": write95}


def table(rows: list[tuple[int, int, float, dict[str, float]]]) -> str:
    lines = [
        "| exchanges | customers | seeding (s) | card p50 (ms) | card p95 (ms) "
        "| record p50 (ms) | record p95 (ms) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, customers, seconds, result in rows:
        lines.append(
            f"| {size:,} | {customers:,} | {seconds:.0f} | {result['card_p50']:.2f} "
            f"| {result['card_p95']:.2f} | {result['write_p50']:.2f} | {result['write_p95']:.2f} |"
        )
    return "\n".join(lines)


def write_doc(text: str) -> None:
    document = DOC.read_text() if DOC.exists() else f"# Relationship memory\n\n{BEGIN}\n{END}\n"
    if BEGIN not in document:
        document += f"\n{BEGIN}\n{END}\n"
    head, rest = document.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs alone")
    args = parser.parse_args(argv)
    sizes = sorted(int(size) for size in args.sizes.split(","))
    rows = []
    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'memory.db'}"
        memory.migrate(url)
        store = MemoryStore(url)
        seeder = Seeder(store, datetime(2023, 1, 1))
        rng = random.Random(7)
        for size in sizes:
            began = time.perf_counter()
            seeder.grow_to(size)
            with store.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
            seeded = time.perf_counter() - began
            result = measure(store, seeder, rng)
            rows.append((size, seeder.customers, seeded, result))
            print(
                f"{size:>9,} exchanges: card p50 {result['card_p50']:.2f} ms, "
                f"p95 {result['card_p95']:.2f} ms; record p50 {result['write_p50']:.2f} ms, "
                f"p95 {result['write_p95']:.2f} ms (seeded in {seeded:.0f} s)",
                flush=True,
            )
        store.close()
    text = table(rows)
    if len(rows) > 1:
        growth = rows[-1][3]["card_p95"] / rows[0][3]["card_p95"]
        text += (
            f"\n\nCard p95 grew {growth:.2f}x from {rows[0][0]:,} to {rows[-1][0]:,} exchanges "
            f"(target: under 1.5x; and under 5 ms at 1,000,000)."
        )
    print(text)
    if not args.no_doc:
        write_doc(text)
        print(f"written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
