"""Insights for the shop's managers: the health of its customer relationships over a date range.

Read-only. Every figure is an SQL aggregate (GROUP BY, window functions, indexed ranges); no
exchange is loaded into Python. What Python receives is one row per customer (to judge each
relationship by memory.rules, the same rules the card uses), per day, per handoff or per group.

The weekly moves count the recorded stage history (`stage_changes`, written with every exchange
by memory.repositories.stages): into each stage, and into and out of at risk. Weeks before that
history began show no moves; the report says from which day it holds.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import JSON, and_, case, func, or_, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from memory import schema as s
from memory.handoffs import NOT_HANDED_OVER
from memory.records import now_utc, utc
from memory.rules import (
    STAGES,
    RelationshipInputs,
    RelationshipRules,
    Tally,
    assess,
)

FALLBACK_INTENT = "nlu_fallback"
RECENT_RATINGS = 5  # as many as the card judges a relationship by
AT_RISK_MOVES = ("into_at_risk", "out_of_at_risk")
LISTED = 500  # the most rows a list (at risk, issues, promises, ideas) returns
MAX_RANGE_DAYS = 731


class InsightsError(ValueError):
    """A date range that cannot be used; the message says why."""


@dataclass(frozen=True)
class DateRange:
    """Whole days from `start` to `end`, both included."""

    start: date
    end: date

    @classmethod
    def parse(cls, start: str | None, end: str | None, today: date, days: int = 56) -> DateRange:
        """A range from ISO dates; the last `days` days up to today when not given."""
        try:
            last = date.fromisoformat(end) if end else today
            first = date.fromisoformat(start) if start else last - timedelta(days=days - 1)
        except ValueError:
            raise InsightsError("dates are written YYYY-MM-DD") from None
        if first > last:
            raise InsightsError("the range starts after it ends")
        if (last - first).days >= MAX_RANGE_DAYS:
            raise InsightsError(f"a range is at most {MAX_RANGE_DAYS} days")
        return cls(first, last)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time())

    @property
    def until(self) -> datetime:
        """The first moment after the range (exclusive)."""
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time())

    def within(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.since, column < self.until)


def week_of(day: date) -> date:
    """The Monday that starts `day`'s week."""
    return day - timedelta(days=day.weekday())


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class Insights:
    """The manager's figures from the relationship memory; it never writes."""

    def __init__(
        self,
        engine: Engine,
        rules: RelationshipRules | None = None,
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        self.engine = engine
        self.rules = rules or RelationshipRules()
        self.clock = clock

    def now(self) -> datetime:
        return utc(self.clock())

    def today(self) -> date:
        return self.now().date()

    # -- dialect helpers ----------------------------------------------------------------------

    def _day(self, column: Any) -> Any:
        """The calendar day of a timestamp, on either database."""
        return func.date(column)

    def _policy(self, *path: str) -> Any:
        """A text value inside an exchange's policy JSON."""
        column = s.exchanges.c.policy
        if self.engine.dialect.name == "postgresql":
            return func.json_extract_path_text(sql_cast(column, JSON), *path)
        return func.json_extract(column, "$." + ".".join(path))

    # -- the whole page -----------------------------------------------------------------------

    def report(self, span: DateRange) -> dict[str, Any]:
        """Every figure of the insights page, JSON-ready."""
        with self.engine.connect() as conn:
            relationships = self.relationships(conn)
            return {
                "range": {"start": span.start.isoformat(), "end": span.end.isoformat()},
                "generated_at": self.now().isoformat(timespec="seconds"),
                "stages": relationships["stages"],
                "at_risk_count": relationships["at_risk_count"],
                "at_risk": relationships["at_risk"],
                "moves": self.moves(conn, span),
                "history_since": self.history_since(conn),
                "open_issues": self.open_issues(conn),
                "overdue_promises": self.overdue_promises(conn),
                "satisfaction": self.satisfaction(conn, span),
                "handoffs": self.handoffs(conn, span),
                "fallback": self.fallback(conn, span),
                "first_reply": self.first_reply(conn, span),
                "not_yes": self.not_yes(conn, span),
                "ideas": self.ideas(conn, span),
            }

    # -- relationships now --------------------------------------------------------------------

    def _names(self) -> Any:
        """Each customer's current name fact (the newest), as a subquery."""
        return (
            select(s.facts.c.customer_id, func.max(s.facts.c.id).label("fact_id"))
            .where(s.facts.c.kind == "name", s.facts.c.superseded_at.is_(None))
            .group_by(s.facts.c.customer_id)
            .subquery()
        )

    def relationships(self, conn: Connection) -> dict[str, Any]:
        """Customers per stage now, and the at-risk customers with the reasons (memory.rules
        judges each customer from one row of SQL aggregates, as the card does)."""
        now = self.now()
        issues = (
            select(
                s.issues.c.customer_id,
                func.count().label("open_issues"),
                func.sum(case((s.issues.c.kind == "complaint", 1), else_=0)).label("complaints"),
            )
            .where(s.issues.c.state == "open")
            .group_by(s.issues.c.customer_id)
            .subquery()
        )
        overdue = (
            select(s.promises.c.customer_id, func.count().label("overdue"))
            .where(s.promises.c.state == "open", s.promises.c.due_at < now)
            .group_by(s.promises.c.customer_id)
            .subquery()
        )
        ideas = (
            select(s.feedback.c.customer_id, func.count().label("ideas"))
            .group_by(s.feedback.c.customer_id)
            .subquery()
        )
        ranked_ratings = select(
            s.ratings.c.customer_id,
            s.ratings.c.score,
            func.row_number()
            .over(
                partition_by=s.ratings.c.customer_id,
                order_by=(s.ratings.c.at.desc(), s.ratings.c.id.desc()),
            )
            .label("n"),
        ).subquery()
        ratings = (
            select(
                ranked_ratings.c.customer_id,
                func.avg(ranked_ratings.c.score).label("average"),
                func.count().label("rated"),
                func.max(case((ranked_ratings.c.n == 1, ranked_ratings.c.score))).label("latest"),
            )
            .where(ranked_ratings.c.n <= RECENT_RATINGS)
            .group_by(ranked_ratings.c.customer_id)
            .subquery()
        )
        # The last visit's misses: one indexed look-up per customer (customer_id, started_at).
        last_visit = (
            select(s.conversations.c.not_understood)
            .where(s.conversations.c.customer_id == s.customers.c.id)
            .order_by(s.conversations.c.started_at.desc(), s.conversations.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        names = self._names()
        c = s.customers.c
        query = (
            select(
                c.id,
                c.visits,
                c.benefit,
                c.cost,
                c.tally_at,
                c.first_seen,
                c.last_seen,
                s.facts.c.value.label("name"),
                func.coalesce(issues.c.open_issues, 0).label("open_issues"),
                func.coalesce(issues.c.complaints, 0).label("complaints"),
                func.coalesce(overdue.c.overdue, 0).label("overdue"),
                func.coalesce(ideas.c.ideas, 0).label("ideas"),
                ratings.c.average,
                ratings.c.rated,
                ratings.c.latest,
                func.coalesce(last_visit, 0).label("not_understood"),
            )
            .select_from(s.customers)
            .outerjoin(issues, issues.c.customer_id == c.id)
            .outerjoin(overdue, overdue.c.customer_id == c.id)
            .outerjoin(ideas, ideas.c.customer_id == c.id)
            .outerjoin(ratings, ratings.c.customer_id == c.id)
            .outerjoin(names, names.c.customer_id == c.id)
            .outerjoin(s.facts, s.facts.c.id == names.c.fact_id)
        )
        stages = dict.fromkeys(STAGES, 0)
        at_risk: list[dict[str, Any]] = []
        at_risk_count = 0
        for row in conn.execute(query):
            judged = assess(
                RelationshipInputs(
                    visits=int(row.visits or 0),
                    tally=Tally(row.benefit or 0.0, row.cost or 0.0, row.tally_at),
                    first_seen=row.first_seen,
                    last_seen=row.last_seen,
                    open_complaints=int(row.complaints),
                    open_issues=int(row.open_issues),
                    overdue_promises=int(row.overdue),
                    not_understood_last_visit=int(row.not_understood),
                    ideas_shared=int(row.ideas),
                    recent_ratings=_ratings_for_rules(row.latest, row.average, row.rated),
                ),
                now,
                self.rules,
            )
            stages[judged.stage] += 1
            if judged.at_risk:
                at_risk_count += 1
                at_risk.append(
                    {
                        "customer_id": row.id,
                        "name": row.name,
                        "stage": judged.stage,
                        "balance": judged.balance,
                        "reasons": [reason for reason in judged.reasons if reason.at_risk],
                        "last_seen": row.last_seen.isoformat() if row.last_seen else None,
                    }
                )
        at_risk.sort(key=lambda item: (item["balance"], item["customer_id"]))
        return {
            "stages": [{"stage": stage, "customers": count} for stage, count in stages.items()],
            "at_risk_count": at_risk_count,
            "at_risk": at_risk[:LISTED],
        }

    def moves(self, conn: Connection, span: DateRange) -> list[dict[str, Any]]:
        """Per week of the range: customers first seen (new), customers whose relationship
        moved into each other stage, and into and out of at risk, counted from the recorded
        stage history (`stage_changes`; a customer's first judgement is no move)."""
        c = s.stage_changes.c
        day = self._day(c.at).label("day")
        changes = conn.execute(
            select(day, c.from_stage, c.to_stage, c.was_at_risk, c.at_risk, func.count().label("n"))
            .where(span.within(c.at), c.from_stage.is_not(None))
            .group_by(day, c.from_stage, c.to_stage, c.was_at_risk, c.at_risk)
        ).all()
        first_day = self._day(s.customers.c.first_seen).label("day")
        first_seen = conn.execute(
            select(first_day, func.count().label("n"))
            .where(span.within(s.customers.c.first_seen))
            .group_by(first_day)
        ).all()
        weeks = _weeks(span)
        table = {
            week: {**dict.fromkeys(STAGES, 0), **dict.fromkeys(AT_RISK_MOVES, 0)} for week in weeks
        }
        for row in first_seen:
            table[week_of(_as_date(row.day))]["new"] += int(row.n)
        for row in changes:
            week = table[week_of(_as_date(row.day))]
            if row.to_stage != row.from_stage and row.to_stage in week and row.to_stage != "new":
                week[row.to_stage] += int(row.n)
            if bool(row.at_risk) != bool(row.was_at_risk):
                week["into_at_risk" if row.at_risk else "out_of_at_risk"] += int(row.n)
        return [{"week": week.isoformat(), **table[week]} for week in weeks]

    def history_since(self, conn: Connection) -> str | None:
        """The day the stage history begins (its first row): weeks before it show no moves."""
        first = conn.execute(select(func.min(s.stage_changes.c.at))).scalar()
        return None if first is None else _as_date(first).isoformat()

    # -- what waits for the shop ----------------------------------------------------------------

    def _named(
        self, conn: Connection, table: Any, fields: dict[str, Any], where: Any, order: list[Any]
    ) -> list[dict[str, Any]]:
        """Rows of a customer's table under the given keys, the customer's id and current name
        after the first key (datetimes as ISO text), at most LISTED of them."""
        names = self._names()
        (first, *rest) = (column.label(key) for key, column in fields.items())
        rows = conn.execute(
            select(first, table.c.customer_id, s.facts.c.value.label("name"), *rest)
            .select_from(table)
            .outerjoin(names, names.c.customer_id == table.c.customer_id)
            .outerjoin(s.facts, s.facts.c.id == names.c.fact_id)
            .where(where)
            .order_by(*order)
            .limit(LISTED)
        ).all()
        return [
            {
                key: value.isoformat() if isinstance(value, datetime) else value
                for key, value in row._mapping.items()
            }
            for row in rows
        ]

    def open_issues(self, conn: Connection) -> list[dict[str, Any]]:
        """Issues still open, oldest first, with whose they are."""
        i = s.issues.c
        return self._named(
            conn,
            s.issues,
            {"issue_id": i.id, "kind": i.kind, "summary": i.summary, "opened_at": i.opened_at},
            i.state == "open",
            [i.opened_at, i.id],
        )

    def overdue_promises(self, conn: Connection) -> list[dict[str, Any]]:
        """Open promises past their time, most overdue first."""
        p = s.promises.c
        return self._named(
            conn,
            s.promises,
            {"promise_id": p.id, "what": p.text, "owner": p.owner, "due_at": p.due_at},
            (p.state == "open") & (p.due_at < self.now()),
            [p.due_at, p.id],
        )

    # -- over time ------------------------------------------------------------------------------

    def satisfaction(self, conn: Connection, span: DateRange) -> list[dict[str, Any]]:
        """Ratings per week: how many and their average."""
        day = self._day(s.ratings.c.at).label("day")
        rows = conn.execute(
            select(day, func.count().label("ratings"), func.sum(s.ratings.c.score).label("total"))
            .where(span.within(s.ratings.c.at))
            .group_by(day)
        ).all()
        weeks = {week: [0, 0] for week in _weeks(span)}
        for row in rows:
            week = weeks[week_of(_as_date(row.day))]
            week[0] += int(row.ratings)
            week[1] += int(row.total)
        return [
            {
                "week": week.isoformat(),
                "ratings": count,
                "average": round(total / count, 2) if count else None,
            }
            for week, (count, total) in weeks.items()
        ]

    def handoffs(self, conn: Connection, span: DateRange) -> dict[str, Any]:
        """Chats handed to a person per visit started in the range, and why (a manager's
        reach-out is no handoff)."""
        visits = conn.execute(
            select(func.count())
            .select_from(s.conversations)
            .where(span.within(s.conversations.c.started_at))
        ).scalar_one()
        reasons = conn.execute(
            select(s.handoffs.c.reason, func.count().label("handoffs"))
            .where(
                span.within(s.handoffs.c.requested_at), s.handoffs.c.reason.not_in(NOT_HANDED_OVER)
            )
            .group_by(s.handoffs.c.reason)
            .order_by(func.count().desc(), s.handoffs.c.reason)
        ).all()
        total = sum(int(row.handoffs) for row in reasons)
        return {
            "visits": int(visits),
            "handoffs": total,
            "rate": round(total / visits, 4) if visits else None,
            "reasons": [{"reason": row.reason, "handoffs": int(row.handoffs)} for row in reasons],
        }

    def fallback(self, conn: Connection, span: DateRange) -> list[dict[str, Any]]:
        """Per week: customers' messages, and the share the bot did not understand (the
        fallback intent, or a confidence under the rules' `understood_confidence`)."""
        e = s.exchanges.c
        missed = or_(e.intent == FALLBACK_INTENT, e.confidence < self.rules.understood_confidence)
        day = self._day(e.at).label("day")
        rows = conn.execute(
            select(
                day,
                func.count().label("messages"),
                func.sum(case((missed, 1), else_=0)).label("missed"),
            )
            .where(e.speaker == "customer", span.within(e.at))
            .group_by(day)
        ).all()
        weeks = {week: [0, 0] for week in _weeks(span)}
        for row in rows:
            week = weeks[week_of(_as_date(row.day))]
            week[0] += int(row.messages)
            week[1] += int(row.missed or 0)
        return [
            {
                "week": week.isoformat(),
                "messages": messages,
                "not_understood": missed,
                "rate": round(missed / messages, 4) if messages else None,
            }
            for week, (messages, missed) in weeks.items()
        ]

    def first_reply(self, conn: Connection, span: DateRange) -> dict[str, Any]:
        """The median time from a handoff's request to an agent's first message in that chat
        (handoffs requested in the range that an agent answered)."""
        e = s.exchanges.c
        first = (
            select(func.min(e.at))
            .select_from(
                s.exchanges.join(s.conversations, s.conversations.c.id == e.conversation_id)
            )
            .where(
                s.conversations.c.sender_id == s.handoffs.c.sender_id,
                e.speaker == "agent",
                e.at >= s.handoffs.c.requested_at,
            )
            .scalar_subquery()
        )
        rows = conn.execute(
            select(s.handoffs.c.requested_at, first.label("first_reply")).where(
                span.within(s.handoffs.c.requested_at), s.handoffs.c.reason.not_in(NOT_HANDED_OVER)
            )
        ).all()
        waits = [
            (row.first_reply - row.requested_at).total_seconds()
            for row in rows
            if row.first_reply is not None
        ]
        return {
            "answered": len(waits),
            "unanswered": len(rows) - len(waits),
            "median_seconds": round(statistics.median(waits), 1) if waits else None,
        }

    # -- what the shop could not say yes to -------------------------------------------------------

    def not_yes(self, conn: Connection, span: DateRange) -> list[dict[str, Any]]:
        """The say-yes ladder's decisions other than a plain yes (an alternative, a condition, a
        person), grouped by kind of request, the item asked for (when the request named one) and
        the rule that decided (its reason code)."""
        e = s.exchanges.c
        kind = self._policy("say_yes", "kind").label("kind")
        item = self._policy("say_yes", "item").label("item")
        rung = self._policy("say_yes", "rung").label("rung")
        code = self._policy("say_yes", "reason_code").label("reason_code")
        rows = conn.execute(
            select(kind, item, rung, code, func.count().label("times"))
            # Only exchanges with a policy, through the partial index on them; a customer's
            # message's policy (the classifier's guesses) has no rung and is left out below.
            .where(e.policy.is_not(None), span.within(e.at))
            .group_by(kind, item, rung, code)
        ).all()
        found = [
            {
                "kind": row.kind,
                "item": row.item or "",
                "rung": row.rung,
                "reason_code": row.reason_code,
                "times": int(row.times),
            }
            for row in rows
            if row.rung is not None and row.rung != "yes"
        ]
        found.sort(
            key=lambda group: (
                -group["times"],
                group["kind"] or "",
                group["item"],
                group["reason_code"] or "",
            )
        )
        return found

    # -- co-creation ----------------------------------------------------------------------------

    def ideas(self, conn: Connection, span: DateRange) -> dict[str, Any]:
        """Ideas and feedback shared in the range, newest first, with their state and the note
        of their latest change (a declined idea's reason), and how many are in each state."""
        f = s.feedback.c
        latest = (
            select(s.feedback_states.c.feedback_id, func.max(s.feedback_states.c.id).label("id"))
            .group_by(s.feedback_states.c.feedback_id)
            .subquery()
        )
        rows = conn.execute(
            select(
                f.id,
                f.customer_id,
                f.kind,
                f.text,
                f.state,
                f.created_at,
                f.updated_at,
                s.feedback_states.c.note,
            )
            .select_from(s.feedback)
            .outerjoin(latest, latest.c.feedback_id == f.id)
            .outerjoin(s.feedback_states, s.feedback_states.c.id == latest.c.id)
            .where(span.within(f.created_at))
            .order_by(f.created_at.desc(), f.id.desc())
            .limit(LISTED)
        ).all()
        counts = conn.execute(
            select(f.kind, f.state, func.count().label("n"))
            .where(span.within(f.created_at))
            .group_by(f.kind, f.state)
        ).all()
        return {
            "by_state": [{"kind": r.kind, "state": r.state, "count": int(r.n)} for r in counts],
            "items": [
                {
                    "feedback_id": row.id,
                    "customer_id": row.customer_id,
                    "kind": row.kind,
                    "text": row.text,
                    "state": row.state,
                    "note": row.note,
                    "created_at": row.created_at.isoformat(),
                    "updated_at": row.updated_at.isoformat(),
                }
                for row in rows
            ],
        }


def _weeks(span: DateRange) -> list[date]:
    weeks = []
    week = week_of(span.start)
    while week <= span.end:
        weeks.append(week)
        week += timedelta(days=7)
    return weeks


def _ratings_for_rules(latest: Any, average: Any, rated: Any) -> tuple[int, ...]:
    """Ratings that memory.rules.assess reads the same as the customer's recent ones: it uses
    only the newest and the average, both computed in SQL."""
    if latest is None or not rated:
        return ()
    count = int(rated)
    if count == 1:
        return (int(latest),)
    # The newest, then the others' mean repeated: the newest and the average are kept exactly.
    others = (float(average) * count - int(latest)) / (count - 1)
    # assess() only sums them and reads the first, so floats serve as well as whole numbers.
    return cast("tuple[int, ...]", (int(latest), *([others] * (count - 1))))
