"""The console's training page and its API (thin: the run and the decision live in
bot.console.training): `/console/training` for managers and trainers, its status to poll and a
button to start a run."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.training import ConsoleTrainer, may_train

logger = logging.getLogger(__name__)

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


def add_training_routes(
    bp: Blueprint,
    trainer: ConsoleTrainer,
    page: Callable[..., Any],
    api: Callable[..., Any],
    static: Callable[[str, str], Any],
) -> None:
    """The training page, script and API on the console's blueprint, behind its sign-in."""

    load_model = trainer.load

    def loader_for(app: Sanic) -> Callable[[Path], Any]:
        async def load(model: Path) -> None:
            tracker_store = getattr(getattr(app.ctx, "agent", None), "tracker_store", None)
            before = getattr(tracker_store, "event_broker", None)
            await load_model(model)
            await close_replaced_broker(app, before)

        return load

    def refused() -> HTTPResponse:
        return response.json({"error": NOT_ALLOWED}, status=403)

    @bp.get("/training")
    @page
    async def training_page(request: Request) -> HTTPResponse:
        if not may_train(request.ctx.agent):
            return response.text(NOT_ALLOWED, status=403)
        result: HTTPResponse = await static("training.html", "text/html; charset=utf-8")
        return result

    @bp.get("/training.js")
    @page
    async def training_script(request: Request) -> HTTPResponse:
        result: HTTPResponse = await static("training.js", "application/javascript; charset=utf-8")
        return result

    @bp.get("/evaluation")
    @page
    async def evaluation_page(request: Request) -> HTTPResponse:
        """The last report of `python -m bot evaluate`."""
        if not may_train(request.ctx.agent):
            return response.text(NOT_ALLOWED, status=403)
        from bot.evaluation_report import REPORT_FILE, REPORTS_DIR

        path = REPORTS_DIR / REPORT_FILE
        if not await asyncio.to_thread(path.is_file):
            return response.text("no evaluation report yet: run `python -m bot evaluate`", 404)
        body = await asyncio.to_thread(path.read_bytes)
        headers = {
            "Content-Security-Policy": REPORT_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        }
        return response.raw(body, content_type="text/html; charset=utf-8", headers=headers)

    @bp.get("/api/training")
    @api
    async def training_status(request: Request) -> HTTPResponse:
        if not may_train(request.ctx.agent):
            return refused()
        current = loaded_model(request.app, trainer.models_dir)
        body = {**trainer.status.as_json(), "loaded": current.name if current else ""}
        return response.json(body, headers={"Cache-Control": "no-store"})

    @bp.post("/api/training")
    @api
    async def start_training(request: Request) -> HTTPResponse:
        if not may_train(request.ctx.agent):
            return refused()
        trainer.load = loader_for(request.app)
        if not trainer.start(
            request.ctx.agent.agent, loaded_model(request.app, trainer.models_dir)
        ):
            return response.json({"error": "a training run is already going"}, status=409)
        return response.json(trainer.status.as_json(), status=202)
