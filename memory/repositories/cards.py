"""The relationship card: everything the bot and agents need about a customer, read in one
go (a read-only query over the repositories' tables; it writes nothing)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

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
        customer = conn.execute(select(s.customers).where(s.customers.c.id == customer_id)).first()
        if customer is None:
            raise UnknownCustomer(f"no customer has id {customer_id}")
        facts = [
            fact_view(row)
            for row in conn.execute(
                select(s.facts)
                .where(s.facts.c.customer_id == customer_id, s.facts.c.superseded_at.is_(None))
                .order_by(s.facts.c.recorded_at.desc(), s.facts.c.id.desc())
            )
        ]
        issues = conn.execute(
            select(s.issues)
            .where(s.issues.c.customer_id == customer_id, s.issues.c.state == "open")
            .order_by(s.issues.c.opened_at)
        ).all()
        promises = conn.execute(
            select(s.promises)
            .where(s.promises.c.customer_id == customer_id, s.promises.c.state == "open")
            .order_by(s.promises.c.due_at)
            .limit(10)
        ).all()
        recent = conn.execute(
            select(
                s.exchanges.c.speaker,
                s.exchanges.c.text,
                s.exchanges.c.at,
                s.exchanges.c.intent,
                s.exchanges.c.action,
                s.exchanges.c.agent,
                s.exchanges.c.policy,
            )
            .where(s.exchanges.c.customer_id == customer_id)
            .order_by(s.exchanges.c.at.desc(), s.exchanges.c.id.desc())
            .limit(TOPIC_WINDOW)
        ).all()
        ratings = tuple(
            conn.execute(
                select(s.ratings.c.score)
                .where(s.ratings.c.customer_id == customer_id)
                .order_by(s.ratings.c.at.desc(), s.ratings.c.id.desc())
                .limit(CARD_RATINGS)
            ).scalars()
        )
        last_visit_not_understood = conn.execute(
            select(s.conversations.c.not_understood)
            .where(s.conversations.c.customer_id == customer_id)
            .order_by(s.conversations.c.started_at.desc())
            .limit(1)
        ).scalar()
        ideas = conn.execute(
            select(func.count())
            .select_from(s.feedback)
            .where(s.feedback.c.customer_id == customer_id)
        ).scalar()

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
