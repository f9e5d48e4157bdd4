"""Workflows that change several things commit once, against real SQLite and PostgreSQL: when
the second write fails, nothing of the first is stored."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event, func, select

from memory import schema, services
from memory.shift import ShiftRecords
from memory.store import MemoryStore

START = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)


class WriteFailed(RuntimeError):
    """The database refused a write (raised by the test, at the database driver's door)."""


@contextmanager
def failing_insert(store: MemoryStore, table: str) -> Iterator[None]:
    """Every INSERT into `table` fails in the driver, as a full disk or a lost server would."""

    def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
            raise WriteFailed(f"the database refused an insert into {table}")

    event.listen(store.engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(store.engine, "before_cursor_execute", refuse)


def rows(store: MemoryStore, table: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def store(memory_url: str) -> Iterator[MemoryStore]:
    memory_store = MemoryStore(memory_url, clock=lambda: START)
    yield memory_store
    memory_store.close()


def test_a_complaint_and_its_promise_are_stored_together(store: MemoryStore) -> None:
    customer = store.customers.customer_for_sender("web-1")
    recorded = services.complaint_with_promise(
        store, customer, "the wheel wobbles", "We call you tomorrow", START + timedelta(days=1)
    )
    card = store.cards.card(customer)
    assert [issue.id for issue in card.open_issues] == [recorded.issue_id]
    assert [promise.text for promise in card.promises_due] == ["We call you tomorrow"]


def test_a_complaint_whose_promise_fails_leaves_nothing_behind(store: MemoryStore) -> None:
    customer = store.customers.customer_for_sender("web-1")
    balance_before = store.cards.card(customer).balance
    with failing_insert(store, "promises"), pytest.raises(WriteFailed):
        services.complaint_with_promise(
            store, customer, "the wheel wobbles", "We call you tomorrow", START
        )
    # Neither the issue, nor the complaint's cost to the relationship, nor the promise.
    assert rows(store, schema.issues) == 0
    assert rows(store, schema.promises) == 0
    card = store.cards.card(customer)
    assert not card.open_issues and card.balance == balance_before
    # The store works on after the failed unit of work, one transaction per call again.
    issue = store.issues.open_issue(customer, "complaint", "the wheel wobbles")
    assert rows(store, schema.issues) == 1 and issue > 0


def test_a_redemption_that_fails_links_no_identity(store: MemoryStore) -> None:
    with failing_insert(store, "redemptions"), pytest.raises(WriteFailed):
        services.redeem_for_account(store, "web-sam", "c-1001", "free tune-up", 500)
    assert store.customers.find_customer("c-1001") is None  # the identity link was not kept either
    assert rows(store, schema.identities) == 0 and rows(store, schema.customers) == 0
    customer = services.redeem_for_account(store, "web-sam", "c-1001", "free tune-up", 500)
    found = store.customers.find_customer("c-1001")
    assert customer > 0 and found is not None and store.loyalty.points_redeemed(found) == 500


def test_a_sign_in_whose_link_fails_merges_nothing(store: MemoryStore) -> None:
    anonymous = store.customers.customer_for_sender("anon-1")
    store.issues.open_issue(anonymous, "problem", "which lock?")
    with failing_insert(store, "identities"), pytest.raises(WriteFailed):
        services.sign_in(store, "anon-1", "c-2002", "customer-c-2002")
    assert not store.customers.is_merged("anon-1")
    assert store.customers.customer_for_sender("anon-1") == anonymous  # still its own customer
    assert [issue.summary for issue in store.cards.card(anonymous).open_issues] == ["which lock?"]
    assert store.customers.find_customer("c-2002") is None


def test_a_unit_of_work_inside_another_joins_it(store: MemoryStore) -> None:
    customer = store.customers.customer_for_sender("web-1")
    with pytest.raises(WriteFailed):
        with store.unit_of_work():
            services.complaint_with_promise(store, customer, "late delivery", "We call", None)
            raise WriteFailed("a later step of the outer workflow failed")
    assert rows(store, schema.issues) == 0 and rows(store, schema.promises) == 0
    assert not store.in_unit_of_work()


def test_a_complaint_promised_in_a_chat_waits_for_the_team(store: MemoryStore) -> None:
    customer = store.customers.customer_for_sender("web-1")
    recorded = services.complaint_with_promise(
        store,
        customer,
        "the wheel wobbles",
        "We call you tomorrow",
        START + timedelta(days=1),
        sender_id="web-1",
    )
    waiting = ShiftRecords(store.engine, clock=lambda: START).follow_ups()
    # "Waiting for us" names what the complaint is about, not the bot's whole promise.
    assert [(f.promise_id, f.sender_id, f.what) for f in waiting] == [
        (recorded.promise_id, "web-1", "the wheel wobbles")
    ]
