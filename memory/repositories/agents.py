"""Agents' notes about a customer (shown in the console, never to the customer)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from memory import schema as s
from memory.records import aware
from memory.repositories.base import Repository


class AgentNoteRepository(Repository):
    """What agents wrote about customers. Agents' accounts and presence: memory.agents."""

    def add_agent_note(self, customer_id: int, agent: str, text: str) -> int:
        """An agent's note about the customer (shown in the console)."""
        self._require_customer(customer_id)
        return int(
            self.conn.execute(
                s.agent_notes.insert().values(
                    customer_id=customer_id, agent=agent, text=text, at=self._now()
                )
            ).inserted_primary_key[0]
        )

    def agent_notes(self, customer_id: int, limit: int = 20) -> list[tuple[str, str, datetime]]:
        """(agent, text, time) of the newest notes about a customer."""
        rows = self.conn.execute(
            select(s.agent_notes.c.agent, s.agent_notes.c.text, s.agent_notes.c.at)
            .where(s.agent_notes.c.customer_id == customer_id)
            .order_by(s.agent_notes.c.at.desc(), s.agent_notes.c.id.desc())
            .limit(limit)
        ).all()
        return [(row.agent, row.text, aware(row.at)) for row in rows]  # type: ignore[misc]
