"""Workflows of the relationship memory that change several things, each in one unit of work.

Each function commits once: everything it writes is stored, or (when any write fails) none of
it. Synchronous (database work): the action server and the channel call them in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from memory.store import MemoryStore

COMPLAINT = "complaint"


@dataclass(frozen=True)
class Complaint:
    """The issue recorded and the follow-up promised for it."""

    issue_id: int
    promise_id: int


def complaint_with_promise(
    store: MemoryStore, customer_id: int, summary: str, promise: str, due_at: datetime | None
) -> Complaint:
    """Record a complaint and the follow-up promised for it: both, or neither."""
    with store.unit_of_work():
        issue_id = store.open_issue(customer_id, COMPLAINT, summary)
        promise_id = store.make_promise(customer_id, promise, due_at=due_at, issue_id=issue_id)
    return Complaint(issue_id, promise_id)


def redeem_for_account(
    store: MemoryStore, sender_id: str, external_id: str, reward: str, points: int
) -> int:
    """Link a signed-in customer's conversation to their shop account and record the reward
    they redeemed there: both, or neither. Returns the redemption's id."""
    with store.unit_of_work():
        customer_id = store.link_identity(sender_id, external_id)
        return store.redeem(customer_id, reward, points)


def sign_in(
    store: MemoryStore, anonymous_id: str | None, external_id: str, own_conversation: str
) -> int:
    """A browser signed in: its anonymous chat (if any) merges into the customer's record and
    the customer's own conversation id is linked to the shop's id: both, or neither."""
    with store.unit_of_work():
        if anonymous_id is not None:
            store.merge_anonymous(anonymous_id, external_id)
        return store.link_identity(own_conversation, external_id)
