"""Handoffs to a person: what a handoff is, and `escalate`, the one decision of what happens
when a chat needs a person. The queue itself is `memory.repositories.handoffs`."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from memory.records import aware

if TYPE_CHECKING:  # the repository imports this module
    from memory.repositories.handoffs import HandoffRepository
    from memory.unit_of_work import UnitOfWork

REASONS = ("customer_asked", "fallback", "complaint", "at_risk", "say_yes")
OUTCOMES = ("resolved", "follow_up")
# Not a chat the customer handed over: a manager asked an agent to reach out to the customer
# (memory.shift.ShiftRecords.reach_out). Kept as a resolved handoff with its follow-up, so it
# waits in the console like every other follow-up; the insights leave it out of the handoffs.
REACH_OUT = "reach_out"
# Not a chat handed over either: the bot promised the customer a follow-up (a complaint's
# check-in). Kept the same way, so the team sees every promise the bot makes under "waiting for
# us"; the insights leave it out of the handoffs too.
BOT_PROMISE = "bot_promise"
NOT_HANDED_OVER = (REACH_OUT, BOT_PROMISE)
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
    reply_promise_id: int | None = None  # the reply promised when a message was left

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
            "reply_promise_id": self.reply_promise_id,
        }


def handoff_from_row(row: Any) -> Handoff:
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
        reply_promise_id=row.reply_promise_id,
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
    queue: HandoffRepository,
    online_agents: list[str],
    sender_id: str,
    reason: str,
    open_now: bool,
    detail: str | None = None,
    promise: Callable[[str, str | None, datetime | None], int] | None = None,
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
            # Due when the customer was told a person replies (the team's next opening).
            promise_id = promise(
                sender_id, subject if isinstance(subject, str) and subject else None, reply_by
            )
            handoff = queue.reply_promised(handoff.id, promise_id)
        return Escalation(handoff, 0, position, None, promise_id)
    wait = wait_estimate(position, queue.typical_handle_minutes(), len(online_agents))
    if handoff.reply_by is None:
        handoff = queue.promise_reply(handoff.id, queue.now() + timedelta(minutes=wait))
    return Escalation(handoff, len(online_agents), position, wait, None)


def memory_promise(
    work: UnitOfWork, wording: Callable[[str | None], str]
) -> Callable[[str, str | None, datetime | None], int]:
    """`promise` for `escalate` in the unit of work `work`: the follow-up is due when the
    customer was told (`due`), else within a day, and `wording(subject)` is how the promise
    reads (the shop's words: customers and agents see it)."""

    def promise(sender_id: str, subject: str | None, due: datetime | None = None) -> int:
        text = wording(subject)
        customer_id = work.customers.customer_for_sender(sender_id)
        if due is None:
            due = work.handoffs.now() + timedelta(days=1)
        return int(work.issues.make_promise(customer_id, text, due_at=due))

    return promise
