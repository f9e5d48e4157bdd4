"""The agent console: a web page at /console, served by the Rasa server as an input channel.

Named in credentials.yml (`bot.console.ConsoleInput`); see routes.py for what it serves and
docs/decisions.md for why it is mounted at /console rather than under /webhooks/.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint

from bot import rate_limits
from bot.console import auth

logger = logging.getLogger(__name__)


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
        try:
            proxies = rate_limits.trusted_networks(credentials.get("trusted_proxies") or "")
        except ValueError as error:
            raise ConsoleConfigError(
                f"trusted_proxies for bot.console.ConsoleInput in credentials.yml: {error}."
            ) from None

        def number(key: str, default: int) -> int:
            value = str(credentials.get(key) or "").strip()
            if not value:
                return default
            if not value.isdigit() or int(value) < 1:
                raise ConsoleConfigError(
                    f"{key}={value!r} for bot.console.ConsoleInput in credentials.yml must be "
                    "a whole number of at least 1."
                )
            return int(value)

        return cls(
            url,
            secure,
            proxies,
            number("sign_in_failures", auth.MAX_FAILURES),
            number("sign_in_address_failures", auth.MAX_ADDRESS_FAILURES),
        )

    def __init__(
        self,
        database_url: str,
        secure_cookies: bool = False,
        trusted_proxies: tuple[rate_limits.Network, ...] = (),
        sign_in_failures: int = auth.MAX_FAILURES,
        sign_in_address_failures: int = auth.MAX_ADDRESS_FAILURES,
    ) -> None:
        self.database_url = database_url
        self.secure_cookies = secure_cookies
        self.trusted_proxies = trusted_proxies
        self.sign_in_failures = sign_in_failures
        self.sign_in_address_failures = sign_in_address_failures

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        from bot import composition, review
        from bot.console import canned
        from bot.console.routes import console_blueprint
        from bot.console.service import ConsoleService
        from memory.insights import Insights

        # The process's services (bot/composition.py): the memory judged by the settings'
        # rules, the agents, the business file's templates. Engines connect lazily.
        services = composition.server()
        config = services.settings
        store = services.memory(self.database_url)
        replies: list[canned.CannedReply] = []
        zone, locale = "", "en"
        shop = services.business(config.business_file)  # None: `bot run` reports its error
        if shop is not None:
            zone, locale = shop.shop.timezone, shop.shop.locale
        try:
            replies = canned.load(canned.path_beside(config.business_file))
        except canned.CannedRepliesError as error:  # `bot run` refuses it before this
            logger.error("the console has no canned replies: %s", error)
        limiter = auth.SignInLimiter(self.sign_in_failures, self.sign_in_address_failures)
        service = ConsoleService(
            store,
            accounts=services.agents(self.database_url),
            templates=services.templates(),
            canned=replies,
            shop_timezone=zone,
            shop_locale=locale,
            tone_guard=services.tone_guard,
            fact_words=services.fact_words(),
        )
        # The trainers' review inbox (bot/review), over the same memory database.
        inbox = review.build(config, store.engine, shop)
        # The managers' insights (memory/insights.py), judged by the same relationship rules.
        figures = Insights(store.engine, store.rules, store.context.clock)
        return console_blueprint(
            service,
            self.secure_cookies,
            self.trusted_proxies,
            limiter,
            review=inbox,
            trainer=_trainer(config),
            insights=figures,
            live=services.live_state(),
        )


def _trainer(config: Any) -> Any:
    """Training from the console (bot/console/training.py): `python -m bot train-candidate` in
    a subprocess, and the model loaded through Rasa's API with the settings' token."""
    from bot import processes, settings
    from bot.console.training import ConsoleTrainer, rasa_api_loader
    from bot.evaluation_report import REPORTS_DIR

    def command(out: Any, loaded: Any) -> list[str]:
        line = [processes.python(), "-m", "bot", "train-candidate", "--out", str(out)]
        return line + (["--loaded", str(loaded)] if loaded else [])

    return ConsoleTrainer(
        command,
        settings.ROOT / "var" / "training",
        config.models_dir,
        rasa_api_loader(config.rasa_url, config.rasa_api_token),
        env=processes.child_environment(config),
        cwd=settings.ROOT,
        reports_dir=REPORTS_DIR,
    )
