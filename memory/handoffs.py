"""The handoff queue: conversations waiting for a person, claimed, released, transferred,
resolved; and `escalate`, the one decision of what happens when a chat needs a person.

Claiming is a conditional UPDATE (`... WHERE claimed_by IS NULL`), so two agents clicking at the
same moment cannot both win, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Engine

from memory import schema as s
from memory.db import make_engine
from memory.records import aware, now_utc, utc

REASONS = ("customer_asked", "fallback", "complaint", "at_risk", "say_yes")
OUTCOMES = ("resolved", "follow_up")
OPEN_STATES = ("waiting", "claimed")
TYPICAL_HANDLE_MINUTES = 6.0  # until the shop has resolved chats of its own to measure
HANDLE_SAMPLE = 20  # the most recent resolved chats the typical handle time comes from
MAX_CONTACT_CHARS = 255
MAX_TRANSFER_NOTE_CHARS = 1000


class HandoffError(RuntimeError):
    """A queue operation was refused (already claimed, not yours, unknown); says why."""


class HandoffLimited(HandoffError):
    """A new chat was not queued: its client has queued as many as it may for now."""


@dataclass(frozen=True)
class Handoff:
    id: int
    sender_id: str
    reason: str
    detail: str | None
    state: str
    requested_at: datetime
    offline: bool
    claimed_by: str | None
    claimed_at: datetime | None
    resolved_at: datetime | None
    outcome: str | None
    reply_by: datetime | None = None  # when the customer was told a person replies by
    contact: str | None = None  # the email or phone the customer left for the reply
    transferred_from: str | None = None  # the agent who handed the chat over
    transfer_note: str | None = None  # their note to the agent who has it now
    promise_id: int | None = None  # the follow-up promised when it was resolved

    def as_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return None if moment is None else moment.isoformat()

        return {
            "id": self.id,
            "sender_id": self.sender_id,
            "reason": self.reason,
            "detail": self.detail,
            "state": self.state,
            "requested_at": iso(self.requested_at),
            "offline": self.offline,
            "claimed_by": self.claimed_by,
            "claimed_at": iso(self.claimed_at),
            "resolved_at": iso(self.resolved_at),
            "outcome": self.outcome,
            "reply_by": iso(self.reply_by),
            "contact": self.contact,
            "transferred_from": self.transferred_from,
            "transfer_note": self.transfer_note,
            "promise_id": self.promise_id,
        }


def _handoff(row: Any) -> Handoff:
    return Handoff(
        id=int(row.id),
        sender_id=row.sender_id,
        reason=row.reason,
        detail=row.detail,
        state=row.state,
        requested_at=aware(row.requested_at),  # type: ignore[arg-type]
        offline=bool(row.offline),
        claimed_by=row.claimed_by,
        claimed_at=aware(row.claimed_at),
        resolved_at=aware(row.resolved_at),
        outcome=row.outcome,
        reply_by=aware(row.reply_by),
        contact=row.contact,
        transferred_from=row.transferred_from,
        transfer_note=row.transfer_note,
        promise_id=row.promise_id,
    )


handoff_from_row = _handoff  # for the other readers of the handoffs table (memory.shift)


class HandoffQueue:
    """The queue of conversations waiting for, or talking with, a person."""

    def __init__(self, database: str | Engine, clock: Callable[[], datetime] = now_utc) -> None:
        self.engine = make_engine(database) if isinstance(database, str) else database
        self.clock = clock

    def _now(self) -> datetime:
        return utc(self.clock())

    def now(self) -> datetime:
        """The queue's clock, as an aware UTC time."""
        return aware(self._now())  # type: ignore[return-value]

    def promise_reply(self, handoff_id: int, reply_by: datetime) -> Handoff:
        """Record when the customer was told a person replies by."""
        with self.engine.begin() as conn:
            conn.execute(
                update(s.handoffs)
                .where(s.handoffs.c.id == handoff_id)
                .values(reply_by=utc(reply_by))
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
        with self.engine.begin() as conn:
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
                    conn.execute(
                        update(s.handoffs).where(s.handoffs.c.id == row.id).values(**changes)
                    )
                    row = conn.execute(select(s.handoffs).where(s.handoffs.c.id == row.id)).one()
                return _handoff(row)
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
            return _handoff(conn.execute(select(s.handoffs).where(s.handoffs.c.id == new_id)).one())

    def get(self, handoff_id: int) -> Handoff:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.handoffs).where(s.handoffs.c.id == handoff_id)).first()
        if row is None:
            raise HandoffError(f"no handoff has id {handoff_id}")
        return _handoff(row)

    def open_for(self, sender_id: str) -> Handoff | None:
        """The conversation's waiting or claimed handoff, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(s.handoffs).where(
                    s.handoffs.c.sender_id == sender_id, s.handoffs.c.state.in_(OPEN_STATES)
                )
            ).first()
        return None if row is None else _handoff(row)

    def leave_contact(self, sender_id: str, contact: str) -> Handoff:
        """Keep the email or phone a customer left for the reply, on their conversation's own
        waiting or claimed handoff (HandoffError when it has none)."""
        contact = contact.strip()
        if not contact or len(contact) > MAX_CONTACT_CHARS:
            raise ValueError(f"a contact is 1 to {MAX_CONTACT_CHARS} characters")
        with self.engine.begin() as conn:
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
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(s.handoffs)
                .where(s.handoffs.c.state.in_(OPEN_STATES))
                .order_by(s.handoffs.c.requested_at, s.handoffs.c.id)
            ).all()
        return [_handoff(row) for row in rows]

    def position(self, handoff_id: int) -> int:
        """1 for the next chat an agent will take; 0 once it is claimed or resolved."""
        with self.engine.connect() as conn:
            row = conn.execute(select(s.handoffs).where(s.handoffs.c.id == handoff_id)).first()
            if row is None:
                raise HandoffError(f"no handoff has id {handoff_id}")
            if row.state != "waiting":
                return 0
            ahead = conn.execute(
                select(func.count())
                .select_from(s.handoffs)
                .where(
                    s.handoffs.c.state == "waiting",
                    (s.handoffs.c.requested_at < row.requested_at)
                    | and_(
                        s.handoffs.c.requested_at == row.requested_at,
                        s.handoffs.c.id < row.id,
                    ),
                )
            ).scalar()
        return int(ahead or 0) + 1

    def typical_handle_minutes(self) -> float:
        """The median time from claim to resolution of the latest resolved chats."""
        with self.engine.connect() as conn:
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
        with self.engine.begin() as conn:
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
        with self.engine.begin() as conn:
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
        with self.engine.connect() as conn:
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


# -- escalation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    """What escalating a chat did (the action tells the customer, in the domain's words)."""

    handoff: Handoff
    agents_online: int
    position: int
    wait_minutes: int | None  # None when no agent can take it now
    promise_id: int | None

    @property
    def offline(self) -> bool:
        return self.wait_minutes is None


def wait_estimate(position: int, handle_minutes: float, agents_online: int) -> int:
    """Rough minutes until an agent picks up: the chats ahead, shared by the agents online."""
    if position <= 0:
        return 0
    return max(1, math.ceil(position * handle_minutes / max(agents_online, 1)))


def escalate(
    queue: HandoffQueue,
    online_agents: list[str],
    sender_id: str,
    reason: str,
    open_now: bool,
    detail: str | None = None,
    promise: Callable[[str, str | None], int] | None = None,
    admit: Callable[[], bool] | None = None,
    promise_about: str | bool | None = True,
    reply_by: datetime | None = None,
) -> Escalation:
    """Queue a conversation for a person: where it stands, the wait, the promise made.

    `online_agents` is the presence list (AgentAccounts.online), `open_now` whether the shop's
    team works at this hour (from the business file). When nobody can take the chat now, the
    customer is offered to leave a message and `promise(sender_id, subject)` records the
    follow-up the shop now owes, about `subject` (what the customer asked, or None), in the
    shop's words (`memory_promise`).
    `admit()` is asked before a conversation that is not in the queue yet joins it (a limit
    per client, so that one client cannot fill the agents' queue); HandoffLimited when it
    says no. A conversation already in the queue keeps its place without asking.
    `reply_by` is when the customer is told a person replies when nobody can take the chat now
    (the team's next opening); with agents online it is the estimated wait from now.
    """
    if admit is not None and queue.open_for(sender_id) is None and not admit():
        raise HandoffLimited(f"{sender_id} was not queued: its client queued too many chats")
    available = open_now and bool(online_agents)
    if not available:
        handoff = queue.enqueue(sender_id, reason, detail, offline=True, reply_by=reply_by)
    else:
        handoff = queue.enqueue(sender_id, reason, detail)
    position = queue.position(handoff.id)
    promise_id = None
    if not available:
        if promise is not None:
            # What the customer asked (`promise_about`, True: the detail), never "a person".
            subject = detail if promise_about is True else promise_about
            promise_id = promise(
                sender_id, subject if isinstance(subject, str) and subject else None
            )
        return Escalation(handoff, 0, position, None, promise_id)
    wait = wait_estimate(position, queue.typical_handle_minutes(), len(online_agents))
    if handoff.reply_by is None:
        handoff = queue.promise_reply(handoff.id, queue.now() + timedelta(minutes=wait))
    return Escalation(handoff, len(online_agents), position, wait, None)


def memory_promise(
    store: Any, wording: Callable[[str | None], str]
) -> Callable[[str, str | None], int]:
    """`promise` for `escalate` from a MemoryStore: the follow-up is due within a day, and
    `wording(subject)` is how the promise reads (the shop's words: customers and agents see it)."""

    def promise(sender_id: str, subject: str | None) -> int:
        text = wording(subject)
        customer_id = store.customer_for_sender(sender_id)
        due = utc(store.clock()) + timedelta(days=1)
        return int(store.make_promise(customer_id, text, due_at=due))

    return promise
