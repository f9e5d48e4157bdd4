"""The Rasa server's composition root: builds, once per process, from `Settings`, what the
server's components share, and hands it to them: the relationship rules, the relationship
memory (one engine per database, judged by the `RELATIONSHIP_*` settings), the agents'
accounts and presence, and the business file's templates.

Rasa builds the channels (credentials.yml), the event broker and the tracker store
(endpoints.yml) itself, so they reach their services through `server()`. The settings come
from the `.env` that `python -m bot run` names (RAPPORT_ENV_FILE); the channels' own
configuration still names the database they use, which is DATABASE_URL when started by
`python -m bot run`. Nothing touches a database or a file until a component first needs it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bot import settings as settings_module
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.health import RecentChecks
    from bot.live_state import LiveState
    from memory.agents import AgentAccounts
    from memory.facts import FactExtractor as Extractor
    from memory.facts import FactWords
    from memory.rules import RelationshipRules
    from memory.store import FactExtractor, MemoryStore
    from voice.business import Business
    from voice.tone import ToneGuard

logger = logging.getLogger(__name__)


class ServerServices:
    """What the Rasa server's components share, built once from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.rules: RelationshipRules = settings.relationship_rules()
        self._lock = threading.Lock()
        self._memories: dict[str, MemoryStore] = {}
        self._agents: dict[str, AgentAccounts] = {}
        self._businesses: dict[Path, Business] = {}
        self._tone_guard: ToneGuard | None = None
        self._health_checks: RecentChecks | None = None
        self._live_states: dict[str, LiveState] = {}

    def memory(self, database_url: str = "") -> MemoryStore:
        """The relationship memory at `database_url` (DATABASE_URL when empty): one store and
        one engine per database in this process, judged by the settings' rules. Builds no
        connection: the engine connects on first use."""
        from memory.store import MemoryStore

        url = database_url or self.settings.database_url
        with self._lock:
            if url not in self._memories:
                self._memories[url] = MemoryStore(url, rules=self.rules)
            return self._memories[url]

    def memory_with_facts(self, database_url: str, extractor: FactExtractor) -> MemoryStore:
        """The memory at `database_url` (its engine shared) that also finds facts in what
        customers say: the event broker's."""
        from memory.store import MemoryStore

        shared = self.memory(database_url)
        return MemoryStore(
            shared.engine, rules=self.rules, fact_extractor=extractor, clock=shared.context.clock
        )

    def fact_words(self) -> FactWords:
        """The business file's words for what a customer's bike is (none when the file
        cannot be read)."""
        from memory.facts import NO_WORDS, FactWords

        shop = self.business()
        return FactWords.of(shop.vocabulary) if shop is not None else NO_WORDS

    def fact_extractor(self) -> Extractor:
        """What finds facts in customer messages (the event broker's, the memory workers' and
        `facts-check`'s), with the business file's words; its language pipeline loads on
        first use."""
        from memory.facts import FactExtractor

        return FactExtractor(words=self.fact_words())

    def agents(self, database_url: str = "") -> AgentAccounts:
        """The agents' accounts and presence, on the memory's database."""
        from memory.agents import AgentAccounts

        memory = self.memory(database_url)
        url = database_url or self.settings.database_url
        with self._lock:
            if url not in self._agents:
                self._agents[url] = AgentAccounts(memory.engine, clock=memory.context.clock)
            return self._agents[url]

    def business(self, business_file: Path | str | None = None) -> Business | None:
        """The business file (BUSINESS_FILE when not named), read and validated once in this
        process; None when it cannot be read (`bot run` reports the file's error, and it is
        read again on the next call)."""
        from voice import business

        path = Path(business_file) if business_file else self.settings.business_file
        with self._lock:
            if path not in self._businesses:
                try:
                    shop = business.load(path)
                    if self.settings.shop_clock is not None:
                        logger.warning(
                            "SHOP_CLOCK is set: the shop's clock stands still "
                            "at %s (for tests and demos only)",
                            self.settings.shop_clock,
                        )
                    self._businesses[path] = shop.clock_at(self.settings.shop_clock)
                except business.BusinessFileError as error:
                    logger.warning("the server works without the business file: %s", error)
                    return None
            return self._businesses[path]

    def templates(self) -> Mapping[str, str]:
        """The business file's templates (none when it cannot be read)."""
        shop = self.business()
        return dict(shop.templates) if shop is not None else {}

    def tone_guard(self) -> ToneGuard:
        """The tone guard that coaches people writing freely (the agents' drafts): the rules
        and the trained classifier, loaded on first use (synchronous: seconds)."""
        from voice import tone

        with self._lock:
            if self._tone_guard is None:
                self._tone_guard = tone.build_guard()
            return self._tone_guard

    def health_checks(self) -> RecentChecks:
        """What the health endpoint found lately (its last report, for a few seconds)."""
        from bot.health import RecentChecks

        with self._lock:
            if self._health_checks is None:
                self._health_checks = RecentChecks()
            return self._health_checks

    def live_state(self, redis_url: str | None = None) -> LiveState:
        """What this process shares with the other Rasa processes (REDIS_URL when not named):
        one Redis client per URL, or this process's own state when there is no Redis."""
        from bot import live_state

        url = self.settings.redis_url if redis_url is None else redis_url
        with self._lock:
            if url not in self._live_states:
                self._live_states[url] = live_state.live_state(url)
            return self._live_states[url]

    def close(self) -> None:
        with self._lock:
            for memory in self._memories.values():
                memory.close()
            self._memories.clear()
            self._agents.clear()


def compose(settings: Settings) -> ServerServices:
    """The Rasa server's services for `settings`."""
    return ServerServices(settings)


_services: ServerServices | None = None
_services_lock = threading.Lock()


def install(services: ServerServices | None) -> None:
    """Make `services` this process's (None: composed again from `.env` on next use)."""
    global _services
    with _services_lock:
        _services = services


def server() -> ServerServices:
    """This process's services, composed from the settings on first use (synchronous: it
    reads `.env`; settings that do not load give the defaults, and `bot run` reports why)."""
    global _services
    with _services_lock:
        if _services is None:
            try:
                loaded = settings_module.load()
            except settings_module.SettingsError as error:
                logger.warning("the Rasa server's components use the default settings: %s", error)
                loaded = Settings()
            _services = compose(loaded)
        return _services
