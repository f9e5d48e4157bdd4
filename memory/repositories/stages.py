"""The relationship's history: the customer's stage and at-risk flag judged on a write, kept as
a row of `stage_changes` whenever either changed (read by memory.insights for the moves)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, func, select

from memory import schema as s
from memory.records import UnknownCustomer
from memory.repositories.base import Repository
from memory.rules import Relationship, RelationshipInputs, Tally, assess

RATINGS_JUDGED = 5  # the newest ratings the rules read (as the relationship card does)


class StageHistory(Repository):
    """Judges a customer's relationship after a write and records it when it changed."""

    def inputs(self, customer_id: int, now: datetime) -> RelationshipInputs:
        """What memory.rules.assess decides from: one row of indexed scalar subqueries, and the
        newest ratings."""
        conn = self.conn
        c, i, p = s.customers.c, s.issues.c, s.promises.c
        mine = c.id
        open_issue = and_(i.customer_id == mine, i.state == "open")
        row = conn.execute(
            select(
                c.visits,
                c.benefit,
                c.cost,
                c.tally_at,
                c.first_seen,
                c.last_seen,
                _count(s.issues, open_issue).label("open_issues"),
                _count(s.issues, open_issue, i.kind == "complaint").label("complaints"),
                _count(
                    s.promises,
                    p.customer_id == mine,
                    p.state == "open",
                    p.due_at.is_not(None),
                    p.due_at < now,
                ).label("overdue"),
                select(s.conversations.c.not_understood)
                .where(s.conversations.c.customer_id == mine)
                .order_by(s.conversations.c.started_at.desc())
                .limit(1)
                .scalar_subquery()
                .label("not_understood"),
                _count(s.feedback, s.feedback.c.customer_id == mine).label("ideas"),
            ).where(mine == customer_id)
        ).first()
        if row is None:
            raise UnknownCustomer(f"no customer has id {customer_id}")
        ratings = tuple(
            conn.execute(
                select(s.ratings.c.score)
                .where(s.ratings.c.customer_id == customer_id)
                .order_by(s.ratings.c.at.desc(), s.ratings.c.id.desc())
                .limit(RATINGS_JUDGED)
            ).scalars()
        )
        return RelationshipInputs(
            visits=row.visits,
            tally=Tally(row.benefit, row.cost, row.tally_at),
            first_seen=row.first_seen,
            last_seen=row.last_seen,
            open_complaints=int(row.complaints or 0),
            open_issues=int(row.open_issues or 0),
            overdue_promises=int(row.overdue or 0),
            not_understood_last_visit=row.not_understood or 0,
            ideas_shared=int(row.ideas or 0),
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


def _count(table: Table, *where: Any) -> Any:
    """The number of `table`'s rows where all of `where` hold, as a scalar subquery."""
    return select(func.count()).select_from(table).where(*where).scalar_subquery()
