"""The relationship card: everything the bot and agents need about a customer, read in one
go (a read-only query over the repositories' tables; it writes nothing)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, func, select

from memory import schema as s
from memory.records import ExchangeView, IssueView, RelationshipCard, UnknownCustomer, aware
from memory.repositories.base import Repository
from memory.repositories.facts import fact_view
from memory.repositories.issues import promise_view
from memory.rules import RelationshipInputs, Tally, assess, satisfaction_trend

# Intents that say nothing about what a visit was about.
SMALL_TALK_INTENTS = frozenset(
    {"greet", "goodbye", "affirm", "deny", "thank", "thanks", "bot_challenge", "nlu_fallback"}
)
CARD_EXCHANGES = 8  # how many recent exchanges a card shows
TOPIC_WINDOW = 60  # how many recent exchanges the card's topics come from
CARD_RATINGS = 5


# The card's reads, built once: building a statement and its cache key on every read cost
# more than SQLite's own work (bench/memory.py); each takes the customer as a bound value.
_WHO = bindparam("customer_id")
_CUSTOMER = select(s.customers).where(s.customers.c.id == _WHO)
_FACTS = (
    select(s.facts)
    .where(s.facts.c.customer_id == _WHO, s.facts.c.superseded_at.is_(None))
    .order_by(s.facts.c.recorded_at.desc(), s.facts.c.id.desc())
)
_OPEN_ISSUES = (
    select(s.issues)
    .where(s.issues.c.customer_id == _WHO, s.issues.c.state == "open")
    .order_by(s.issues.c.opened_at)
)
_OPEN_PROMISES = (
    select(s.promises)
    .where(s.promises.c.customer_id == _WHO, s.promises.c.state == "open")
    .order_by(s.promises.c.due_at)
    .limit(10)
)
_RECENT_EXCHANGES = (
    select(
        s.exchanges.c.speaker,
        s.exchanges.c.text,
        s.exchanges.c.at,
        s.exchanges.c.intent,
        s.exchanges.c.action,
        s.exchanges.c.agent,
        s.exchanges.c.policy,
    )
    .where(s.exchanges.c.customer_id == _WHO)
    .order_by(s.exchanges.c.at.desc(), s.exchanges.c.id.desc())
    .limit(TOPIC_WINDOW)
)
_RATINGS = (
    select(s.ratings.c.score)
    .where(s.ratings.c.customer_id == _WHO)
    .order_by(s.ratings.c.at.desc(), s.ratings.c.id.desc())
    .limit(CARD_RATINGS)
)
_LAST_NOT_UNDERSTOOD = (
    select(s.conversations.c.not_understood)
    .where(s.conversations.c.customer_id == _WHO)
    .order_by(s.conversations.c.started_at.desc())
    .limit(1)
)
_IDEAS = select(func.count()).select_from(s.feedback).where(s.feedback.c.customer_id == _WHO)


class CardQuery(Repository):
    """Reads relationship cards; never writes."""

    def card_for_sender(self, sender_id: str) -> RelationshipCard | None:
        """The card of the customer behind a sender id, or None for someone never seen."""
        customer_id = self.conn.execute(
            select(s.identities.c.customer_id).where(s.identities.c.sender_id == sender_id)
        ).scalar()
        return None if customer_id is None else self.card(int(customer_id))

    def card(self, customer_id: int) -> RelationshipCard:
        """Everything the bot and agents need about a customer, from a handful of indexed reads."""
        now = self._now()
        conn = self.conn
        who = {"customer_id": customer_id}
        customer = conn.execute(_CUSTOMER, who).first()
        if customer is None:
            raise UnknownCustomer(f"no customer has id {customer_id}")
        facts = [fact_view(row) for row in conn.execute(_FACTS, who)]
        issues = conn.execute(_OPEN_ISSUES, who).all()
        promises = conn.execute(_OPEN_PROMISES, who).all()
        recent = conn.execute(_RECENT_EXCHANGES, who).all()
        ratings = tuple(conn.execute(_RATINGS, who).scalars())
        last_visit_not_understood = conn.execute(_LAST_NOT_UNDERSTOOD, who).scalar()
        ideas = conn.execute(_IDEAS, who).scalar()

        promise_views = tuple(promise_view(row, now) for row in promises)
        inputs = RelationshipInputs(
            visits=customer.visits,
            tally=Tally(customer.benefit, customer.cost, customer.tally_at),
            first_seen=customer.first_seen,
            last_seen=customer.last_seen,
            open_complaints=sum(1 for row in issues if row.kind == "complaint"),
            open_issues=len(issues),
            overdue_promises=sum(1 for view in promise_views if view.overdue),
            not_understood_last_visit=last_visit_not_understood or 0,
            ideas_shared=int(ideas or 0),
            recent_ratings=ratings,
        )
        relationship = assess(inputs, now, self.context.rules)
        topics: list[str] = []
        for row in recent:
            if row.speaker == "customer" and row.intent and row.intent not in SMALL_TALK_INTENTS:
                if row.intent not in topics:
                    topics.append(row.intent)
        names = [fact.value for fact in facts if fact.kind == "name"]
        return RelationshipCard(
            customer_id=customer.id,
            external_id=customer.external_id,
            name=names[0] if names else None,
            stage=relationship.stage,
            at_risk=relationship.at_risk,
            reasons=relationship.reasons,
            balance=relationship.balance,
            visits=customer.visits,
            first_seen=aware(customer.first_seen),
            last_seen=aware(customer.last_seen),
            last_topics=tuple(topics[:5]),
            open_issues=tuple(
                IssueView(row.id, row.kind, row.summary, row.state, aware(row.opened_at))
                for row in issues
            ),
            promises_due=promise_views,
            preferences=tuple(fact for fact in facts if fact.kind not in ("name", "aspiration")),
            aspirations=tuple(fact.value for fact in facts if fact.kind == "aspiration"),
            loyalty_status=customer.loyalty_status,
            satisfaction_trend=satisfaction_trend(ratings),
            recent_ratings=ratings,
            last_exchanges=tuple(
                ExchangeView(
                    row.speaker,
                    row.text,
                    aware(row.at),
                    row.intent,
                    row.action,
                    row.agent,
                    _policy(row.policy),
                )
                for row in reversed(recent[:CARD_EXCHANGES])
            ),
        )


def _policy(stored: str | None) -> dict[str, Any] | None:
    """The policy JSON of an exchange; a value that is not JSON reads as none."""
    if not stored:
        return None
    try:
        value = json.loads(stored)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
