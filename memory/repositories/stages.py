"""The relationship's history: the customer's stage and at-risk flag judged on a write, kept as
a row of `stage_changes` whenever either changed (read by memory.insights for the moves)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select

from memory import schema as s
from memory.records import UnknownCustomer
from memory.repositories.base import Repository
from memory.rules import Relationship, RelationshipInputs, Tally, assess

RATINGS_JUDGED = 5  # the newest ratings the rules read (as the relationship card does)


class StageHistory(Repository):
    """Judges a customer's relationship after a write and records it when it changed."""

    def inputs(self, customer_id: int, now: datetime) -> RelationshipInputs:
        """What memory.rules.assess decides from, read with indexed aggregates."""
        conn = self.conn
        customer = conn.execute(select(s.customers).where(s.customers.c.id == customer_id)).first()
        if customer is None:
            raise UnknownCustomer(f"no customer has id {customer_id}")
        i, p = s.issues.c, s.promises.c
        issues = conn.execute(
            select(
                func.count().label("open"),
                func.coalesce(func.sum(case((i.kind == "complaint", 1), else_=0)), 0).label(
                    "complaints"
                ),
            ).where(i.customer_id == customer_id, i.state == "open")
        ).one()
        overdue = conn.execute(
            select(func.count()).where(
                p.customer_id == customer_id,
                p.state == "open",
                p.due_at.is_not(None),
                p.due_at < now,
            )
        ).scalar()
        ratings = tuple(
            conn.execute(
                select(s.ratings.c.score)
                .where(s.ratings.c.customer_id == customer_id)
                .order_by(s.ratings.c.at.desc(), s.ratings.c.id.desc())
                .limit(RATINGS_JUDGED)
            ).scalars()
        )
        not_understood = conn.execute(
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
        return RelationshipInputs(
            visits=customer.visits,
            tally=Tally(customer.benefit, customer.cost, customer.tally_at),
            first_seen=customer.first_seen,
            last_seen=customer.last_seen,
            open_complaints=int(issues.complaints),
            open_issues=int(issues.open),
            overdue_promises=int(overdue or 0),
            not_understood_last_visit=not_understood or 0,
            ideas_shared=int(ideas or 0),
            recent_ratings=ratings,
        )

    def judge(self, customer_id: int, at: datetime) -> Relationship:
        """The relationship as of `at`; a `stage_changes` row is added when its stage or at-risk
        flag differs from the customer's latest recorded one (or none is recorded yet)."""
        relationship = assess(self.inputs(customer_id, at), at, self.context.rules)
        c = s.stage_changes.c
        latest = self.conn.execute(
            select(c.to_stage, c.at_risk)
            .where(c.customer_id == customer_id)
            .order_by(c.at.desc(), c.id.desc())
            .limit(1)
        ).first()
        if latest is not None and (latest.to_stage, bool(latest.at_risk)) == (
            relationship.stage,
            relationship.at_risk,
        ):
            return relationship
        self.conn.execute(
            s.stage_changes.insert().values(
                customer_id=customer_id,
                from_stage=None if latest is None else latest.to_stage,
                to_stage=relationship.stage,
                was_at_risk=None if latest is None else bool(latest.at_risk),
                at_risk=relationship.at_risk,
                at=at,
            )
        )
        return relationship
