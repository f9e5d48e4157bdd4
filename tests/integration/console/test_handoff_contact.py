"""The contact a customer leaves for the team's reply, and the reply time they were promised:
kept on the conversation's own handoff (SQLite and PostgreSQL), shown in the queue, and covered
by the customer's export and by forgetting."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.console.service import ConsoleService
from memory.handoffs import HandoffError, escalate
from memory.privacy import export_customer, forget_customer
from memory.store import MemoryStore

NOW = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
OPENING = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


def test_an_offline_escalation_keeps_the_promised_reply_time(console_db: str) -> None:
    queue = MemoryStore(console_db, clock=lambda: NOW).handoffs
    escalation = escalate(queue, [], "anna", "customer_asked", open_now=False, reply_by=OPENING)
    assert escalation.offline
    assert queue.open_for("anna").reply_by == OPENING  # type: ignore[union-attr]
    again = escalate(queue, [], "anna", "customer_asked", open_now=False, reply_by=NOW)
    assert again.handoff.reply_by == OPENING  # the first promise stands


def test_with_agents_online_the_promised_time_is_the_wait(console_db: str) -> None:
    queue = MemoryStore(console_db, clock=lambda: NOW).handoffs
    escalation = escalate(queue, ["Alex"], "ben", "customer_asked", open_now=True)
    assert escalation.wait_minutes is not None
    promised = queue.open_for("ben").reply_by  # type: ignore[union-attr]
    assert promised == NOW + timedelta(minutes=escalation.wait_minutes)


def test_a_contact_is_kept_on_the_conversations_own_handoff_only(console_db: str) -> None:
    queue = MemoryStore(console_db, clock=lambda: NOW).handoffs
    queue.enqueue("cleo", "customer_asked", offline=True, reply_by=OPENING)
    queue.enqueue("dan", "customer_asked", offline=True, reply_by=OPENING)
    kept = queue.leave_contact("cleo", " cleo@example.com ")
    assert kept.contact == "cleo@example.com"
    assert queue.open_for("dan").contact is None  # type: ignore[union-attr]
    with pytest.raises(HandoffError):
        queue.leave_contact("nobody-waiting", "x@example.com")
    with pytest.raises(ValueError):
        queue.leave_contact("cleo", "")


def test_the_queue_shows_the_contact_and_the_promised_time(console_db: str) -> None:
    store = MemoryStore(console_db, clock=lambda: NOW)
    service = ConsoleService(store)
    service.queue.enqueue("eve", "customer_asked", offline=True, reply_by=OPENING)
    service.queue.leave_contact("eve", "0117 496 0123")
    [item] = service.queue_view()
    assert item["contact"] == "0117 496 0123"
    assert item["reply_by"] == OPENING.isoformat()
    store.close()


def test_the_contact_is_in_the_export_and_gone_when_forgotten(console_db: str) -> None:
    store = MemoryStore(console_db)
    customer = store.customers.customer_for_sender("web-7")
    queue = store.handoffs
    queue.enqueue("web-7", "customer_asked", "brakes", offline=True, reply_by=OPENING)
    queue.leave_contact("web-7", "fay@example.com")
    queue.enqueue("someone-else", "customer_asked", offline=True)
    queue.leave_contact("someone-else", "not.theirs@example.com")
    exported = export_customer(store, customer)
    assert [row["contact"] for row in exported["handoffs"]] == ["fay@example.com"]
    forget_customer(store, customer)
    assert queue.open_for("web-7") is None
    assert queue.open_for("someone-else").contact == "not.theirs@example.com"  # type: ignore[union-attr]
    store.close()
