"""The action server: rasa_sdk's app, bound to the configured host, answering only Rasa.

Rasa's action server accepts calls from anyone and returns exception text on errors; this one
requires the shared token that Rasa sends with every call and never returns internals.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request

from bot import logs, metrics
from bot.settings import Settings

logger = logging.getLogger(__name__)


def build_app(settings: Settings, package: str = "actions") -> Sanic:
    """The action server's Sanic app for `package`, guarded by the action-server token; its
    actions work with the services composed from `settings` (actions/composition.py)."""
    from actions import base
    from actions.composition import compose

    base.install(compose(settings))
    app = create_app(package, cors_origins=None)
    token = settings.action_server_token
    metrics_token = settings.metrics_token

    @app.middleware("request")
    async def require_token(request: Request) -> response.HTTPResponse | None:
        if request.path in ("/health", "/metrics"):  # /metrics checks its own token
            return None
        given = request.args.get("token", "")
        if not token or not hmac.compare_digest(given.encode(), token.encode()):
            logger.warning("refused an action call without the right token from %s", request.ip)
            return response.json({"error": "not authorised"}, status=401)
        if request.path == "/webhook":
            # The request's task logs about the conversation it acts in (bot/logs.py).
            logs.set_conversation(called_sender(request))
            metrics.action_ran(called_action(request))
        return None

    @app.route("/metrics", methods=["GET"])
    async def metrics_report(request: Request) -> response.HTTPResponse:
        return await metrics.respond(request, metrics.ACTIONS, metrics_token)

    async def hide_internals(request: Request, exception: Exception) -> response.HTTPResponse:
        logger.error("action call failed: %s", request.path, exc_info=exception)
        if request.path == "/webhook":
            metrics.action_failed(called_action(request))
        return response.json({"error": "the action failed; see the action server's log"}, 500)

    app.error_handler.add(Exception, hide_internals)

    @app.listener("after_server_start")
    async def load_tone_guard(app: Sanic, _loop: Any) -> None:
        # The tone guard checks the text actions build; load its language model before the
        # first customer waits for it (in a worker thread: the server answers meanwhile).
        app.add_task(asyncio.to_thread(_load_tone_guard))

    return app


def _call(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:  # a body that is not JSON names nothing
        return {}
    return body if isinstance(body, dict) else {}


def called_action(request: Request) -> str:
    """The action an action-server call asks for (Rasa's `next_action`), or "unknown"."""
    name = _call(request).get("next_action")
    return name[:100] if isinstance(name, str) and name else "unknown"


def called_sender(request: Request) -> str | None:
    """The conversation an action-server call acts in (Rasa's `sender_id`), if it names one."""
    sender = _call(request).get("sender_id")
    return sender[:255] if isinstance(sender, str) and sender else None


def _load_tone_guard() -> None:
    try:
        from actions import base

        base.composed().rules_guard()
    except Exception:  # the actions check again, and send unchecked text if it stays broken
        logger.exception("could not load the tone guard")


def serve(settings: Settings) -> None:
    """Run the action server in this process until interrupted."""
    app = build_app(settings)
    app.run(settings.actions_host, settings.actions_port, access_log=False, workers=1)
