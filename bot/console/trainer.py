"""The trainers' page of the console (/console/trainer) and its API (thin: bot.review decides).

Open to accounts with the trainer or manager role (memory.agents.TRAINER_ROLES); an agent is
refused. A trainer sees customers' messages only masked, and never a customer's card or chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import auth
from bot.review.inbox import REASONS, ReviewError, ReviewInbox
from bot.review.training_files import EntitySpan
from memory.agents import TRAINER_ROLES, AgentSession

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]
MAX_SELECTED = 200


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status, headers={"Cache-Control": "no-store"})


def _ids(data: dict[str, Any]) -> list[int]:
    ids = data.get("exchange_ids")
    if not isinstance(ids, list) or not ids or len(ids) > MAX_SELECTED:
        raise ValueError(f"exchange_ids is a list of 1 to {MAX_SELECTED} message ids")
    try:
        return [int(i) for i in ids]
    except (TypeError, ValueError):
        raise ValueError("exchange_ids are whole numbers") from None


def _entities(data: dict[str, Any]) -> list[EntitySpan]:
    spans = data.get("entities") or []
    if not isinstance(spans, list):
        raise ValueError("entities is a list of {start, end, entity}")
    try:
        return [EntitySpan(int(s["start"]), int(s["end"]), str(s["entity"])) for s in spans]
    except (KeyError, TypeError, ValueError):
        raise ValueError("each entity has a start, an end and an entity name") from None


def add_trainer_routes(
    bp: Blueprint,
    inbox: ReviewInbox,
    current: Callable[[Request], Coroutine[Any, Any, AgentSession | None]],
    body: Callable[[Request], dict[str, Any]],
) -> None:
    """Add the trainer's page and API to the console's blueprint."""
    from bot.console.routes import _static, role_page

    trainer_page = role_page(current, TRAINER_ROLES, "trainer-refused.html")

    def trainer_api(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            session = await current(request)
            if session is None:
                return _error(401, "sign in to the console first")
            if session.role not in TRAINER_ROLES:
                return _error(403, "the review inbox is for trainers and managers")
            if request.method not in ("GET", "HEAD"):
                if not auth.csrf_ok(session.csrf_token, request.headers.get(auth.CSRF_HEADER)):
                    return _error(403, "missing or wrong CSRF token; reload the page")
            request.ctx.agent = session
            if not auth.ids_in_range(kwargs):
                return _error(404, "there is nothing with that number")
            try:
                return await handler(request, *args, **kwargs)
            except ReviewError as error:
                return _error(409, str(error))
            except LookupError as error:
                return _error(404, str(error))
            except ValueError as error:
                return _error(400, str(error))

        return guarded

    @bp.get("/trainer")
    @trainer_page
    async def page(request: Request) -> HTTPResponse:
        return await _static("trainer.html", "text/html; charset=utf-8")

    @bp.get("/trainer.js")
    @trainer_page
    async def script(request: Request) -> HTTPResponse:
        return await _static("trainer.js", "application/javascript; charset=utf-8")

    @bp.get("/trainer.css")
    @trainer_page
    async def style(request: Request) -> HTTPResponse:
        return await _static("trainer.css", "text/css; charset=utf-8")

    @bp.get("/api/trainer/inbox")
    @trainer_api
    async def listing(request: Request) -> HTTPResponse:
        session: AgentSession = request.ctx.agent
        groups = await asyncio.to_thread(inbox.groups)
        intents = await asyncio.to_thread(inbox.intents)
        entities = await asyncio.to_thread(inbox.training.domain_entities)
        examples = await asyncio.to_thread(inbox.training.first_examples)
        return response.json(
            {
                "trainer": session.agent,
                "csrf_token": session.csrf_token,
                "groups": [group.as_json() for group in groups],
                "intents": intents,
                "examples": {name: examples[name] for name in intents if name in examples},
                "entities": entities,
                "reasons": REASONS,
            },
            headers={"Cache-Control": "no-store"},
        )

    @bp.get("/api/trainer/conversations/<conversation_id:int>")
    @trainer_api
    async def conversation(request: Request, conversation_id: int) -> HTTPResponse:
        messages = await asyncio.to_thread(inbox.transcript, conversation_id)
        return response.json({"conversation_id": conversation_id, "messages": messages})

    @bp.post("/api/trainer/accept")
    @trainer_api
    async def accept(request: Request) -> HTTPResponse:
        data = body(request)
        intent = str(data.get("intent") or "").strip()
        if not intent:
            raise ValueError("choose an intent, or name a new one")
        new_file = str(data.get("file") or "").strip() or None
        answer = str(data.get("response") or "").strip() or None
        done = await asyncio.to_thread(
            inbox.accept,
            _ids(data),
            intent,
            request.ctx.agent.agent,
            new_file,
            _entities(data),
            answer,
        )
        return response.json(done)

    @bp.post("/api/trainer/ignore")
    @trainer_api
    async def ignore(request: Request) -> HTTPResponse:
        ids = _ids(body(request))
        return response.json(await asyncio.to_thread(inbox.ignore, ids, request.ctx.agent.agent))
