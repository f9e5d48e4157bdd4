"""`MemoryStore`: the entry to the relationship memory of one database. It opens units of work
(`memory.unit_of_work`) and offers each repository for a single call in a unit of its own.

    with store.unit_of_work() as work:          # several changes, one commit
        issue = work.issues.open_issue(customer, "complaint", summary)
        work.issues.make_promise(customer, text, issue_id=issue)

    card = store.cards.card_for_sender(sender)  # one call, one transaction

The store is safe to share between threads (a unit of work belongs to the thread that opened
it); callers on an event loop run it in a worker thread
(`await asyncio.to_thread(store.cards.card, customer_id)`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from memory.db import make_engine
from memory.records import UnknownCustomer, now_utc
from memory.repositories.agents import AgentNoteRepository
from memory.repositories.base import FactExtractor, MemoryContext
from memory.repositories.cards import CardQuery
from memory.repositories.customers import CustomerRepository
from memory.repositories.exchanges import ExchangeRepository
from memory.repositories.facts import FactRepository
from memory.repositories.feedback import FeedbackRepository
from memory.repositories.handoffs import HandoffRepository
from memory.repositories.issues import IssueRepository
from memory.repositories.loyalty import LoyaltyRepository
from memory.rules import RelationshipRules
from memory.unit_of_work import UnitOfWork

__all__ = ["FactExtractor", "MemoryStore", "UnknownCustomer"]

R = TypeVar("R")


class MemoryStore:
    """The relationship memory of one database: units of work and single calls."""

    def __init__(
        self,
        database: str | Engine,
        rules: RelationshipRules | None = None,
        fact_extractor: FactExtractor | None = None,
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        self.engine = make_engine(database) if isinstance(database, str) else database
        self.context = MemoryContext(rules or RelationshipRules(), clock, fact_extractor)
        # The unit of work this thread is in, if any (one store serves the action server's
        # worker threads, each with its own unit of work).
        self._work = threading.local()

    @property
    def rules(self) -> RelationshipRules:
        return self.context.rules

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """One transaction: every write made through the unit's repositories (or through the
        store's single calls, in this thread) commits when the block ends, and is rolled back
        entirely when it raises. A block inside another joins it."""
        current = getattr(self._work, "unit", None)
        if current is not None:
            yield current
            return
        with self.engine.begin() as conn:
            unit = UnitOfWork(conn, self.context)
            self._work.unit = unit
            try:
                yield unit
            finally:
                self._work.unit = None

    def in_unit_of_work(self) -> bool:
        return getattr(self._work, "unit", None) is not None

    def _single(self, repository: Callable[[UnitOfWork], R]) -> R:
        return cast(R, _SingleCalls(self, repository))

    # Each repository, for a call in a unit of work of its own (or in this thread's open one).

    @property
    def customers(self) -> CustomerRepository:
        return self._single(lambda work: work.customers)

    @property
    def exchanges(self) -> ExchangeRepository:
        return self._single(lambda work: work.exchanges)

    @property
    def facts(self) -> FactRepository:
        return self._single(lambda work: work.facts)

    @property
    def issues(self) -> IssueRepository:
        return self._single(lambda work: work.issues)

    @property
    def feedback(self) -> FeedbackRepository:
        return self._single(lambda work: work.feedback)

    @property
    def loyalty(self) -> LoyaltyRepository:
        return self._single(lambda work: work.loyalty)

    @property
    def handoffs(self) -> HandoffRepository:
        return self._single(lambda work: work.handoffs)

    @property
    def agents(self) -> AgentNoteRepository:
        return self._single(lambda work: work.agents)

    @property
    def cards(self) -> CardQuery:
        return self._single(lambda work: work.cards)


class _SingleCalls:
    """A repository whose every method call runs in a unit of work of its own."""

    def __init__(self, store: MemoryStore, repository: Callable[[UnitOfWork], Any]) -> None:
        self._store = store
        self._repository = repository

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            joined = self._store.in_unit_of_work()
            try:
                with self._store.unit_of_work() as work:
                    return getattr(self._repository(work), name)(*args, **kwargs)
            except IntegrityError:
                if joined:
                    raise  # the whole unit of work is void: its caller decides what is next
                # Another writer inserted the same row between our read and our insert (the
                # event broker linking a sender, recording an event): once more finds it.
                with self._store.unit_of_work() as work:
                    return getattr(self._repository(work), name)(*args, **kwargs)

        return call
