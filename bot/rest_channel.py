"""Rasa's REST channel behind a bearer token, for scripts, tests and trusted integrations.

Rasa's own REST channel answers anyone: any caller could write into any conversation (a
signed-in customer's included) and send `/restart` to un-pause a handed-off chat. This one
serves the same URL (`/webhooks/rest/webhook`) but only to callers that present
`Authorization: Bearer <REST_TOKEN>`; customers never use it (they use the widget).

Like the widget, it answers every message a paused chat waiting for a person receives
(`bot.waiting`): the acknowledgement is in the call's reply, and nothing once an agent holds
the chat. A REST caller cannot be pushed to, so what the console wrote since the caller's
previous message (an agent's replies, "Alex has joined") comes first in the next call's reply,
once each.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, Sanic, response
from sanic.request import Request

from bot import composition, logs, metrics, typed_buttons, waiting
from bot.live_state import LiveState

logger = logging.getLogger(__name__)


def live_state_of(app: Sanic | None) -> LiveState:
    """The live state this process shares with the other Rasa processes: the widget
    channel's when the server has one (the console's messages go through it), else the
    composition root's."""
    hub = getattr(getattr(app, "ctx", None), "rapport_widget", None)
    live = getattr(hub, "live", None)
    return live if live is not None else composition.server().live_state()


def plain_yes(app: Sanic | None) -> typed_buttons.PlainYes:
    """The business file's plain yes (the widget channel's file when the server has one)."""
    hub = getattr(getattr(app, "ctx", None), "rapport_widget", None)
    shop = getattr(hub, "shop", None) or composition.server().business()
    return typed_buttons.PlainYes.of(shop)


def bearer_token_matches(header: str | None, token: str) -> bool:
    """True when the Authorization header carries exactly `token` (and a token is set)."""
    if not token or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer ") :].encode(), token.encode())


def message_problem(body: bytes | None) -> str:
    """What is wrong with a REST message's body, or "" when Rasa's REST channel can read it:
    a JSON object with a string `message` and, if given, a string `sender`."""
    try:
        data = json.loads(body or b"")
    except (ValueError, RecursionError):
        return 'the body must be JSON: {"sender": "...", "message": "..."}'
    if not isinstance(data, dict):
        return "the body must be a JSON object with 'sender' and 'message'"
    for field, required in (("message", True), ("sender", False)):
        if field not in data and not required:
            continue
        value = data.get(field)
        if not isinstance(value, str):
            return f"'{field}' must be a string"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"'{field}' must be Unicode text (it holds a lone surrogate)"
    return ""


class TokenRestInput(RestInput):
    """The REST channel, refusing every request without the configured bearer token."""

    def __init__(self, token: str, database_url: str = "") -> None:
        self.token = token
        # The memory's handoff queue: only a chat whose handoff is waiting is read further.
        self.database_url = database_url

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TokenRestInput:
        credentials = credentials or {}
        return cls(str(credentials.get("token") or ""), str(credentials.get("database_url") or ""))

    def _extract_input_channel(self, req: Request) -> str:
        # The caller does not get to pose as another channel.
        return self.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        server: dict[str, Sanic] = {}
        database_url = self.database_url

        async def answered(message: UserMessage) -> None:
            channel = self.name()
            metrics.message_in(channel)
            started = time.monotonic()
            try:
                with logs.about(message.sender_id):
                    app = server.get("app")
                    live = live_state_of(app)
                    if message.sender_id is not None and message.text:
                        # A typed button title, or a plain yes to a yes-or-no question, acts
                        # as the bot's own button (bot/typed_buttons.py).
                        meant = await typed_buttons.as_pressed(
                            live, message.sender_id, message.text, plain_yes(app)
                        )
                        if meant != message.text:
                            typed = {typed_buttons.TYPED_KEY: message.text}
                            message.metadata = {**(message.metadata or {}), **typed}
                            message.text = meant
                        await before_handling(app, message.sender_id, message.text)
                    await on_new_message(message)
                    await acknowledged(message)
                    if message.sender_id is not None:
                        replies = getattr(message.output_channel, "messages", None) or [None]
                        await typed_buttons.offer(live, message.sender_id, replies[-1])
                    await with_console_messages(message)
            finally:
                metrics.messages_out(channel, len(getattr(message.output_channel, "messages", [])))
                metrics.replied(channel, time.monotonic() - started)

        async def before_handling(app: Sanic | None, sender_id: str, text: str) -> None:
            try:
                # A question the bot answers goes back to the bot even while a message for
                # the team waits; a chat an agent holds is paused (bot/waiting.py).
                await waiting.before_handling(app, sender_id, text, database_url)
            except Exception:
                logger.exception("reading the waiting chat %s failed", sender_id)

        async def acknowledged(message: UserMessage) -> None:
            app = server.get("app")
            if app is None or message.sender_id is None:
                return
            if getattr(message.output_channel, "messages", None):
                return  # the bot answered: the chat is not one waiting with the message unread
            try:
                # A paused chat waiting for a person logs the message but says nothing: the
                # caller still gets the acknowledgement, as the widget does (bot/waiting.py).
                await waiting.answer_if_waiting(
                    app, message.sender_id, message.output_channel, database_url
                )
            except Exception:
                logger.exception("acknowledging a message to %s failed", message.sender_id)

        async def with_console_messages(message: UserMessage) -> None:
            """The agent's replies and notices written since the caller's previous message,
            put first in this call's reply (the bot's answer follows)."""
            app = server.get("app")
            collected = getattr(message.output_channel, "messages", None)
            if app is None or message.sender_id is None or collected is None:
                return
            hub = getattr(app.ctx, "rapport_widget", None)
            try:
                if hub is not None:
                    # The console sends through the widget channel, which keeps what no widget
                    # was connected to receive (a REST conversation has none): take that.
                    kept = await hub.live.take(message.sender_id)
                    waiting_for_them = waiting.as_rest_messages(kept)
                else:
                    events = await waiting.conversation_events(app, message.sender_id)
                    waiting_for_them = waiting.console_messages_before_latest(events)
            except Exception:
                logger.exception("reading the agent's replies to %s failed", message.sender_id)
                return
            collected[:0] = [
                {"recipient_id": message.sender_id, **shown} for shown in waiting_for_them
            ]

        blueprint = super().blueprint(answered)
        token = self.token

        @blueprint.listener("before_server_start")
        async def keep_app(app: Sanic, _loop: Any) -> None:
            server["app"] = app

        @blueprint.middleware("request")
        async def require_token(request: Request) -> response.HTTPResponse | None:
            if request.method == "GET":  # the health check says nothing about conversations
                return None
            if not bearer_token_matches(request.headers.get("authorization"), token):
                logger.warning("refused a REST call without the right token from %s", request.ip)
                return response.json(
                    {"error": "this channel needs 'Authorization: Bearer <REST_TOKEN>'"},
                    status=401,
                )
            problem = message_problem(request.body)
            if problem:
                logger.warning("refused a malformed REST message: %s", problem)
                return response.json({"error": problem}, status=400)
            return None

        return blueprint
