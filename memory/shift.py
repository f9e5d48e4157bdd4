"""What an agent's shift leaves in memory besides the queue: follow-ups promised by a person
(what, by when, who), replies sent although the tone guard flagged them (for coaching), and
the resolved chats an agent looks up again (past chats, searched by name, id or words).

Each write is one transaction; keeping a promise goes through MemoryStore.settle_promise, so it
counts as a promise kept in the relationship.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Connection, Engine

from memory import schema as s
from memory.db import make_engine
from memory.handoffs import BOT_PROMISE, REACH_OUT, Handoff, handoff_from_row
from memory.records import aware, now_utc, utc

MAX_PROMISE_CHARS = 500
MAX_SEARCH_CHARS = 100
PAST_CHATS = 50  # the most recent resolved chats a search lists
SHORT_ID_CHARS = 6


class ShiftError(ValueError):
    """A follow-up or search cannot be done as asked; the message says why."""


def short_id(sender_id: str) -> str:
    """A short, stable name for a conversation whose customer gave no name (not a secret: the
    conversation id itself is never shown)."""
    return hashlib.sha256(sender_id.encode()).hexdigest()[:SHORT_ID_CHARS]


@dataclass(frozen=True)
class FollowUp:
    """A follow-up a person promised on a resolved chat: waiting for us until kept."""

    promise_id: int
    handoff_id: int
    sender_id: str
    what: str
    owner: str | None
    due_at: datetime | None
    state: str

    def as_json(self) -> dict[str, Any]:
        return {
            "promise_id": self.promise_id,
            "handoff_id": self.handoff_id,
            "short_id": short_id(self.sender_id),
            "what": self.what,
            "owner": self.owner,
            "due_at": None if self.due_at is None else self.due_at.isoformat(),
            "state": self.state,
        }


class ShiftRecords:
    """Follow-ups, tone overrides and past chats, on the memory database."""

    def __init__(self, database: str | Engine, clock: Callable[[], datetime] = now_utc) -> None:
        self.engine = make_engine(database) if isinstance(database, str) else database
        self.clock = clock

    def _now(self) -> datetime:
        return utc(self.clock())

    # -- follow-ups promised by a person -----------------------------------------------------

    def latest_sender(self, customer_id: int) -> str | None:
        """The conversation id the customer was last seen in (their own id, not a secret to
        staff), or None for a customer never in a conversation."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(s.conversations.c.sender_id)
                .where(s.conversations.c.customer_id == customer_id)
                .order_by(s.conversations.c.started_at.desc(), s.conversations.c.id.desc())
                .limit(1)
            ).scalar()
            if found is None:
                found = conn.execute(
                    select(s.identities.c.sender_id)
                    .where(s.identities.c.customer_id == customer_id)
                    .order_by(s.identities.c.linked_at.desc())
                    .limit(1)
                ).scalar()
        return None if found is None else str(found)

    def reach_out(
        self,
        customer_id: int,
        manager: str,
        owner: str,
        what: str,
        due_at: datetime,
        note: str,
        detail: str = "",
    ) -> int:
        """A manager asks `owner` to reach out to a customer: a follow-up that waits in the
        console's "waiting for us" like a chat's (a resolved handoff of reason REACH_OUT with its
        promise and note), in one transaction. Returns the promise's id."""
        sender_id = self.latest_sender(customer_id)
        if sender_id is None:
            raise ShiftError("this customer was never in a chat, so there is no one to reach")
        now = self._now()
        with self.engine.begin() as conn:
            handoff_id = int(
                conn.execute(
                    s.handoffs.insert().values(
                        sender_id=sender_id,
                        reason=REACH_OUT,
                        detail=detail or None,
                        state="resolved",
                        requested_at=now,
                        claimed_by=manager,
                        claimed_at=now,
                        resolved_at=now,
                        outcome="follow_up",
                    )
                ).inserted_primary_key[0]
            )
            return self.promise_follow_up(
                handoff_id, customer_id, owner, what, due_at, note, conn=conn
            )

    def promise_follow_up(
        self,
        handoff_id: int,
        customer_id: int,
        agent: str,
        what: str,
        due_at: datetime,
        note: str,
        conn: Connection | None = None,
    ) -> int:
        """Record, in one transaction, the promise (what, by when, who), the note on the card
        and the promise's link to the chat; returns the promise's id. With `conn`, in that
        transaction (a unit of work that also resolves the chat)."""
        what = what.strip()
        if not what or len(what) > MAX_PROMISE_CHARS:
            raise ShiftError(f"say what was promised in 1 to {MAX_PROMISE_CHARS} characters")
        now = self._now()
        if utc(due_at) <= now:
            raise ShiftError("a follow-up is due some time from now")
        if conn is None:
            with self.engine.begin() as own:
                return self.promise_follow_up(
                    handoff_id, customer_id, agent, what, due_at, note, conn=own
                )
        exists = conn.execute(
            select(s.customers.c.id).where(s.customers.c.id == customer_id)
        ).scalar()
        if exists is None:
            raise LookupError("this customer's memory was deleted")
        promise_id = int(
            conn.execute(
                s.promises.insert().values(
                    customer_id=customer_id,
                    text=what,
                    made_at=now,
                    due_at=utc(due_at),
                    state="open",
                    owner=agent,
                )
            ).inserted_primary_key[0]
        )
        conn.execute(
            s.agent_notes.insert().values(customer_id=customer_id, agent=agent, text=note, at=now)
        )
        conn.execute(
            update(s.handoffs).where(s.handoffs.c.id == handoff_id).values(promise_id=promise_id)
        )
        return promise_id

    def follow_ups(
        self,
        include_kept: bool = False,
        handoff_id: int | None = None,
        promise_id: int | None = None,
    ) -> list[FollowUp]:
        """Follow-ups promised on chats, soonest due first; only the open ones unless asked;
        of one chat or one promise when given."""
        query = (
            select(
                s.promises.c.id,
                s.promises.c.text,
                s.promises.c.owner,
                s.promises.c.due_at,
                s.promises.c.state,
                s.handoffs.c.id.label("handoff_id"),
                s.handoffs.c.sender_id,
                s.handoffs.c.reason,
                s.handoffs.c.detail,
            )
            .join(s.handoffs, s.handoffs.c.promise_id == s.promises.c.id)
            .order_by(s.promises.c.due_at, s.promises.c.id)
        )
        if not include_kept:
            query = query.where(s.promises.c.state == "open")
        if handoff_id is not None:
            query = query.where(s.handoffs.c.id == handoff_id)
        if promise_id is not None:
            query = query.where(s.promises.c.id == promise_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            FollowUp(
                int(row.id),
                int(row.handoff_id),
                row.sender_id,
                # The bot's check-in after a complaint: what it is about in the customer's
                # words, not the bot's whole sentence to them.
                (row.detail if row.reason == BOT_PROMISE and row.detail else row.text),
                row.owner,
                aware(row.due_at),
                row.state,
            )
            for row in rows
        ]

    def follow_up_for(self, handoff_id: int) -> FollowUp | None:
        found = self.follow_ups(include_kept=True, handoff_id=handoff_id)
        return found[0] if found else None

    # -- replies sent over the tone guard ----------------------------------------------------

    def record_sent_anyway(
        self, handoff_id: int, agent: str, text: str, findings: list[dict[str, Any]]
    ) -> int:
        """An agent confirmed a reply the tone guard flagged: kept for a manager's coaching."""
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    s.tone_overrides.insert().values(
                        handoff_id=handoff_id,
                        agent=agent,
                        text=text,
                        findings=json.dumps(findings),
                        at=self._now(),
                    )
                ).inserted_primary_key[0]
            )

    def sent_anyway(
        self, handoff_ids: list[int] | None = None, agent: str | None = None
    ) -> list[dict[str, Any]]:
        """Flagged replies that were sent, newest first: of some chats, of an agent, or all."""
        query = select(s.tone_overrides).order_by(
            s.tone_overrides.c.at.desc(), s.tone_overrides.c.id.desc()
        )
        if handoff_ids is not None:
            query = query.where(s.tone_overrides.c.handoff_id.in_(handoff_ids))
        if agent is not None:
            query = query.where(s.tone_overrides.c.agent == agent)
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(200)).all()
        return [
            {
                "handoff_id": int(row.handoff_id),
                "agent": row.agent,
                "text": row.text,
                "findings": json.loads(row.findings),
                "at": aware(row.at).isoformat(),  # type: ignore[union-attr]
            }
            for row in rows
        ]

    # -- past chats --------------------------------------------------------------------------

    def _senders_of(self, conn: Any, customer_id: int) -> list[str]:
        linked = conn.execute(
            select(s.identities.c.sender_id).where(s.identities.c.customer_id == customer_id)
        ).scalars()
        talked = conn.execute(
            select(s.conversations.c.sender_id).where(s.conversations.c.customer_id == customer_id)
        ).scalars()
        return sorted(set(linked) | set(talked))

    def past_chats(self, words: str = "", limit: int = PAST_CHATS) -> list[Handoff]:
        """Resolved chats, newest first; with `words`, those whose customer's name, id (the
        chat's number or short id) or messages contain them."""
        words = words.strip()[:MAX_SEARCH_CHARS]
        query = select(s.handoffs).where(s.handoffs.c.state == "resolved")
        if words:
            like = f"%{_escaped(words)}%"
            name_senders = (
                select(s.conversations.c.sender_id)
                .join(s.facts, s.facts.c.customer_id == s.conversations.c.customer_id)
                .where(
                    s.facts.c.kind == "name",
                    s.facts.c.superseded_at.is_(None),
                    s.facts.c.value.ilike(like, escape="\\"),
                )
            )
            said_senders = (
                select(s.conversations.c.sender_id)
                .join(s.exchanges, s.exchanges.c.conversation_id == s.conversations.c.id)
                .where(s.exchanges.c.text.ilike(like, escape="\\"))
            )
            matches = [
                s.handoffs.c.detail.ilike(like, escape="\\"),
                s.handoffs.c.sender_id.in_(name_senders),
                s.handoffs.c.sender_id.in_(said_senders),
            ]
            number = words.lstrip("#")
            if number.isdigit():
                matches.append(s.handoffs.c.id == int(number))
            query = query.where(or_(*matches))
        query = query.order_by(s.handoffs.c.resolved_at.desc(), s.handoffs.c.id.desc())
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(limit)).all()
            found = [handoff_from_row(row) for row in rows]
            if words and len(found) < limit:
                # A short id is a hash of the conversation id, so it is matched here.
                wanted = words.lower().lstrip("#")
                seen = {handoff.id for handoff in found}
                recent = conn.execute(
                    select(s.handoffs)
                    .where(s.handoffs.c.state == "resolved")
                    .order_by(s.handoffs.c.resolved_at.desc())
                    .limit(500)
                ).all()
                for row in recent:
                    if row.id not in seen and short_id(row.sender_id) == wanted:
                        found.append(handoff_from_row(row))
        return found[:limit]

    def customer_messages_since(self, sender_id: str, since: datetime) -> int:
        """How many messages the conversation's customer sent since `since` (the console's
        alert for a new message in a chat)."""
        with self.engine.connect() as conn:
            count = conn.execute(
                select(func.count())
                .select_from(s.exchanges)
                .join(s.conversations, s.conversations.c.id == s.exchanges.c.conversation_id)
                .where(
                    s.conversations.c.sender_id == sender_id,
                    s.exchanges.c.speaker == "customer",
                    s.exchanges.c.at >= utc(since),
                )
            ).scalar()
        return int(count or 0)

    def bot_doings(
        self, sender_id: str, saying: Iterable[str] = ()
    ) -> list[tuple[str | None, dict[str, Any] | None]]:
        """(action, policy) of the bot's messages in a conversation that did something (a
        message of an action, one of the responses `saying`, or a say-yes decision), oldest
        first. A message's action is the response it said when it said one (`utter_...`)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(s.exchanges.c.action, s.exchanges.c.policy)
                .join(s.conversations, s.conversations.c.id == s.exchanges.c.conversation_id)
                .where(
                    s.conversations.c.sender_id == sender_id,
                    s.exchanges.c.speaker == "bot",
                    or_(
                        s.exchanges.c.policy.is_not(None),
                        s.exchanges.c.action.like("action\\_%", escape="\\"),
                        s.exchanges.c.action.in_(list(saying)),
                    ),
                )
                .order_by(s.exchanges.c.at, s.exchanges.c.id)
                .limit(500)
            ).all()
        doings: list[tuple[str | None, dict[str, Any] | None]] = []
        for row in rows:
            try:
                policy = json.loads(row.policy) if row.policy else None
            except ValueError:
                policy = None
            doings.append((row.action, policy if isinstance(policy, dict) else None))
        return doings

    def names(self, sender_ids: list[str]) -> dict[str, str]:
        """The customer's current name for each conversation that has one (one query, for
        lists of chats, where a whole card per chat would be slow)."""
        if not sender_ids:
            return {}
        senders = (
            select(s.conversations.c.sender_id, s.conversations.c.customer_id)
            .where(s.conversations.c.sender_id.in_(sender_ids))
            .union(
                select(s.identities.c.sender_id, s.identities.c.customer_id).where(
                    s.identities.c.sender_id.in_(sender_ids)
                )
            )
            .subquery()
        )
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(senders.c.sender_id, s.facts.c.value)
                .join(s.facts, s.facts.c.customer_id == senders.c.customer_id)
                .where(s.facts.c.kind == "name", s.facts.c.superseded_at.is_(None))
                .order_by(s.facts.c.recorded_at)
            ).all()
        return {row.sender_id: row.value for row in rows}

    def chats_of_customer(self, customer_id: int) -> list[Handoff]:
        """Every chat of a customer that reached a person, newest first."""
        with self.engine.connect() as conn:
            senders = self._senders_of(conn, customer_id)
            if not senders:
                return []
            rows = conn.execute(
                select(s.handoffs)
                .where(s.handoffs.c.sender_id.in_(senders))
                .order_by(s.handoffs.c.requested_at.desc(), s.handoffs.c.id.desc())
                .limit(PAST_CHATS)
            ).all()
        return [handoff_from_row(row) for row in rows]


def _escaped(words: str) -> str:
    """`words` with LIKE's wildcards taken literally."""
    return words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
