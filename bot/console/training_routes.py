"""The console's training page and its API (thin: the run and the decision live in
bot.console.training): `/console/training` for managers and trainers, its status to poll and a
button to start a run."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from functools import wraps
from pathlib import Path
from typing import Any

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import auth
from bot.console.training import ConsoleTrainer, may_train

logger = logging.getLogger(__name__)

Handler = Callable[[Request], Coroutine[Any, Any, HTTPResponse]]
NO_STORE = {"Cache-Control": "no-store"}

NOT_ALLOWED = "training from the console is for managers and trainers"
# The evaluation report is one file with its styles and pictures inside: nothing else loads.
REPORT_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'"
)


def loaded_model(app: Sanic, models_dir: Path) -> Path | None:
    """The model the running server has loaded, as a file in MODELS_DIR."""
    agent = getattr(app.ctx, "agent", None)
    name = getattr(getattr(agent, "processor", None), "model_filename", None)
    return models_dir / str(name) if name else None


async def close_replaced_broker(app: Sanic, before: Any) -> None:
    """After a model swap Rasa's new agent has its own event broker: close the old one, so one
    worker, not two, writes the outbox into the memory."""
    tracker_store = getattr(getattr(app.ctx, "agent", None), "tracker_store", None)
    now = getattr(tracker_store, "event_broker", None)
    if before is not None and now is not before:
        try:
            await before.close()
        except Exception:
            logger.exception("could not close the event broker of the replaced model")


def api_refusal(session: Any, method: str, csrf: str | None) -> tuple[int, str] | None:
    """Why a request to the training API is refused (status, words), or None when it may go."""
    if session is None:
        return 401, "sign in to the console first"
    if not may_train(session):
        return 403, NOT_ALLOWED
    if method not in ("GET", "HEAD") and not auth.csrf_ok(session.csrf_token, csrf):
        return 403, "missing or wrong CSRF token; reload the page"
    return None


def add_training_routes(
    bp: Blueprint,
    trainer: ConsoleTrainer,
    current: Callable[[Request], Awaitable[Any]],
    static: Callable[[str, str], Awaitable[HTTPResponse]],
) -> None:
    """The training page, script, report and API on the console's blueprint. Their guards are
    their own: signed in (`current` finds the session), a manager or a trainer, and the session's
    CSRF token on a request that changes something."""

    def training_page(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request) -> HTTPResponse:
            session = await current(request)
            if session is None:
                return response.redirect("/console/sign-in")
            if not may_train(session):
                return response.text(NOT_ALLOWED, status=403, headers=NO_STORE)
            request.ctx.agent = session
            return await handler(request)

        return guarded

    def training_api(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request) -> HTTPResponse:
            session = await current(request)
            refusal = api_refusal(session, request.method, request.headers.get(auth.CSRF_HEADER))
            if refusal is not None:
                status, error = refusal
                return response.json({"error": error}, status=status, headers=NO_STORE)
            request.ctx.agent = session
            return await handler(request)

        return guarded

    load_model = trainer.load

    def loader_for(app: Sanic) -> Callable[[Path], Awaitable[None]]:
        async def load(model: Path) -> None:
            tracker_store = getattr(getattr(app.ctx, "agent", None), "tracker_store", None)
            before = getattr(tracker_store, "event_broker", None)
            await load_model(model)
            await close_replaced_broker(app, before)

        return load

    @bp.get("/training")
    @training_page
    async def training(request: Request) -> HTTPResponse:
        return await static("training.html", "text/html; charset=utf-8")

    @bp.get("/training.js")
    @training_page
    async def training_script(request: Request) -> HTTPResponse:
        return await static("training.js", "application/javascript; charset=utf-8")

    @bp.get("/evaluation")
    @training_page
    async def evaluation_page(request: Request) -> HTTPResponse:
        """The last evaluation report (of a training from this page, or of `python -m bot
        evaluate`)."""
        from bot.evaluation_report import REPORT_FILE, REPORTS_DIR

        path = REPORTS_DIR / REPORT_FILE
        if not await asyncio.to_thread(path.is_file):
            # A page that says how to get one from the training page.
            missing = await static("evaluation-missing.html", "text/html; charset=utf-8")
            missing.status = 404
            missing.headers.update(NO_STORE)
            return missing
        body = await asyncio.to_thread(path.read_bytes)
        headers = {
            "Content-Security-Policy": REPORT_POLICY,
            "X-Content-Type-Options": "nosniff",
            **NO_STORE,
        }
        return response.raw(body, content_type="text/html; charset=utf-8", headers=headers)

    @bp.get("/api/training")
    @training_api
    async def training_status(request: Request) -> HTTPResponse:
        current_model = loaded_model(request.app, trainer.models_dir)
        body = {
            **trainer.status.as_json(),
            "loaded": current_model.name if current_model else "",
            # The page's own token for the button (trainers have no other console page).
            "csrf_token": request.ctx.agent.csrf_token,
        }
        return response.json(body, headers=NO_STORE)

    @bp.post("/api/training")
    @training_api
    async def start_training(request: Request) -> HTTPResponse:
        trainer.load = loader_for(request.app)
        loaded = loaded_model(request.app, trainer.models_dir)
        if not trainer.start(request.ctx.agent.agent, loaded):
            return response.json(
                {"error": "a training run is already going"}, status=409, headers=NO_STORE
            )
        return response.json(trainer.status.as_json(), status=202, headers=NO_STORE)
