"""A fake relationship memory for the personalised actions' tests, and a way to plug it in."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from actions import base, session
from memory.records import ExtractedFact

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone.utc)


def fact(kind: str, value: str, key: str = "") -> SimpleNamespace:
    return SimpleNamespace(kind=kind, value=value, key=key)


def card(**overrides: Any) -> SimpleNamespace:
    """A relationship card of a returning customer (Sam, a regular with a Trek FX 3)."""
    values: dict[str, Any] = {
        "customer_id": 7,
        "name": "Sam",
        "stage": "regular",
        "at_risk": False,
        "visits": 3,
        "last_seen": NOW - dt.timedelta(days=5),
        "open_issues": (),
        "promises_due": (),
        "preferences": (fact("bike", "Trek FX 3"),),
        "aspirations": ("gravel century in May",),
        "loyalty_status": None,
    }
    values.update(overrides)
    return SimpleNamespace(**values)


class FakeMemory:
    """Answers with one card; records the facts and feedback actions write. It stands for the
    store and each of its repositories (`memory.cards`, `memory.facts`, ... are itself)."""

    def __init__(self, shown: Any = None) -> None:
        self.shown = shown
        self.recorded_facts: list[tuple[int, ExtractedFact, str]] = []
        self.shared_feedback: list[tuple[int, str, str]] = []
        self.linked: list[tuple[str, str]] = []
        self.news: tuple[str, str, str | None] | None = None
        self.evidence: list[int | None] = []
        self.corrected: list[tuple[int, ExtractedFact]] = []
        self.forgotten: list[tuple[int, str]] = []

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Any]:
        """A fake unit of work: the writes inside it are all kept (a real one commits once)."""
        yield self

    @property
    def cards(self) -> Any:
        return self

    customers = exchanges = facts = feedback = issues = loyalty = agents = handoffs = cards

    def card_for_sender(self, sender_id: str) -> Any:
        return self.shown

    def link_identity(self, sender_id: str, external_id: str) -> int:
        self.linked.append((sender_id, external_id))
        return 7

    def customer_for_sender(self, sender_id: str) -> int:
        return 7

    def record_fact(
        self,
        customer_id: int,
        fact: ExtractedFact,
        source: str = "form",
        exchange_id: int | None = None,
    ) -> int:
        self.recorded_facts.append((customer_id, fact, source))
        self.evidence.append(exchange_id)
        return len(self.recorded_facts)

    def latest_customer_exchange(self, sender_id: str) -> int | None:
        return 41

    def correct_fact(self, customer_id: int, fact: ExtractedFact) -> int:
        self.corrected.append((customer_id, fact))
        return 1

    def forget_facts(self, customer_id: int, kind: str, key: str | None = None) -> int:
        self.forgotten.append((customer_id, kind))
        return 1

    def add_feedback(self, customer_id: int, kind: str, text: str) -> int:
        self.shared_feedback.append((customer_id, kind, text))
        return len(self.shared_feedback)


class DownMemory(FakeMemory):
    """A memory whose database is gone."""

    def card_for_sender(self, sender_id: str) -> Any:
        raise ConnectionError("the memory database cannot be reached")

    def customer_for_sender(self, sender_id: str) -> int:
        raise ConnectionError("the memory database cannot be reached")


def use_memory(monkeypatch: pytest.MonkeyPatch, memory: Any) -> None:
    async def store() -> Any:
        return memory

    monkeypatch.setattr(base, "store", store)
    # The news about ideas is a query of its own; the fake gives its `news` instead.
    monkeypatch.setattr(session, "idea_news", lambda store, customer, since: store.news)
