"""The managers' insights page of the console (/console/insights) and its API (thin: the
figures are memory.insights', the follow-ups memory.shift's).

Open to the manager role only; an agent or a trainer is refused (403) with a page that says so.
Chart.js is served from the project's pinned npm packages, never fetched from elsewhere.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable, Coroutine, Mapping
from functools import wraps
from pathlib import Path
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import auth
from bot.console.service import ConsoleService
from memory.agents import AgentSession
from memory.insights import DateRange, Insights, InsightsError
from memory.shift import ShiftError

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]
MANAGER_ROLE = "manager"
CHART_JS = (
    Path(__file__).resolve().parents[2] / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"
)
# The states a manager moves an idea to; the customer hears of each on their next visit.
IDEA_STATES = ("planned", "done", "declined")
MAX_REASON_CHARS = 300
# Leading characters a spreadsheet reads as a formula: such a cell gets a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Each table of the page that exports to CSV: where its rows are in the report, and its columns.
TABLES: dict[str, tuple[Callable[[Mapping[str, Any]], list[Any]], tuple[str, ...]]] = {
    "stages": (lambda r: r["stages"], ("stage", "customers")),
    "moves": (
        lambda r: r["moves"],
        (
            "week",
            "new",
            "acquainted",
            "regular",
            "loyal",
            "advocate",
            "into_at_risk",
            "out_of_at_risk",
        ),
    ),
    "at_risk": (
        lambda r: r["at_risk"],
        ("customer_id", "name", "stage", "balance", "reasons", "last_seen"),
    ),
    "open_issues": (
        lambda r: r["open_issues"],
        ("issue_id", "customer_id", "name", "kind", "summary", "opened_at"),
    ),
    "overdue_promises": (
        lambda r: r["overdue_promises"],
        ("promise_id", "customer_id", "name", "what", "owner", "due_at"),
    ),
    "satisfaction": (lambda r: r["satisfaction"], ("week", "ratings", "average")),
    "handoff_reasons": (lambda r: r["handoffs"]["reasons"], ("reason", "handoffs")),
    "fallback": (lambda r: r["fallback"], ("week", "messages", "not_understood", "rate")),
    "not_yes": (lambda r: r["not_yes"], ("kind", "item", "rung", "reason_code", "times")),
    "ideas": (
        lambda r: r["ideas"]["items"],
        ("feedback_id", "customer_id", "kind", "text", "state", "note", "created_at"),
    ),
}


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet shows it and never runs it: text that starts like a formula
    gets a leading apostrophe; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_table(report: Mapping[str, Any], table: str) -> str:
    """One table of the report as CSV (RFC 4180 quoting, formula-like cells neutralised)."""
    if table not in TABLES:
        raise LookupError(f"there is no table {table!r}; one of {', '.join(TABLES)}")
    rows, columns = TABLES[table]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows(report):
        writer.writerow([safe_cell(row.get(column)) for column in columns])
    return out.getvalue()


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status, headers={"Cache-Control": "no-store"})


def add_insights_routes(
    bp: Blueprint,
    insights: Insights,
    service: ConsoleService,
    current: Callable[[Request], Coroutine[Any, Any, AgentSession | None]],
    body: Callable[[Request], dict[str, Any]],
) -> None:
    """Add the insights page and its API to the console's blueprint."""
    from bot.console.routes import SECURITY_HEADERS, _static, role_page

    manager_page = role_page(current, (MANAGER_ROLE,), "insights-refused.html")

    def manager_api(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            session = await current(request)
            if session is None:
                return _error(401, "sign in to the console first")
            if session.role != MANAGER_ROLE:
                return _error(403, "the insights are for managers")
            if request.method not in ("GET", "HEAD"):
                if not auth.csrf_ok(session.csrf_token, request.headers.get(auth.CSRF_HEADER)):
                    return _error(403, "missing or wrong CSRF token; reload the page")
            request.ctx.agent = session
            if not auth.ids_in_range(kwargs):
                return _error(404, "there is nothing with that number")
            try:
                return await handler(request, *args, **kwargs)
            except LookupError as error:
                return _error(404, str(error))
            except (InsightsError, ShiftError, ValueError) as error:
                return _error(400, str(error))

        return guarded

    def worded(figures: dict[str, Any]) -> dict[str, Any]:
        """The report with the at-risk reasons in the shop's words (the card's templates)."""
        for row in figures["at_risk"]:
            row["reasons"] = service.risk_words(row["reasons"])
        return figures

    def span(request: Request) -> DateRange:
        return DateRange.parse(
            request.args.get("start") or None, request.args.get("end") or None, insights.today()
        )

    @bp.get("/insights")
    @manager_page
    async def page(request: Request) -> HTTPResponse:
        return await _static("insights.html", "text/html; charset=utf-8")

    @bp.get("/insights.js")
    @manager_page
    async def script(request: Request) -> HTTPResponse:
        return await _static("insights.js", "application/javascript; charset=utf-8")

    @bp.get("/insights.css")
    @manager_page
    async def style(request: Request) -> HTTPResponse:
        return await _static("insights.css", "text/css; charset=utf-8")

    @bp.get("/chart.umd.min.js")
    @manager_page
    async def chart_library(request: Request) -> HTTPResponse:
        if not CHART_JS.is_file():
            return _error(503, "Chart.js is missing: run `make setup` (npm ci)")
        body_bytes = await asyncio.to_thread(CHART_JS.read_bytes)
        return response.raw(
            body_bytes,
            content_type="application/javascript; charset=utf-8",
            headers=SECURITY_HEADERS,
        )

    @bp.get("/api/insights")
    @manager_api
    async def report(request: Request) -> HTTPResponse:
        session: AgentSession = request.ctx.agent
        figures = worded(await asyncio.to_thread(insights.report, span(request)))
        agents = await asyncio.to_thread(service.accounts.names)
        return response.json(
            {
                **figures,
                "manager": session.agent,
                "csrf_token": session.csrf_token,
                "agents": agents,
                "tables": list(TABLES),
            },
            headers={"Cache-Control": "no-store"},
        )

    @bp.get("/api/insights/export/<table:str>")
    @manager_api
    async def export(request: Request, table: str) -> HTTPResponse:
        if table not in TABLES:
            raise LookupError(f"there is no table {table!r}")
        chosen = span(request)
        figures = worded(await asyncio.to_thread(insights.report, chosen))
        name = f"{table}-{chosen.start.isoformat()}-{chosen.end.isoformat()}.csv"
        return response.text(
            csv_table(figures, table),
            content_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @bp.get("/api/insights/customers/<customer_id:int>")
    @manager_api
    async def card(request: Request, customer_id: int) -> HTTPResponse:
        try:
            found = await asyncio.to_thread(service.store.cards.card, customer_id)
        except LookupError:
            raise LookupError("no customer has that number (forgotten, perhaps)") from None
        return response.json(
            {"card": service.shown_card(found)}, headers={"Cache-Control": "no-store"}
        )

    @bp.post("/api/insights/customers/<customer_id:int>/reach-out")
    @manager_api
    async def reach_out(request: Request, customer_id: int) -> HTTPResponse:
        wish = body(request)
        manager = request.ctx.agent.agent
        owner = str(wish.get("owner") or manager).strip()
        if owner not in await asyncio.to_thread(service.accounts.names):
            raise ValueError("choose an agent of the console to reach out")
        what, due = service.follow_up_terms(wish.get("what"), wish.get("due_at"))
        note = service.words("reach_out_note").format(manager=manager, what=what)
        detail = str(wish.get("why") or "")[:1000]
        promise_id = await asyncio.to_thread(
            service.shift.reach_out, customer_id, manager, owner, what, due, note, detail
        )
        return response.json({"promise_id": promise_id, "owner": owner})

    @bp.post("/api/insights/ideas/<feedback_id:int>/state")
    @manager_api
    async def idea_state(request: Request, feedback_id: int) -> HTTPResponse:
        wish = body(request)
        state = str(wish.get("state") or "")
        if state not in IDEA_STATES:
            raise ValueError(f"an idea's state is one of {', '.join(IDEA_STATES)}")
        note = str(wish.get("note") or "").strip()[:MAX_REASON_CHARS] or None
        if state == "declined" and note is None:
            raise ValueError("say why the idea is declined: the customer hears the reason")
        if note is not None:
            # The customer reads the reason in the bot's greeting: the tone guard checks it.
            verdict = await asyncio.to_thread(service.tone, note)
            if not verdict["ok"]:
                found = "; ".join(f'"{f["span"]}": {f["suggestion"]}' for f in verdict["findings"])
                raise ValueError(f"reword the reason before the customer reads it ({found})")
        await asyncio.to_thread(service.store.feedback.set_feedback_state, feedback_id, state, note)
        return response.json({"feedback_id": feedback_id, "state": state, "note": note})
