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
from memory import services
from memory.db import make_engine
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
    services.record_exchange(
        store,
        Exchange(f"{sender}-1", sender, "customer", "I'm Sarah", NOW - timedelta(days=days_ago)),
    )
    customer = store.customers.customer_for_sender(sender)
    store.facts.record_fact(customer, ExtractedFact("name", "Sarah"))
    idea = store.feedback.add_feedback(customer, "idea", "night rides")
    store.feedback.set_feedback_state(idea, "acknowledged")
    store.issues.open_issue(customer, "complaint", "late")
    store.feedback.rate(customer, 4)
    store.agents.add_agent_note(customer, "Kim", "nice")
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
    customer = store.customers.link_identity("anon-1", "shop-9")
    store.customers.link_identity("web-2", "shop-9")
    keeper = remember_someone(store, "other")

    forgotten = forget_customer(store, customer, tracker_url)

    assert forgotten.sender_ids == ("anon-1", "web-2")
    assert forgotten.tracker_events > 0
    assert tracker_senders(tracker_url) == {"other"}
    assert store.customers.find_customer("shop-9") is None
    assert store.customers.find_customer("anon-1") is None
    with pytest.raises(UnknownCustomer):
        store.cards.card(customer)
    assert store.cards.card(keeper).name == "Sarah"
    with store.engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM feedback_states")).scalar()
    assert left == 2  # only the other customer's
    store.close()


def test_export_has_everything(memory_url):
    store = MemoryStore(memory_url)
    customer = remember_someone(store, "web-1")
    queue = store.handoffs
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
    assert "agent_notes" not in data  # internal: see test_export_leaves_internal_notes_out


def test_purge_deletes_only_old_exchanges(memory_url):
    store = MemoryStore(memory_url)
    old = remember_someone(store, "old", days_ago=400)
    remember_someone(store, "new", days_ago=3)
    assert purge_exchanges(store, 365, now=NOW) == 1
    assert store.cards.card(old).last_exchanges == ()
    assert store.cards.card(old).name == "Sarah"  # facts stay, their source exchange is gone
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


def test_forgetting_keeps_the_loyalty_ledger_so_points_are_not_spent_twice(memory_url):
    # The attack: redeem, ask to be forgotten, sign in again with the same shop account and
    # redeem the same points once more.
    store = MemoryStore(memory_url)
    customer = store.customers.link_identity("web-1", "shop-9")
    store.loyalty.redeem(customer, "free tune-up", 300)
    anonymous = store.customers.customer_for_sender("anon-1")
    store.loyalty.redeem(anonymous, "free puncture repair", 150)

    forget_customer(store, customer)
    forget_customer(store, anonymous)

    returning = store.customers.link_identity("web-2", "shop-9")  # SQLite may even reuse the old id
    assert store.loyalty.points_redeemed(returning) == 300
    assert [row["reward"] for row in export_customer(store, returning)["redemptions"]] == [
        "free tune-up"
    ]
    # Kept without the customer: no link to a memory customer, no shop id in clear.
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM redemptions")).mappings().all()
    store.close()
    assert [(row["customer_id"], row["points"]) for row in rows] == [(None, 300)]
    assert "shop-9" not in json.dumps([dict(row) for row in rows], default=str)


def test_export_leaves_internal_notes_out(memory_url):
    store = MemoryStore(memory_url)
    customer = remember_someone(store, "web-1")
    store.agents.add_agent_note(customer, "Kim", "INTERNAL-NOTE-7f3a thinks they may be reselling")
    idea = store.feedback.add_feedback(customer, "idea", "a women's ride")
    store.feedback.set_feedback_state(idea, "declined", note="INTERNAL-NOTE-7f3a too few riders")
    data = export_customer(store, customer)
    store.close()
    assert "INTERNAL-NOTE-7f3a" not in json.dumps(data, default=str)
    assert "agent_notes" not in data
    assert [row["state"] for row in data["feedback_states"]][-1] == "declined"


async def test_forget_and_export_cover_repair_bookings(memory_url, tmp_path):
    from actions.shop_records import RepairBookings

    bookings_url = f"sqlite:///{tmp_path / 'bookings.db'}"
    booked = RepairBookings(bookings_url)
    mine = booked.book("web-1", None, "Trek FX 3", "the chain jumps", NOW.date())
    signed_in = booked.book("web-2", "shop-9", "Brompton", "a squeaky brake", NOW.date())
    theirs = booked.book("other", None, "Dawes", "a flat tyre", NOW.date())
    store = MemoryStore(memory_url)
    remember_someone(store, "web-1")
    customer = store.customers.link_identity("web-1", "shop-9")

    exported = export_customer(store, customer, bookings_url=bookings_url)
    assert sorted(row["problem"] for row in exported["repair_bookings"]) == [
        "a squeaky brake",
        "the chain jumps",
    ]

    forget_customer(store, customer, bookings_url=bookings_url)
    store.close()
    # Neither the words nor the reference answer any more; someone else's booking stays.
    assert booked.find(mine) is None and booked.find(signed_in) is None
    assert booked.find(theirs) is not None


async def test_forgotten_words_leave_no_trace_in_the_database_files(tmp_path):
    # SQLite keeps deleted rows in free pages and in the write-ahead log until they are reused:
    # reading the files after forgetting must not find what the customer said.
    from actions.shop_records import RepairBookings

    marker = "ZQX-forget-marker-4471"
    memory_url = f"sqlite:///{tmp_path / 'memory.db'}"
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    bookings_url = f"sqlite:///{tmp_path / 'bookings.db'}"
    import memory

    memory.migrate(memory_url)
    tracker_store = SQLTrackerStore(
        Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db")
    )
    await tracker_with(tracker_store, "web-1", f"my bike is {marker}")
    await tracker_with(tracker_store, "other", "hello")
    RepairBookings(bookings_url).book("web-1", None, "Trek", f"noise {marker}", NOW.date())
    RepairBookings(bookings_url).book("other", None, "Dawes", "a flat tyre", NOW.date())
    store = MemoryStore(memory_url)
    services.record_exchange(
        store, Exchange("m-1", "web-1", "customer", f"my bike is {marker}", NOW)
    )
    customer = store.customers.customer_for_sender("web-1")
    store.facts.record_fact(customer, ExtractedFact("bike", marker))
    store.issues.open_issue(customer, "problem", f"noise from {marker}")
    remember_someone(store, "other")

    forget_customer(store, customer, tracker_url, bookings_url=bookings_url)

    files = sorted(path for path in tmp_path.iterdir() if ".db" in path.name)
    assert {path.name for path in files} >= {"memory.db", "tracker.db", "bookings.db"}
    for path in files:
        assert marker.encode() not in path.read_bytes(), f"{path.name} still holds the words"
    # What was not forgotten is still there.
    assert store.cards.card_for_sender("other").name == "Sarah"
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def unmigrated_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'memory.db'}"
    return request.getfixturevalue("postgres_server").new_database()


def test_redemptions_made_before_the_upgrade_stay_in_the_ledger(unmigrated_url):
    import memory

    memory.migrate(unmigrated_url, "0004")
    engine = make_engine(unmigrated_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (id, external_id, created_at, visits, benefit, cost) "
                "VALUES (7, 'shop-7', :at, 0, 0, 0)"
            ),
            {"at": NOW.replace(tzinfo=None)},
        )
        conn.execute(
            text(
                "INSERT INTO redemptions (customer_id, reward, points, at) "
                "VALUES (7, 'free tune-up', 300, :at)"
            ),
            {"at": NOW.replace(tzinfo=None)},
        )
    engine.dispose()
    memory.migrate(unmigrated_url)
    store = MemoryStore(unmigrated_url)
    forget_customer(store, 7)
    assert store.loyalty.points_redeemed(store.customers.link_identity("web-7", "shop-7")) == 300
    store.close()
