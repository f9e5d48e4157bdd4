"""Rasa's REST channel behind a bearer token, for scripts, tests and trusted integrations.

Rasa's own REST channel answers anyone: any caller could write into any conversation (a
signed-in customer's included) and send `/restart` to un-pause a handed-off chat. This one
serves the same URL (`/webhooks/rest/webhook`) but only to callers that present
`Authorization: Bearer <REST_TOKEN>`; customers never use it (they use the widget).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

logger = logging.getLogger(__name__)


def bearer_token_matches(header: str | None, token: str) -> bool:
    """True when the Authorization header carries exactly `token` (and a token is set)."""
    if not token or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer ") :].encode(), token.encode())


class TokenRestInput(RestInput):
    """The REST channel, refusing every request without the configured bearer token."""

    def __init__(self, token: str) -> None:
        self.token = token

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TokenRestInput:
        return cls(str((credentials or {}).get("token") or ""))

    def _extract_input_channel(self, req: Request) -> str:
        # The caller does not get to pose as another channel.
        return self.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        token = self.token

        @blueprint.middleware("request")
        async def require_token(request: Request) -> response.HTTPResponse | None:
            if request.method == "GET":  # the health check says nothing about conversations
                return None
            if bearer_token_matches(request.headers.get("authorization"), token):
                return None
            logger.warning("refused a REST call without the right token from %s", request.ip)
            return response.json(
                {"error": "this channel needs 'Authorization: Bearer <REST_TOKEN>'"}, status=401
            )

        return blueprint
