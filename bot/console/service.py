"""The console's core, between the routes and the memory: accounts, queue, cards, notes, tone.

Every database call here is synchronous; the routes run them with `asyncio.to_thread`.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Mapping
from typing import Any

from memory import services
from memory.agents import AgentAccounts
from memory.handoffs import Handoff
from memory.repositories.handoffs import HandoffRepository
from memory.store import MemoryStore, UnknownCustomer

MAX_REPLY_CHARS = 2000
MAX_NOTE_CHARS = 2000


def plain(value: Any) -> Any:
    """Dataclasses and datetimes as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.loads(json.dumps(value, default=str))


class ConsoleService:
    """What the console's routes need from the relationship memory and the tone guard."""

    def __init__(
        self,
        store: MemoryStore,
        accounts: AgentAccounts | None = None,
        templates: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        # The business file's templates: the words of the notes and promises an outcome leaves.
        self.templates = dict(templates or {})
        self.clock = store.context.clock
        self.accounts = accounts or AgentAccounts(store.engine, clock=self.clock)
        self._guard: Any = None
        self._guard_lock = threading.Lock()

    @property
    def queue(self) -> HandoffRepository:
        """The handoff queue, each move in a unit of work of its own."""
        return self.store.handoffs

    # -- queue -------------------------------------------------------------------------------

    def customer_summary(self, sender_id: str) -> dict[str, Any]:
        card = self.store.cards.card_for_sender(sender_id)
        if card is None:
            return {"name": None, "stage": "new", "at_risk": False}
        return {"name": card.name, "stage": card.stage, "at_risk": card.at_risk}

    def queue_view(self) -> list[dict[str, Any]]:
        """The open handoffs with who the customer is and how long they have waited."""
        now = self.clock()
        items = []
        for handoff in self.queue.open_handoffs():
            item = handoff.as_json()
            item["waiting_seconds"] = max(0, int((now - handoff.requested_at).total_seconds()))
            item["customer"] = self.customer_summary(handoff.sender_id)
            items.append(item)
        return items

    def handoff(self, handoff_id: int) -> Handoff:
        return self.queue.get(handoff_id)

    # -- chat view ---------------------------------------------------------------------------

    def card(self, sender_id: str) -> dict[str, Any] | None:
        card = self.store.cards.card_for_sender(sender_id)
        return None if card is None else plain(card)

    def notes(self, sender_id: str) -> list[dict[str, Any]]:
        customer_id = self.store.customers.find_customer(sender_id)
        if customer_id is None:
            return []
        return [
            {"agent": agent, "text": text, "at": at.isoformat()}
            for agent, text, at in self.store.agents.agent_notes(customer_id)
        ]

    def add_note(self, sender_id: str, agent: str, text: str) -> None:
        customer_id = self.store.customers.customer_for_sender(sender_id)
        try:
            self.store.agents.add_agent_note(customer_id, agent, text[:MAX_NOTE_CHARS])
        except UnknownCustomer:
            raise LookupError("this customer's memory was deleted") from None

    def words(self, name: str) -> str:
        """A template of the business file; LookupError, naming it, when the file lacks it."""
        if name not in self.templates:
            raise LookupError(f"the business file has no template {name!r} under templates:")
        return self.templates[name]

    def resolve(self, handoff_id: int, agent: str, outcome: str) -> Handoff:
        """Resolve the agent's chat; the outcome becomes part of the memory: a note, and a
        promise for a follow-up, all in one unit of work (kept together or not at all)."""
        follow_up = outcome == "follow_up"
        note = self.words("outcome_follow_up_note" if follow_up else "outcome_resolved_note")
        promise = self.words("outcome_follow_up_promise") if follow_up else None
        return services.resolve_handoff(self.store, handoff_id, agent, outcome, note, promise)

    def tone(self, text: str) -> dict[str, Any]:
        with self._guard_lock:
            if self._guard is None:
                from voice import tone

                self._guard = tone.guard()
            guard = self._guard
        result: dict[str, Any] = guard.check(text[:MAX_REPLY_CHARS]).as_dict()
        return result
