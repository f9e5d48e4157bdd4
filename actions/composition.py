"""The action server's composition root: builds, once, from `Settings`, what the actions work
with (the relationship memory with the `RELATIONSHIP_*` rules, the agents' presence, the
handoff limiter, the business file with its say-yes section, the shop's records and repair
bookings) and hands it to them through `actions.base`.

`actions.server.build_app` composes and installs it at start; an action server started some
other way (rasa_sdk's own command) composes it from `.env` on the first action. Nothing here
touches a file or a database until an action first needs it, so a broken business file or an
unreachable database costs that action its answer's details, never the server its start.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.rate_limits import RateLimiter
from bot.settings import Settings
from voice import business as business_file
from voice.business import Business

if TYPE_CHECKING:
    from actions.shop_records import RepairBookings
    from memory.agents import AgentAccounts
    from memory.facts import FactExtractor, FactWords
    from memory.store import MemoryStore
    from voice.say_yes import SayYesRules
    from voice.tone import ToneGuard

logger = logging.getLogger(__name__)

HANDOFF_WINDOW_SECONDS = 3600.0


class ActionServices:
    """What every action of this process shares, built once from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # New handoffs per client in the last hour, counted in this process's memory.
        self.handoff_limiter = RateLimiter(
            settings.handoffs_per_address_per_hour, window_seconds=HANDOFF_WINDOW_SECONDS
        )
        self._lock = threading.Lock()
        self._memory: MemoryStore | None = None
        self._agents: AgentAccounts | None = None
        self._business: Business | None = None
        self._rules_guard: ToneGuard | None = None
        self._records: dict[Path, dict[str, Any]] = {}
        self._rule_answers: dict[str, str] | None = None
        self._bookings: dict[str, RepairBookings] = {}
        self._fact_extractor: FactExtractor | None = None

    def memory(self) -> MemoryStore:
        """The relationship memory, judged by the settings' relationship rules (synchronous:
        call it in a worker thread; a database URL that is not one raises here)."""
        from memory.store import MemoryStore

        with self._lock:
            if self._memory is None:
                self._memory = MemoryStore(
                    self.settings.database_url, rules=self.settings.relationship_rules()
                )
            return self._memory

    def agents(self) -> AgentAccounts:
        """The agents' accounts and presence, on the memory's database."""
        from memory.agents import AgentAccounts

        memory = self.memory()
        with self._lock:
            if self._agents is None:
                self._agents = AgentAccounts(memory.engine, clock=memory.context.clock)
            return self._agents

    def business(self) -> Business:
        """The business file, read and validated on first use (synchronous: it reads the file;
        a file that does not validate raises, and is read again on the next call)."""
        with self._lock:
            if self._business is None:
                shop = business_file.load(self.settings.business_file)
                if self.settings.shop_clock is not None:
                    logger.warning(
                        "SHOP_CLOCK is set: the shop's clock stands still at %s "
                        "(for tests and demos only)",
                        self.settings.shop_clock,
                    )
                self._business = shop.clock_at(self.settings.shop_clock)
            return self._business

    def say_yes_rules(self) -> SayYesRules:
        """The business file's say-yes section, a part of `business()` (synchronous; a file
        without the section raises SayYesError)."""
        return self.business().say_yes_rules()

    def shop_records(self, path: Path | None = None) -> dict[str, Any]:
        """The shop's records file (SHOP_RECORDS_FILE when not named) as read, once per file
        (synchronous: it reads the file; one that cannot be read raises, and is read again on
        the next call). `actions.shop_records.resolve_records` resolves its dates."""
        from actions.shop_records import read_records

        wanted = path or self.settings.shop_records_file
        with self._lock:
            if wanted not in self._records:
                self._records[wanted] = read_records(wanted)
            return self._records[wanted]

    def bookings(self, url: str = "") -> RepairBookings:
        """The repairs booked in chat (BOOKINGS_URL when not named): one store and engine per
        database. Builds no connection: the engine connects (and migrates) on first use."""
        from actions.shop_records import RepairBookings

        wanted = url or self.settings.bookings_url
        with self._lock:
            if wanted not in self._bookings:
                self._bookings[wanted] = RepairBookings(wanted)
            return self._bookings[wanted]

    def fact_extractor(self) -> FactExtractor:
        """What finds facts (a goal) in a customer's words; its language pipeline loads on
        first use (synchronous: seconds)."""
        from memory.facts import FactExtractor, FactWords

        words = FactWords.of(self.business().vocabulary)
        with self._lock:
            if self._fact_extractor is None:
                self._fact_extractor = FactExtractor(words=words)
            return self._fact_extractor

    def rule_answers(self) -> dict[str, str]:
        """The action that answers each intent by the content's rules (`data/rules/`), read
        once (synchronous: it reads files)."""
        from actions.asides import read_rules, rule_answers

        with self._lock:
            if self._rule_answers is None:
                self._rule_answers = rule_answers(read_rules(self.settings.data_dir / "rules"))
            return self._rule_answers

    def fact_words(self) -> FactWords:
        """The business file's words for what a customer's bike is."""
        from memory.facts import FactWords

        return FactWords.of(self.business().vocabulary)

    def rules_guard(self) -> ToneGuard:
        """The tone guard on its rules alone, for the text actions build (see
        `voice.tone.build_rules_guard`), loaded on first use (synchronous: seconds)."""
        from voice import tone

        with self._lock:
            if self._rules_guard is None:
                self._rules_guard = tone.build_rules_guard()
            return self._rules_guard

    def close(self) -> None:
        if self._memory is not None:
            self._memory.close()
        for booked in self._bookings.values():
            booked.close()


def compose(settings: Settings) -> ActionServices:
    """The action server's services for `settings`."""
    return ActionServices(settings)
