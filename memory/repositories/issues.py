"""Issues (complaints and problems) and the promises the shop made: opened, settled, due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from memory import schema as s
from memory.records import ISSUE_KINDS, ISSUE_STATES, PROMISE_STATES, PromiseView, aware, utc
from memory.repositories.base import Repository


def promise_view(row: Any, now: datetime) -> PromiseView:
    overdue = row.state == "open" and row.due_at is not None and row.due_at < now
    return PromiseView(row.id, row.text, aware(row.due_at), row.state, overdue)


class IssueRepository(Repository):
    """A customer's issues and the promises made to them (a promise may follow an issue)."""

    def open_issue(self, customer_id: int, kind: str, summary: str) -> int:
        """Record a complaint or problem (a complaint is a cost to the relationship)."""
        if kind not in ISSUE_KINDS:
            raise ValueError(f"issue kind {kind!r} is not one of {ISSUE_KINDS}")
        now = self._now()
        self._require_customer(customer_id)
        issue_id = self.conn.execute(
            s.issues.insert().values(
                customer_id=customer_id,
                kind=kind,
                summary=summary,
                state="open",
                opened_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
        if kind == "complaint":
            self._add_signals(customer_id, ["complaint"], now)
        return int(issue_id)

    def add_detail(self, customer_id: int, kind: str, detail: str, max_chars: int) -> int | None:
        """Add what the customer said next to their latest open issue of `kind` (its summary
        keeps at most `max_chars`); the issue's id, or None when they have no open one."""
        row = self.conn.execute(
            select(s.issues)
            .where(
                s.issues.c.customer_id == customer_id,
                s.issues.c.kind == kind,
                s.issues.c.state == "open",
            )
            .order_by(s.issues.c.opened_at.desc(), s.issues.c.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        summary = f"{row.summary} / {detail}"[:max_chars]
        self.conn.execute(
            update(s.issues)
            .where(s.issues.c.id == row.id)
            .values(summary=summary, updated_at=self._now())
        )
        return int(row.id)

    def set_issue_state(self, issue_id: int, state: str) -> None:
        """Move an issue to open, resolved or closed (resolving it is a benefit)."""
        if state not in ISSUE_STATES:
            raise ValueError(f"issue state {state!r} is not one of {ISSUE_STATES}")
        now = self._now()
        row = self.conn.execute(select(s.issues).where(s.issues.c.id == issue_id)).first()
        if row is None:
            raise LookupError(f"no issue has id {issue_id}")
        self.conn.execute(
            update(s.issues)
            .where(s.issues.c.id == issue_id)
            .values(
                state=state,
                updated_at=now,
                resolved_at=now if state == "resolved" else row.resolved_at,
            )
        )
        if state == "resolved" and row.state == "open":
            self._add_signals(row.customer_id, ["resolved"], now)

    def make_promise(
        self,
        customer_id: int,
        text: str,
        due_at: datetime | None = None,
        issue_id: int | None = None,
    ) -> int:
        """Record something the business promised ("we'll email you when the part arrives")."""
        self._require_customer(customer_id)
        return int(
            self.conn.execute(
                s.promises.insert().values(
                    customer_id=customer_id,
                    text=text,
                    made_at=self._now(),
                    due_at=utc(due_at) if due_at else None,
                    state="open",
                    issue_id=issue_id,
                )
            ).inserted_primary_key[0]
        )

    def promise_open(self, promise_id: int) -> bool:
        """Whether a promise is still open (False for a settled or unknown one)."""
        state = self.conn.execute(
            select(s.promises.c.state).where(s.promises.c.id == promise_id)
        ).scalar()
        return state == "open"

    def settle_promise(self, promise_id: int, state: str) -> None:
        """Mark a promise kept, broken or cancelled (kept is a benefit, broken a cost)."""
        if state not in PROMISE_STATES or state == "open":
            raise ValueError(f"a promise is settled as kept, broken or cancelled, not {state!r}")
        now = self._now()
        row = self.conn.execute(select(s.promises).where(s.promises.c.id == promise_id)).first()
        if row is None:
            raise LookupError(f"no promise has id {promise_id}")
        self.conn.execute(
            update(s.promises)
            .where(s.promises.c.id == promise_id)
            .values(state=state, settled_at=now)
        )
        if row.state == "open" and state in ("kept", "broken"):
            signal = "promise_kept" if state == "kept" else "promise_broken"
            self._add_signals(row.customer_id, [signal], now)

    def promises_due(self, before: datetime, limit: int = 100) -> list[tuple[int, PromiseView]]:
        """(customer id, promise) of open promises due before `before`, soonest first."""
        rows = self.conn.execute(
            select(s.promises)
            .where(s.promises.c.state == "open", s.promises.c.due_at < utc(before))
            .order_by(s.promises.c.due_at)
            .limit(limit)
        ).all()
        now = self._now()
        return [(row.customer_id, promise_view(row, now)) for row in rows]
