"""The agent console: a web page at /console, served by the Rasa server as an input channel.

Named in credentials.yml (`bot.console.ConsoleInput`); see routes.py for what it serves and
docs/decisions.md for why it is mounted at /console rather than under /webhooks/.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint


class ConsoleConfigError(ValueError):
    """The console's settings in credentials.yml are missing or wrong; the message says which."""


class ConsoleInput(InputChannel):
    """The agent console (`bot.console.ConsoleInput` in credentials.yml)."""

    @classmethod
    def name(cls) -> str:
        return "console"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        url = str(credentials.get("database_url") or "").strip()
        if not url:
            raise ConsoleConfigError(
                "database_url for bot.console.ConsoleInput in credentials.yml is empty; "
                "start Rasa with `python -m bot run` (which sets it from .env)."
            )
        secure = str(credentials.get("secure_cookies") or "").strip().lower() in ("1", "true")
        return cls(url, secure)

    def __init__(self, database_url: str, secure_cookies: bool = False) -> None:
        self.database_url = database_url
        self.secure_cookies = secure_cookies

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        from bot import settings
        from bot.console.routes import console_blueprint
        from bot.console.service import ConsoleService
        from memory.store import MemoryStore

        try:
            rules = settings.load().relationship_rules()
        except settings.SettingsError:
            rules = None  # the same defaults the memory uses; `bot run` reports the error
        # Engines connect lazily: building them does no I/O on the server's loop.
        store = MemoryStore(self.database_url, rules=rules)
        return console_blueprint(ConsoleService(store), self.secure_cookies)
