"""Workflows of the relationship memory that change several things, each in one unit of work.

Each function commits once: everything it writes is stored, or (when any write fails) none of
it. They take the memory (`MemoryStore`, or a fake with the same `unit_of_work`) and decide
nothing about words: the caller passes the shop's. Synchronous (database work): the action
server and the channel call them in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from memory.handoffs import Escalation, Handoff, escalate, memory_promise
from memory.records import Exchange
from memory.unit_of_work import Memory

COMPLAINT = "complaint"


@dataclass(frozen=True)
class Complaint:
    """The issue recorded and the follow-up promised for it."""

    issue_id: int
    promise_id: int


def complaint_with_promise(
    memory: Memory,
    customer_id: int,
    summary: str,
    promise: str,
    due_at: datetime | None,
    sender_id: str | None = None,
) -> Complaint:
    """Record a complaint and the follow-up promised for it: both, or neither. Made in a chat
    (`sender_id`), the promise also waits for the team in the console's follow-ups."""
    with memory.unit_of_work() as work:
        issue_id = work.issues.open_issue(customer_id, COMPLAINT, summary)
        promise_id = work.issues.make_promise(
            customer_id, promise, due_at=due_at, issue_id=issue_id
        )
        if sender_id is not None:
            work.handoffs.bot_promise(sender_id, promise_id, summary)
    return Complaint(issue_id, promise_id)


def redeem_for_account(
    memory: Memory, sender_id: str, external_id: str, reward: str, points: int
) -> int:
    """Link a signed-in customer's conversation to their shop account and record the reward
    they redeemed there: both, or neither. Returns the redemption's id."""
    with memory.unit_of_work() as work:
        customer_id = work.customers.link_identity(sender_id, external_id)
        return work.loyalty.redeem(customer_id, reward, points)


def sign_in(
    memory: Memory, anonymous_id: str | None, external_id: str, own_conversation: str
) -> int:
    """A browser signed in: its anonymous chat (if any) merges into the customer's record and
    the customer's own conversation id is linked to the shop's id: both, or neither."""
    with memory.unit_of_work() as work:
        if anonymous_id is not None:
            work.customers.merge_anonymous(anonymous_id, external_id)
        return work.customers.link_identity(own_conversation, external_id)


def handoff_with_promise(
    memory: Memory,
    online_agents: list[str],
    sender_id: str,
    reason: str,
    open_now: bool,
    promise_wording: Callable[[str | None], str] | None,
    detail: str | None = None,
    admit: Callable[[], bool] | None = None,
    promise_about: str | bool | None = True,
    reply_by: datetime | None = None,
) -> Escalation:
    """Queue a conversation for a person (`memory.handoffs.escalate`) and, when nobody can
    take it now, record the follow-up promised (worded by `promise_wording`; None: no new
    promise): the handoff and its promise, both or neither."""
    with memory.unit_of_work() as work:
        return escalate(
            work.handoffs,
            online_agents,
            sender_id,
            reason,
            open_now,
            detail=detail,
            promise=None if promise_wording is None else memory_promise(work, promise_wording),
            admit=admit,
            promise_about=promise_about,
            reply_by=reply_by,
        )


def resolve_handoff(
    memory: Memory,
    handoff_id: int,
    agent: str,
    outcome: str,
    note: str,
    promise: str | None,
) -> Handoff:
    """An agent resolves their chat: the handoff is resolved, the outcome's `note` (a template
    with `{reason}`) is kept on the customer, and for a follow-up the `promise` (a template with
    `{agent}`) is recorded: all of it, or none."""
    with memory.unit_of_work() as work:
        handoff = work.handoffs.resolve(handoff_id, agent, outcome)
        customer_id = work.customers.customer_for_sender(handoff.sender_id)
        work.agents.add_agent_note(customer_id, agent, note.format(reason=handoff.reason))
        if promise is not None:
            work.issues.make_promise(customer_id, promise.format(agent=agent))
    return handoff


def keep_reply_promise(memory: Memory, handoff_id: int) -> bool:
    """An agent replied in a chat whose customer was promised a reply when they left a
    message: that promise is kept (once; a benefit in the relationship). False when there was
    none open."""
    with memory.unit_of_work() as work:
        handoff = work.handoffs.get(handoff_id)
        promise_id = handoff.reply_promise_id
        if promise_id is None or not work.issues.promise_open(promise_id):
            return False
        work.issues.settle_promise(promise_id, "kept")
        return True


def record_exchange(memory: Memory, exchange: Exchange) -> bool:
    """Append one exchange to the log with the facts found in it; False when its event was
    already recorded.

    The facts are found before the unit of work opens: parsing takes time (the first parse
    loads the language model), and on SQLite a write transaction holds the lock that the
    action server's own writes wait for.
    """
    extractor = memory.context.fact_extractor
    facts = []
    if exchange.speaker == "customer" and exchange.text and extractor is not None:
        facts = list(extractor(exchange.text))
    try:
        with memory.unit_of_work() as work:
            return work.exchanges.record_exchange(exchange, facts)
    except IntegrityError:
        # Another writer recorded the same event between our check and our insert.
        with memory.unit_of_work() as work:
            if work.exchanges.exchange_for_event(exchange.event_id) is not None:
                return False
        raise
