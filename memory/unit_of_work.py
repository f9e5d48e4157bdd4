"""The unit of work: one transaction of the relationship memory and the repositories that work
in it. Everything written through them commits together when the unit ends, or not at all."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy.engine import Connection

from memory.repositories.agents import AgentNoteRepository
from memory.repositories.base import MemoryContext
from memory.repositories.cards import CardQuery
from memory.repositories.customers import CustomerRepository
from memory.repositories.exchanges import ExchangeRepository
from memory.repositories.facts import FactRepository
from memory.repositories.feedback import FeedbackRepository
from memory.repositories.handoffs import HandoffRepository
from memory.repositories.issues import IssueRepository
from memory.repositories.loyalty import LoyaltyRepository


class UnitOfWork:
    """The repositories of one transaction (see MemoryStore.unit_of_work)."""

    def __init__(self, conn: Connection, context: MemoryContext) -> None:
        self.context = context
        self.customers = CustomerRepository(conn, context)
        self.exchanges = ExchangeRepository(conn, context)
        self.facts = FactRepository(conn, context)
        self.issues = IssueRepository(conn, context)
        self.feedback = FeedbackRepository(conn, context)
        self.loyalty = LoyaltyRepository(conn, context)
        self.handoffs = HandoffRepository(conn, context)
        self.agents = AgentNoteRepository(conn, context)
        self.cards = CardQuery(conn, context)


class Memory(Protocol):
    """What a workflow needs of the memory: a unit of work to run in (MemoryStore, or a fake
    in unit tests)."""

    @property
    def context(self) -> MemoryContext: ...

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]: ...
