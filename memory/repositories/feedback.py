"""Feedback and ideas customers share (co-creation), their progress, and satisfaction ratings."""

from __future__ import annotations

from sqlalchemy import select, update

from memory import schema as s
from memory.records import FEEDBACK_KINDS, FEEDBACK_STATES
from memory.repositories.base import Repository


class FeedbackRepository(Repository):
    """What customers told the shop about itself: feedback, ideas and ratings."""

    def add_feedback(self, customer_id: int, kind: str, text: str) -> int:
        """Record feedback or an idea a customer shared (co-creation)."""
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"feedback kind {kind!r} is not one of {FEEDBACK_KINDS}")
        now = self._now()
        self._require_customer(customer_id)
        feedback_id = int(
            self.conn.execute(
                s.feedback.insert().values(
                    customer_id=customer_id,
                    kind=kind,
                    text=text,
                    state="received",
                    created_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key[0]
        )
        self.conn.execute(
            s.feedback_states.insert().values(feedback_id=feedback_id, state="received", at=now)
        )
        return feedback_id

    def set_feedback_state(self, feedback_id: int, state: str, note: str | None = None) -> None:
        """Move feedback along (acknowledged, planned, done, declined); the history stays."""
        if state not in FEEDBACK_STATES:
            raise ValueError(f"feedback state {state!r} is not one of {FEEDBACK_STATES}")
        now = self._now()
        row = self.conn.execute(select(s.feedback).where(s.feedback.c.id == feedback_id)).first()
        if row is None:
            raise LookupError(f"no feedback has id {feedback_id}")
        self.conn.execute(
            update(s.feedback)
            .where(s.feedback.c.id == feedback_id)
            .values(state=state, updated_at=now)
        )
        self.conn.execute(
            s.feedback_states.insert().values(
                feedback_id=feedback_id, state=state, note=note, at=now
            )
        )
        if row.state == "received" and state == "acknowledged":
            self._add_signals(row.customer_id, ["idea_acknowledged"], now)

    def rate(
        self,
        customer_id: int,
        score: int,
        comment: str | None = None,
        conversation_id: int | None = None,
    ) -> int:
        """Record a satisfaction rating from 1 to 5."""
        if not 1 <= score <= 5:
            raise ValueError(f"a rating is 1 to 5, not {score}")
        self._require_customer(customer_id)
        return int(
            self.conn.execute(
                s.ratings.insert().values(
                    customer_id=customer_id,
                    conversation_id=conversation_id,
                    score=score,
                    comment=comment,
                    at=self._now(),
                )
            ).inserted_primary_key[0]
        )
