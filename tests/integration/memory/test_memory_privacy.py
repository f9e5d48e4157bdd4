"""Forget, export and purge, against real databases and Rasa's real SQL tracker store."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text

from bot.settings import ROOT
from memory.db import make_engine
from memory.handoffs import HandoffQueue
from memory.privacy import export_customer, forget_customer, purge_exchanges
from memory.records import Exchange, ExtractedFact
from memory.store import MemoryStore, UnknownCustomer

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)


async def tracker_with(store: SQLTrackerStore, sender: str, text_: str) -> None:
    tracker = DialogueStateTracker.from_events(sender, [UserUttered(text_)])
    await store.save(tracker)


def tracker_senders(url: str) -> set[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        senders = set(conn.execute(text("SELECT DISTINCT sender_id FROM events")).scalars())
    engine.dispose()
    return senders


def remember_someone(store: MemoryStore, sender: str, days_ago: int = 0) -> int:
    store.record_exchange(
        Exchange(f"{sender}-1", sender, "customer", "I'm Sarah", NOW - timedelta(days=days_ago))
    )
    customer = store.customer_for_sender(sender)
    store.record_fact(customer, ExtractedFact("name", "Sarah"))
    idea = store.add_feedback(customer, "idea", "night rides")
    store.set_feedback_state(idea, "acknowledged")
    store.open_issue(customer, "complaint", "late")
    store.rate(customer, 4)
    store.add_agent_note(customer, "Kim", "nice")
    return customer


async def test_forget_removes_memory_and_tracker_conversations(memory_url, tmp_path):
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    tracker_store = SQLTrackerStore(
        Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db")
    )
    for sender, words in [("anon-1", "hello"), ("web-2", "hi"), ("other", "hey")]:
        await tracker_with(tracker_store, sender, words)
    store = MemoryStore(memory_url)
    remember_someone(store, "anon-1")
    customer = store.link_identity("anon-1", "shop-9")
    store.link_identity("web-2", "shop-9")
    keeper = remember_someone(store, "other")

    forgotten = forget_customer(store, customer, tracker_url)

    assert forgotten.sender_ids == ("anon-1", "web-2")
    assert forgotten.tracker_events > 0
    assert tracker_senders(tracker_url) == {"other"}
    assert store.find_customer("shop-9") is None
    assert store.find_customer("anon-1") is None
    with pytest.raises(UnknownCustomer):
        store.card(customer)
    assert store.card(keeper).name == "Sarah"
    with store.engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM feedback_states")).scalar()
    assert left == 2  # only the other customer's
    store.close()


def test_export_has_everything(memory_url):
    store = MemoryStore(memory_url)
    customer = remember_someone(store, "web-1")
    queue = HandoffQueue(store.engine)
    queue.enqueue("web-1", "customer_asked", "can I talk to someone", offline=False)
    queue.enqueue("someone-else", "customer_asked", "not theirs", offline=False)
    data = export_customer(store, customer)
    store.close()
    json.dumps(data)  # JSON-ready
    assert [row["detail"] for row in data["handoffs"]] == ["can I talk to someone"]
    assert data["customer"]["id"] == customer
    assert [row["sender_id"] for row in data["identities"]] == ["web-1"]
    assert data["exchanges"][0]["text"] == "I'm Sarah"
    assert data["facts"][0]["value"] == "Sarah"
    assert [row["state"] for row in data["feedback_states"]] == ["received", "acknowledged"]
    assert data["issues"][0]["summary"] == "late"
    assert data["ratings"][0]["score"] == 4
    assert data["agent_notes"][0]["text"] == "nice"


def test_purge_deletes_only_old_exchanges(memory_url):
    store = MemoryStore(memory_url)
    old = remember_someone(store, "old", days_ago=400)
    remember_someone(store, "new", days_ago=3)
    assert purge_exchanges(store, 365, now=NOW) == 1
    assert store.card(old).last_exchanges == ()
    assert store.card(old).name == "Sarah"  # facts stay, their source exchange is gone
    with pytest.raises(ValueError, match="at least 1 day"):
        purge_exchanges(store, 0)
    store.close()


def test_cli_export_forget_and_purge(tmp_path):
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"DATABASE_URL={url}\nTRACKER_DB={tmp_path / 'tracker.db'}\nRETENTION_DAYS=30\n"
    )
    import memory

    memory.migrate(url)
    store = MemoryStore(url)
    remember_someone(store, "web-1")
    store.close()

    def bot(*args):
        return subprocess.run(
            [sys.executable, "-m", "bot", "--env-file", str(env_file), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    exported = bot("customer", "export", "web-1")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["facts"][0]["value"] == "Sarah"
    purged = bot("memory", "purge")
    assert "purged 1 exchange(s) older than 30 days" in purged.stdout
    forgotten = bot("customer", "forget", "web-1")
    assert forgotten.returncode == 0 and "forgot customer" in forgotten.stdout
    missing = bot("customer", "export", "web-1")
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        "rapport: error: no customer is known as 'web-1'; give a shop customer id, "
        "a sender id or #<number>."
    )
