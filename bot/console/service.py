"""The console's core, between the routes and the memory: accounts, queue, cards, notes, tone.

Every database call here is synchronous; the routes run them with `asyncio.to_thread`.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.console import suggestion
from bot.console.reasons import reason_lines, reason_words
from bot.console.suggestion import used_suggestion
from memory import services
from memory.agents import AgentAccounts
from memory.facts import NO_WORDS, FactWords, names_a_bike
from memory.handoffs import Handoff, HandoffError
from memory.repositories.handoffs import HandoffRepository
from memory.rules import Reason
from memory.shift import ShiftError, ShiftRecords, short_id
from memory.store import MemoryStore, UnknownCustomer
from voice.wording import Wording

MAX_REPLY_CHARS = 2000
MAX_NOTE_CHARS = 2000
FIRST_LINE_CHARS = 120
SERIOUS_REASONS = ("complaint", "at_risk")
# The bot's actions whose doing the card tells the agent about (their words: business.yml
# templates `chat_event_<action>`), besides the say-yes decisions (`chat_event_say_yes`).
CHAT_EVENT_PREFIX = "chat_event_"
TOPIC_PREFIX = "topic_"


def plain(value: Any) -> Any:
    """Dataclasses and datetimes as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.loads(json.dumps(value, default=str))


class ConsoleService:
    """What the console's routes need from the relationship memory and the tone guard."""

    def __init__(
        self,
        store: MemoryStore,
        accounts: AgentAccounts | None = None,
        templates: Mapping[str, str] | None = None,
        shift: ShiftRecords | None = None,
        canned: Sequence[Any] = (),
        shop_timezone: str = "",
        shop_locale: str = "en",
        tone_guard: Callable[[], Any] | None = None,
        fact_words: FactWords = NO_WORDS,
    ) -> None:
        self.store = store
        # The business file's words for what a customer's bike is (memory/facts.py).
        self.fact_words = fact_words
        self.shift = shift or ShiftRecords(store.engine, clock=store.context.clock)
        self.canned = [reply.as_json() for reply in canned]
        self.shop_timezone = shop_timezone
        self.shop_locale = shop_locale
        # The process's tone guard (bot/composition.py), built on the first draft checked.
        self._tone_guard = tone_guard
        # The business file's templates: the words of the notes and promises an outcome leaves.
        self.templates = dict(templates or {})
        self.clock = store.context.clock
        self.accounts = accounts or AgentAccounts(store.engine, clock=self.clock)
        self._guard: Any = None
        self._guard_lock = threading.Lock()

    @property
    def queue(self) -> HandoffRepository:
        """The handoff queue, each move in a unit of work of its own."""
        return self.store.handoffs

    # -- queue -------------------------------------------------------------------------------

    def customer_summary(self, sender_id: str) -> dict[str, Any]:
        card = self.store.cards.card_for_sender(sender_id)
        short = short_id(sender_id)
        if card is None:
            return {"name": None, "short_id": short, "stage": "new", "at_risk": False}
        complaints = sum(1 for issue in card.open_issues if issue.kind == "complaint")
        return {
            "name": card.name,
            "short_id": short,
            "stage": card.stage,
            "at_risk": card.at_risk,
            "open_complaints": complaints,
        }

    def _item(self, handoff: Handoff, now: datetime) -> dict[str, Any]:
        item = handoff.as_json()
        item["waiting_seconds"] = max(0, int((now - handoff.requested_at).total_seconds()))
        item["customer"] = self.customer_summary(handoff.sender_id)
        item["first_line"] = first_line(handoff.detail)
        if handoff.state != "resolved":
            item["customer_messages"] = self.shift.customer_messages_since(
                handoff.sender_id, handoff.requested_at
            )
        item["reply_promised_by"] = self.reply_promised_by(handoff)
        item["serious"] = handoff.reason in SERIOUS_REASONS or bool(
            item["customer"].get("open_complaints")
        )
        return item

    def item(self, handoff_id: int) -> dict[str, Any]:
        """One chat as the queue shows it."""
        return self._item(self.queue.get(handoff_id), self.clock())

    def reply_promised_by(self, handoff: Handoff) -> str | None:
        """When the customer was told a person replies, while that is still owed: until an
        agent replies when they left a message (the promise in memory, the same due time),
        until an agent takes the chat otherwise; None when nothing is owed."""
        if handoff.reply_by is None or handoff.state == "resolved":
            return None
        if handoff.reply_promise_id is not None:
            if not self.store.issues.promise_open(handoff.reply_promise_id):
                return None
        elif handoff.state != "waiting":
            return None
        return handoff.reply_by.isoformat()

    def queue_view(self) -> list[dict[str, Any]]:
        """The open handoffs, oldest first, with who the customer is, what they asked, how
        long they have waited and whether the chat is serious."""
        now = self.clock()
        return [self._item(handoff, now) for handoff in self.queue.open_handoffs()]

    def follow_ups_view(self) -> list[dict[str, Any]]:
        """Follow-ups promised on resolved chats and not kept yet: waiting for us."""
        items = []
        for follow_up in self.shift.follow_ups():
            item = follow_up.as_json()
            item["customer"] = self.customer_summary(follow_up.sender_id)
            items.append(item)
        return items

    def _listed(self, handoffs: list[Handoff]) -> list[dict[str, Any]]:
        """Chats for a list: who (name or short id) and what they asked, without whole cards."""
        names = self.shift.names([handoff.sender_id for handoff in handoffs])
        items = []
        for handoff in handoffs:
            item = handoff.as_json()
            item["customer"] = {
                "name": names.get(handoff.sender_id),
                "short_id": short_id(handoff.sender_id),
            }
            item["first_line"] = first_line(handoff.detail)
            items.append(item)
        return items

    def past_chats(self, words: str) -> list[dict[str, Any]]:
        return self._listed(self.shift.past_chats(words))

    def earlier_chats(self, handoff: Handoff) -> list[dict[str, Any]]:
        """The customer's other chats that reached a person, newest first."""
        customer_id = self.store.customers.find_customer(handoff.sender_id)
        if customer_id is None:
            return []
        others = self.shift.chats_of_customer(customer_id)
        return self._listed([other for other in others if other.id != handoff.id])

    def transfer(self, handoff_id: int, agent: str, to_agent: str, note: str) -> Handoff:
        """Give a claimed chat to another agent who is online now, with a note for them."""
        if to_agent not in self.accounts.online():
            raise HandoffError(f"{to_agent or 'nobody'} is not online; choose an agent who is")
        handoff = self.queue.transfer(handoff_id, agent, to_agent, note)
        if note.strip() and "transfer_note" in self.templates:
            # The note stays on the card (internal), for whoever has the customer next.
            words = self.templates["transfer_note"].format(
                from_agent=agent, to_agent=to_agent, note=handoff.transfer_note
            )
            self.add_note(handoff.sender_id, agent, words)
        return handoff

    def handoff(self, handoff_id: int) -> Handoff:
        return self.queue.get(handoff_id)

    # -- chat view ---------------------------------------------------------------------------

    def card(self, sender_id: str) -> dict[str, Any] | None:
        card = self.store.cards.card_for_sender(sender_id)
        if card is None:
            return None
        return self.shown_card(card)

    def shown_card(self, card: Any) -> dict[str, Any]:
        """A relationship card as the agent reads it: reasons and topics in the shop's words."""
        shown: dict[str, Any] = plain(card)
        shown["reasons"] = reason_lines(card.reasons, self.templates, self.wording())
        shown["topics"] = [self.topic(intent) for intent in card.last_topics]
        # A promise made twice in the same words for the same time reads once.
        promises: list[Any] = []
        for promise in shown.get("promises_due") or []:
            if not any(
                (p.get("text"), p.get("due_at")) == (promise.get("text"), promise.get("due_at"))
                for p in promises
            ):
                promises.append(promise)
        shown["promises_due"] = promises
        # A bike remembered before the memory knew better ("new bike", "thx") names no bike.
        shown["preferences"] = [
            fact
            for fact in shown.get("preferences") or []
            if fact.get("kind") != "bike"
            or names_a_bike(str(fact.get("value") or ""), self.fact_words)
        ]
        return shown

    def risk_words(self, reasons: Iterable[Reason]) -> str:
        """The at-risk reasons in one line of the shop's words ("a, b and c")."""
        words = [reason_words(reason, self.templates) for reason in reasons if reason.at_risk]
        wording = self.wording()
        return wording.join(words) if wording is not None else ", ".join(words)

    def topic(self, intent: str) -> str:
        """A topic as the agent reads it (business.yml `topic_<intent>`)."""
        return self.templates.get(TOPIC_PREFIX + intent) or intent.replace("_", " ")

    def chat_events(self, sender_id: str) -> list[str]:
        """What the bot did in this chat, in the business file's words, oldest first."""
        happened: list[str] = []
        saying = [
            key.removeprefix(CHAT_EVENT_PREFIX)
            for key in self.templates
            if key.startswith(CHAT_EVENT_PREFIX)
        ]
        for action, policy in self.shift.bot_doings(sender_id, saying):
            line = None
            decision = (policy or {}).get("say_yes")
            if isinstance(decision, Mapping) and CHAT_EVENT_PREFIX + "say_yes" in self.templates:
                line = self.templates[CHAT_EVENT_PREFIX + "say_yes"].format(
                    kind=str(decision.get("kind") or "").replace("_", " "),
                    rung=str(decision.get("rung") or "").replace("_", " "),
                    reason=str(decision.get("reason") or ""),
                )
            elif action and CHAT_EVENT_PREFIX + action in self.templates:
                line = self.templates[CHAT_EVENT_PREFIX + action]
            if line and (not happened or happened[-1] != line):
                happened.append(line)
        return happened

    def chat(self, handoff: Handoff) -> dict[str, Any]:
        """Everything of a chat but its messages: the card, notes, what happened, follow-up,
        flagged replies sent anyway, the customer's other chats."""
        follow_up = self.shift.follow_up_for(handoff.id)
        item = self._item(handoff, self.clock())
        return {
            "handoff": item,
            "card": self.card(handoff.sender_id),
            "notes": self.notes(handoff.sender_id),
            "happened": self.chat_events(handoff.sender_id),
            "left_message": first_line(handoff.detail, 2000) if handoff.offline else None,
            "follow_up": None if follow_up is None else follow_up.as_json(),
            "sent_anyway": self.shift.sent_anyway([handoff.id]),
            "earlier_chats": self.earlier_chats(handoff),
        }

    def notes(self, sender_id: str) -> list[dict[str, Any]]:
        customer_id = self.store.customers.find_customer(sender_id)
        if customer_id is None:
            return []
        return [
            {"agent": agent, "text": text, "at": at.isoformat()}
            for agent, text, at in self.store.agents.agent_notes(customer_id)
        ]

    def add_note(self, sender_id: str, agent: str, text: str) -> None:
        customer_id = self.store.customers.customer_for_sender(sender_id)
        try:
            self.store.agents.add_agent_note(customer_id, agent, text[:MAX_NOTE_CHARS])
        except UnknownCustomer:
            raise LookupError("this customer's memory was deleted") from None

    def wording(self) -> Wording | None:
        """The shop's words for days and lists; None when the business file has none."""
        try:
            return Wording.of(self.shop_locale, self.templates)
        except KeyError:
            return None

    def words(self, name: str) -> str:
        """A template of the business file; LookupError, naming it, when the file lacks it."""
        if name not in self.templates:
            raise LookupError(f"the business file has no template {name!r} under templates:")
        return self.templates[name]

    def follow_up_terms(self, what: Any, due_at: Any) -> tuple[str, datetime]:
        """What an agent promised and by when (an ISO time), checked before the chat is
        resolved; ValueError saying what to fix."""
        what = str(what or "").strip()
        if not what or len(what) > 500:
            raise ValueError("say what you promise the customer (1 to 500 characters)")
        try:
            due = datetime.fromisoformat(str(due_at or "").replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("say by when you follow up (a date and time)") from None
        if due.tzinfo is None:
            due = due.replace(tzinfo=self._zone())
        if due <= self.clock():
            raise ValueError("a follow-up is due some time from now")
        return what, due

    def _zone(self) -> Any:
        try:
            return ZoneInfo(self.shop_timezone) if self.shop_timezone else timezone.utc
        except ZoneInfoNotFoundError:
            return timezone.utc

    def follow_up_words(self, agent: str, what: str, due: datetime) -> str:
        """What the customer reads about the follow-up (business.yml's words)."""
        zone = self._zone()
        local = due.astimezone(zone)
        today = self.clock().astimezone(zone).date()
        wording = Wording.of(self.shop_locale, self.templates)  # KeyError names a missing one
        when = self.words("follow_up_when").format(
            day=wording.day(local.date(), today), time=f"{local:%H:%M}"
        )
        what = what.rstrip(". ")
        return self.words("follow_up_told_customer").format(agent=agent, what=what, when=when)

    def resolve(
        self,
        handoff_id: int,
        agent: str,
        outcome: str,
        promised: tuple[str, datetime] | None = None,
    ) -> Handoff:
        """Resolve the agent's chat; the outcome becomes part of the memory in the same unit of
        work (kept together or not at all): a note and, for a follow-up, the promise (what, by
        when, who) linked to the chat."""
        follow_up = outcome == "follow_up"
        if follow_up and promised is not None:
            what, due = promised
            with self.store.unit_of_work() as work:
                handoff = work.handoffs.resolve(handoff_id, agent, outcome)
                customer_id = work.customers.customer_for_sender(handoff.sender_id)
                note = self.words("outcome_follow_up_note").format(
                    reason=self.reason_words(handoff.reason)
                )
                try:
                    self.shift.promise_follow_up(
                        handoff.id, customer_id, agent, what, due, note, conn=work.handoffs.conn
                    )
                except ShiftError as error:
                    raise ValueError(str(error)) from None
            return self.queue.get(handoff_id)
        note = self.words("outcome_follow_up_note" if follow_up else "outcome_resolved_note")
        # The note reads the reason in words ("a complaint"), never its code name.
        reason = self.queue.get(handoff_id).reason
        note = note.replace("{reason}", self.reason_words(reason).replace("{", "{{"))
        promise = self.words("outcome_follow_up_promise") if follow_up else None
        return services.resolve_handoff(self.store, handoff_id, agent, outcome, note, promise)

    def replied(self, handoff: Handoff) -> bool:
        """An agent's reply went to the customer: the reply promised when they left a
        message is kept (the card and the chat's header stop showing it as open)."""
        if handoff.reply_promise_id is None:
            return False
        return services.keep_reply_promise(self.store, handoff.id)

    def reason_words(self, reason: str) -> str:
        """Why a chat came to a person, in the business file's words."""
        return self.words(f"handoff_reason_{reason}")

    def keep_follow_up(self, promise_id: int) -> dict[str, Any]:
        """A follow-up was done: the promise is kept (a benefit in the relationship)."""
        found = self.shift.follow_ups(include_kept=True, promise_id=promise_id)
        follow_up = found[0] if found else None
        if follow_up is None:
            raise LookupError(f"no follow-up has id {promise_id}")
        if follow_up.state == "open":
            self.store.issues.settle_promise(promise_id, "kept")
        kept = self.shift.follow_up_for(follow_up.handoff_id)
        return {} if kept is None else kept.as_json()

    # -- tone --------------------------------------------------------------------------------

    def record_sent_anyway(
        self, handoff: Handoff, agent: str, text: str, findings: list[dict[str, Any]]
    ) -> None:
        self.shift.record_sent_anyway(handoff.id, agent, text, findings)

    def tone(self, text: str) -> dict[str, Any]:
        """The tone guard's verdict on a draft (voice.tone's public guard)."""
        with self._guard_lock:
            if self._guard is None:
                from voice import tone

                self._guard = (self._tone_guard or tone.build_guard)()
            guard = self._guard
        verdict = guard.check(text[:MAX_REPLY_CHARS])
        result: dict[str, Any] = verdict.as_dict()
        if not verdict.ok:
            # What "Use the suggestion" puts in the box: only the hurtful parts replaced.
            used = used_suggestion(verdict, self.templates).as_json()
            if used["select"] is not None:
                used["unfinished"] = self.templates.get(suggestion.UNFINISHED, "")
            result["use"] = used
        return result

    def unfinished(self, text: str) -> str | None:
        """The business file's words when a reply still holds a used suggestion's
        placeholder (the agent has not said what they will do yet); None when it does not."""
        if not suggestion.unfinished(text, self.templates):
            return None
        return self.templates.get(suggestion.UNFINISHED) or self.templates[suggestion.PLACEHOLDER]


def first_line(text: str | None, limit: int = FIRST_LINE_CHARS) -> str | None:
    """The first non-empty line of `text`, cut to `limit` characters with an ellipsis."""
    line = next((part.strip() for part in (text or "").splitlines() if part.strip()), "")
    if not line:
        return None
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
