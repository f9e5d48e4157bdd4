"""The handoff queue: conversations waiting for a person, claimed, released, transferred,
resolved, in the unit of work of whoever moves them.

Claiming is a conditional UPDATE (`... WHERE claimed_by IS NULL`), so two agents clicking at the
same moment cannot both win, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update

from memory import schema as s
from memory.handoffs import (
    BOT_PROMISE,
    HANDLE_SAMPLE,
    MAX_CONTACT_CHARS,
    MAX_TRANSFER_NOTE_CHARS,
    OPEN_STATES,
    OUTCOMES,
    REASONS,
    TYPICAL_HANDLE_MINUTES,
    Handoff,
    HandoffError,
    handoff_from_row,
)
from memory.records import aware, utc
from memory.repositories.base import Repository


class HandoffRepository(Repository):
    """The queue of conversations waiting for, or talking with, a person."""

    def now(self) -> datetime:
        """The queue's clock, as an aware UTC time."""
        return aware(self._now())  # type: ignore[return-value]

    def promise_reply(self, handoff_id: int, reply_by: datetime) -> Handoff:
        """Record when the customer was told a person replies by."""
        conn = self.conn
        conn.execute(
            update(s.handoffs).where(s.handoffs.c.id == handoff_id).values(reply_by=utc(reply_by))
        )
        return self.get(handoff_id)

    def reply_promised(self, handoff_id: int, promise_id: int) -> Handoff:
        """Link the promise of a reply made when the customer left a message."""
        self.conn.execute(
            update(s.handoffs)
            .where(s.handoffs.c.id == handoff_id)
            .values(reply_promise_id=promise_id)
        )
        return self.get(handoff_id)

    def enqueue(
        self,
        sender_id: str,
        reason: str,
        detail: str | None = None,
        offline: bool = False,
        reply_by: datetime | None = None,
    ) -> Handoff:
        """Put a conversation in the queue; a conversation already in it keeps its place (and
        the reply time it was promised, when it has one)."""
        if reason not in REASONS:
            raise ValueError(f"handoff reason {reason!r} is not one of {REASONS}")
        if not sender_id or len(sender_id) > 255:
            raise ValueError("a conversation id is 1 to 255 characters")
        conn = self.conn
        row = conn.execute(
            select(s.handoffs).where(
                s.handoffs.c.sender_id == sender_id, s.handoffs.c.state.in_(OPEN_STATES)
            )
        ).first()
        if row is not None:
            changes: dict[str, Any] = {}
            if offline and not row.offline:
                changes["offline"] = 1
            if reply_by is not None and row.reply_by is None:
                changes["reply_by"] = utc(reply_by)
            if changes:
                conn.execute(update(s.handoffs).where(s.handoffs.c.id == row.id).values(**changes))
                row = conn.execute(select(s.handoffs).where(s.handoffs.c.id == row.id)).one()
            return handoff_from_row(row)
        new_id = conn.execute(
            s.handoffs.insert().values(
                sender_id=sender_id,
                reason=reason,
                detail=(detail or None) and detail[:2000],
                state="waiting",
                requested_at=self._now(),
                offline=int(offline),
                reply_by=None if reply_by is None else utc(reply_by),
            )
        ).inserted_primary_key[0]
        return handoff_from_row(
            conn.execute(select(s.handoffs).where(s.handoffs.c.id == new_id)).one()
        )

    def bot_promise(self, sender_id: str, promise_id: int, detail: str | None = None) -> int:
        """A follow-up the bot promised in a chat, kept as a resolved handoff of reason
        BOT_PROMISE linked to the promise, so it waits in the console's "waiting for us" until a
        person keeps it (memory.shift.ShiftRecords.follow_ups). Returns the handoff's id."""
        if not sender_id or len(sender_id) > 255:
            raise ValueError("a conversation id is 1 to 255 characters")
        now = self._now()
        return int(
            self.conn.execute(
                s.handoffs.insert().values(
                    sender_id=sender_id,
                    reason=BOT_PROMISE,
                    detail=(detail or None) and detail[:2000],
                    state="resolved",
                    requested_at=now,
                    resolved_at=now,
                    outcome="follow_up",
                    promise_id=promise_id,
                )
            ).inserted_primary_key[0]
        )

    def get(self, handoff_id: int) -> Handoff:
        conn = self.conn
        row = conn.execute(select(s.handoffs).where(s.handoffs.c.id == handoff_id)).first()
        if row is None:
            raise HandoffError(f"no handoff has id {handoff_id}")
        return handoff_from_row(row)

    def open_for(self, sender_id: str) -> Handoff | None:
        """The conversation's waiting or claimed handoff, if any."""
        conn = self.conn
        row = conn.execute(
            select(s.handoffs).where(
                s.handoffs.c.sender_id == sender_id, s.handoffs.c.state.in_(OPEN_STATES)
            )
        ).first()
        return None if row is None else handoff_from_row(row)

    def leave_contact(self, sender_id: str, contact: str) -> Handoff:
        """Keep the email or phone a customer left for the reply, on their conversation's own
        waiting or claimed handoff (HandoffError when it has none)."""
        contact = contact.strip()
        if not contact or len(contact) > MAX_CONTACT_CHARS:
            raise ValueError(f"a contact is 1 to {MAX_CONTACT_CHARS} characters")
        conn = self.conn
        changed = conn.execute(
            update(s.handoffs)
            .where(s.handoffs.c.sender_id == sender_id, s.handoffs.c.state.in_(OPEN_STATES))
            .values(contact=contact)
        ).rowcount
        handoff = self.open_for(sender_id)
        if not changed or handoff is None:
            raise HandoffError(f"{sender_id} has no open handoff to leave a contact on")
        return handoff

    def open_handoffs(self) -> list[Handoff]:
        """Every waiting or claimed handoff, longest waiting first."""
        conn = self.conn
        rows = conn.execute(
            select(s.handoffs)
            .where(s.handoffs.c.state.in_(OPEN_STATES))
            .order_by(s.handoffs.c.requested_at, s.handoffs.c.id)
        ).all()
        return [handoff_from_row(row) for row in rows]

    def position(self, handoff_id: int) -> int:
        """1 for the next chat an agent will take; 0 once it is claimed or resolved. A live
        chat's place counts only the live chats ahead of it: a customer who left a message
        and went (`offline`) is not waiting in the live queue, so their chat adds nothing to
        the wait a live customer is told."""
        conn = self.conn
        row = conn.execute(select(s.handoffs).where(s.handoffs.c.id == handoff_id)).first()
        if row is None:
            raise HandoffError(f"no handoff has id {handoff_id}")
        if row.state != "waiting":
            return 0
        earlier = (s.handoffs.c.requested_at < row.requested_at) | and_(
            s.handoffs.c.requested_at == row.requested_at,
            s.handoffs.c.id < row.id,
        )
        conditions = [s.handoffs.c.state == "waiting", earlier]
        if not row.offline:
            conditions.append(s.handoffs.c.offline == 0)
        ahead = conn.execute(
            select(func.count()).select_from(s.handoffs).where(*conditions)
        ).scalar()
        return int(ahead or 0) + 1

    def typical_handle_minutes(self) -> float:
        """The median time from claim to resolution of the latest resolved chats."""
        conn = self.conn
        rows = conn.execute(
            select(s.handoffs.c.claimed_at, s.handoffs.c.resolved_at)
            .where(s.handoffs.c.state == "resolved", s.handoffs.c.claimed_at.is_not(None))
            .order_by(s.handoffs.c.resolved_at.desc())
            .limit(HANDLE_SAMPLE)
        ).all()
        minutes = [(row.resolved_at - row.claimed_at).total_seconds() / 60 for row in rows]
        return statistics.median(minutes) if minutes else TYPICAL_HANDLE_MINUTES

    # -- agents' moves -----------------------------------------------------------------------

    def claim(self, handoff_id: int, agent: str) -> Handoff:
        """Take a waiting chat; HandoffError when another agent got it first."""
        conn = self.conn
        won = conn.execute(
            update(s.handoffs)
            .where(
                s.handoffs.c.id == handoff_id,
                s.handoffs.c.state == "waiting",
                s.handoffs.c.claimed_by.is_(None),
            )
            # A transfer's note was for the agent it was given to (the card keeps it).
            .values(
                state="claimed",
                claimed_by=agent,
                claimed_at=self._now(),
                transferred_from=None,
                transfer_note=None,
            )
        ).rowcount
        current = self.get(handoff_id)
        if won != 1:
            if current.state == "claimed":
                raise HandoffError(f"{current.claimed_by} has already taken this chat")
            raise HandoffError(f"this chat is {current.state}, not waiting")
        return current

    def _move(self, handoff_id: int, agent: str, **values: Any) -> Handoff:
        conn = self.conn
        moved = conn.execute(
            update(s.handoffs)
            .where(
                s.handoffs.c.id == handoff_id,
                s.handoffs.c.state == "claimed",
                s.handoffs.c.claimed_by == agent,
            )
            .values(**values)
        ).rowcount
        if moved != 1:
            current = self.get(handoff_id)
            owner = current.claimed_by or "nobody"
            raise HandoffError(f"this chat is not yours (state {current.state}, with {owner})")
        return self.get(handoff_id)

    def release(self, handoff_id: int, agent: str) -> Handoff:
        """Put a claimed chat back in the queue, keeping its place in line."""
        return self._move(handoff_id, agent, state="waiting", claimed_by=None, claimed_at=None)

    def transfer(self, handoff_id: int, agent: str, to_agent: str, note: str = "") -> Handoff:
        """Give a claimed chat to another agent (who must exist), with a note for them."""
        if to_agent == agent:
            raise HandoffError("choose another agent to transfer this chat to")
        conn = self.conn
        exists = conn.execute(select(s.agents.c.id).where(s.agents.c.name == to_agent)).scalar()
        if exists is None:
            raise HandoffError(f"no agent is named {to_agent!r}")
        return self._move(
            handoff_id,
            agent,
            claimed_by=to_agent,
            claimed_at=self._now(),
            transferred_from=agent,
            transfer_note=note.strip()[:MAX_TRANSFER_NOTE_CHARS] or None,
        )

    def resolve(self, handoff_id: int, agent: str, outcome: str) -> Handoff:
        if outcome not in OUTCOMES:
            raise ValueError(f"an outcome is one of {OUTCOMES}, not {outcome!r}")
        return self._move(
            handoff_id, agent, state="resolved", outcome=outcome, resolved_at=self._now()
        )
