"""The memory writer process (MEMORY_WRITER=process): the Rasa process's event broker only
appends to the outbox, and `python -m bot memory write` writes the events into memory, each
exactly once, also when it is killed mid-stream; while it is down nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import func, select

import memory
from bot.broker import MemoryEventBroker
from bot.settings import ROOT
from memory import schema
from memory.ingest import EventIngestor, Outbox, OutboxWriter, WriterRunning
from memory.store import MemoryStore

# The broker test's conversation (session, greeting with a name, a slot, an agent's message).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_memory_broker import conversation, count_exchanges, user


def process_broker_config(tmp_path: Path) -> EndpointConfig:
    return EndpointConfig(
        url=f"sqlite:///{tmp_path / 'memory.db'}",
        type="bot.broker.MemoryEventBroker",
        outbox=str(tmp_path / "outbox.db"),
        feed="embedded",
        writer="process",
    )


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


async def test_the_broker_only_appends_and_the_writer_writes_memory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    broker = await MemoryEventBroker.from_endpoint_config(process_broker_config(tmp_path))
    assert broker.store is None  # no memory, no fact extractor in the Rasa process
    events = conversation("web-1", 1_700_000_000.0)
    for event in events:
        broker.publish(event)
    assert broker.worker.wait_idle(30)  # in the outbox file ...
    assert broker.worker.outbox.count() == len(events)
    assert not (tmp_path / "memory.db").exists()  # ... and nothing written into memory here
    assert not broker.wait_until_written(0.5)  # no writer yet: it cannot be written
    assert broker.writer_running() is False

    memory.migrate(url)
    store = MemoryStore(url)
    stop = threading.Event()
    writer = OutboxWriter(Outbox(tmp_path / "outbox.db"), EventIngestor(store).ingest, poll=0.02)
    thread = threading.Thread(target=writer.run, args=(stop,))
    thread.start()
    try:
        assert broker.wait_until_written(30)
        assert broker.writer_running() is True
        for event in events:  # a replay writes nothing new
            broker.publish(event)
        assert broker.wait_until_written(30)
    finally:
        stop.set()
        thread.join(30)
        await broker.close()
    card = store.cards.card_for_sender("web-1")
    store.close()
    assert card is not None and card.visits == 1
    assert count_exchanges(url) == (4, 4)
    assert Outbox(tmp_path / "outbox.db").count() == 0


def test_only_one_writer_drains_an_outbox(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    with outbox.writer_lock():
        assert outbox.writer_running()
        with pytest.raises(WriterRunning), Outbox(tmp_path / "outbox.db").writer_lock():
            pass
    assert not outbox.writer_running()


def exchanges_written(url: str) -> int:
    store = MemoryStore(url)
    try:
        with store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.exchanges)).scalar())
    except Exception:  # the writer has not made the tables yet
        return 0
    finally:
        store.close()


def start_writer(tmp_path: Path, url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MEMORY_OUTBOX": str(tmp_path / "outbox.db"),
        "PYTHONPATH": str(ROOT),
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "memory", "write", "--no-facts"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.mark.slow
def test_a_killed_writer_loses_nothing_and_writes_nothing_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    outbox = Outbox(tmp_path / "outbox.db")
    start = 1_700_000_000.0
    messages = [user(f"web-{n % 7}", f"message {n}", start + n) for n in range(600)]
    outbox.put(messages[:300])
    log = tmp_path / "writer.log"
    first = start_writer(tmp_path, url, log)
    try:
        wait_for(lambda: exchanges_written(url) > 20, 120, log.read_text(errors="replace"))
        os.killpg(first.pid, signal.SIGKILL)  # mid-stream, without warning
        first.wait(30)
        # Meanwhile the Rasa process appends on: the events wait in the outbox.
        outbox.put(messages[300:])
        assert outbox.count() > 300
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert not outbox.writer_running()  # the kernel released the dead writer's lock
    second = start_writer(tmp_path, url, log)
    try:
        wait_for(lambda: outbox.count() == 0, 120, log.read_text(errors="replace"))
        # A second writer on the same outbox refuses to start.
        refused = subprocess.run(
            [sys.executable, "-m", "bot", "memory", "write", "--outbox", str(outbox.path)],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert refused.returncode != 0
        assert "already drains" in refused.stderr + refused.stdout
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(30)
    assert count_exchanges(url) == (600, 600)
