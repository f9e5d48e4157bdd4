"""The soak: many concurrent conversations through the widget channel of a real Rasa server,
for minutes, bounded, with nothing lost.

`make test-soak` (run by `.ci/run`, not by `make test`): `SOAK_CONVERSATIONS` (50) customers
talk at once for `SOAK_MINUTES` (10), each waiting for the bot's reply and a moment's thought
before the next message. Every message must be answered (a reply or, over a limit, the limit's
notice), every customer message must be in memory exactly once, and the memory of the Rasa
server and the action server must stay flat. The figures are printed and written to
`var/soak/latest.json`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import statistics
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import pytest
import rapport_widget_server
from rapport_widget_server import WidgetServer
from widget_client import Widget

from bot import session_tokens
from bot.settings import ROOT

pytestmark = [pytest.mark.soak]

CONVERSATIONS = int(os.environ.get("SOAK_CONVERSATIONS", "50"))
MINUTES = float(os.environ.get("SOAK_MINUTES", "10"))
REPLY_SECONDS = 60.0
THINK_SECONDS = (1.0, 4.0)
# Memory may grow while caches fill; more than this over the run is a leak to look into.
MAX_GROWTH = 1.5

VISITS = [
    ["hello", "what are your opening hours?", "where are you?", "thanks", "bye"],
    ["hi there", "do you do repairs?", "how much is a service?", "cheers"],
    ["hey", "I'm looking for a bike for commuting", "what about something cheaper?", "thanks"],
    ["good morning", "are you open on sunday?", "do you have group rides?", "great, bye"],
    ["hello", "can I return a helmet?", "how long do refunds take?", "ok thank you"],
]


@dataclass
class Figures:
    conversations: int = 0
    sent: int = 0
    answered: int = 0
    limited: int = 0
    unanswered: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list, repr=False)
    said: dict[str, int] = field(default_factory=dict, repr=False)


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _memory_of(server: WidgetServer) -> dict[str, int]:
    return {
        service.name: _rss_kib(service.process.pid)
        for service in server.services
        if service.process is not None
    }


@pytest.fixture(scope="module")
def soak_server() -> Iterator[WidgetServer]:
    limits = {
        **rapport_widget_server.SHARED_SERVER_LIMITS,
        "RATE_LIMIT_PER_MINUTE": "1000",
        "ADDRESS_RATE_LIMIT_PER_MINUTE": "100000",
    }
    server = rapport_widget_server.start_server(limits, log_folder="soak")
    yield server
    server.stop()


async def _customer(server: WidgetServer, number: int, until: float, figures: Figures) -> None:
    widget = Widget(server.url)
    rng = random.Random(number)
    try:
        await widget.connect()
        token, _ = await widget.start_session()
        conversation = session_tokens.verify_session_token(
            rapport_widget_server.SESSION_SECRET, token
        )
        figures.conversations += 1
        figures.said[conversation] = 0
        visit = VISITS[number % len(VISITS)]
        turn = 0
        while time.monotonic() < until:
            text = visit[turn % len(visit)]
            turn += 1
            started = time.monotonic()
            figures.sent += 1
            figures.said[conversation] += 1
            try:
                reply = await widget.say(text)
            except AssertionError:
                figures.unanswered += 1
                continue
            figures.latencies.append(time.monotonic() - started)
            if reply.get("notice") == "rate_limited":
                figures.limited += 1
            else:
                figures.answered += 1
            await widget.drain(rng.uniform(*THINK_SECONDS))
    except Exception as error:
        figures.errors.append(f"customer {number}: {type(error).__name__}: {error}")
    finally:
        await widget.close()


def _in_memory(server: WidgetServer, conversation: str) -> int:
    database = server.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM exchanges e JOIN conversations c ON e.conversation_id = c.id"
            " WHERE c.sender_id = ? AND e.speaker = 'customer'",
            (conversation,),
        ).fetchone()
    return int(count)


async def test_many_conversations_for_minutes_lose_nothing(soak_server: WidgetServer) -> None:
    # Warm up (models and caches loaded) before the memory is first measured.
    warm = Widget(soak_server.url)
    await warm.connect()
    await warm.start_session()
    for text in ("hello", "what are your opening hours?", "thanks"):
        await warm.say(text)
    await warm.close()
    memory_at_start = _memory_of(soak_server)

    figures = Figures()
    started = time.monotonic()
    until = started + MINUTES * 60
    await asyncio.gather(*(_customer(soak_server, n, until, figures) for n in range(CONVERSATIONS)))
    took = time.monotonic() - started
    memory_at_end = _memory_of(soak_server)

    # Every customer message reaches memory, once (the broker may still be writing).
    deadline = time.monotonic() + 120
    missing: dict[str, tuple[int, int]] = {}
    while True:
        stored = {c: _in_memory(soak_server, c) for c in figures.said}
        missing = {c: (figures.said[c], n) for c, n in stored.items() if n != figures.said[c]}
        if not missing or time.monotonic() > deadline:
            break
        await asyncio.sleep(2)

    latencies = sorted(figures.latencies)
    report = {
        **{k: v for k, v in asdict(figures).items() if k not in ("latencies", "said")},
        "minutes": round(took / 60, 2),
        "messages_per_second": round(figures.sent / took, 2),
        "p50_seconds": round(statistics.median(latencies), 3) if latencies else None,
        "p95_seconds": round(latencies[int(0.95 * (len(latencies) - 1))], 3) if latencies else None,
        "memory_kib_start": memory_at_start,
        "memory_kib_end": memory_at_end,
        "conversations_not_exactly_in_memory": len(missing),
    }
    folder = ROOT / "var" / "soak"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print("\nsoak:", json.dumps(report, indent=2))

    assert figures.errors == []
    assert figures.conversations == CONVERSATIONS
    assert figures.unanswered == 0
    assert figures.answered + figures.limited == figures.sent
    assert missing == {}, f"said vs in memory: {dict(list(missing.items())[:5])}"
    for name, start in memory_at_start.items():
        assert memory_at_end[name] <= start * MAX_GROWTH, (name, start, memory_at_end[name])
