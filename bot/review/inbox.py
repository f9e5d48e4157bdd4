"""The review inbox: what customers said that the bot may have missed, read from the exchange log.

A customer's message is in the inbox when the bot was unsure of it (confidence under the
threshold), when it went to the fallback ladder, when the customer rephrased it or complained
right after the answer, when it was the last thing said before a handoff, when it was the least
understood message of a chat rated low, or when a fact the bot read from it was corrected by the
customer. Every text is masked (bot/review/masking.py) before it leaves this module; similar
messages are grouped; a trainer's decision (an example of an intent, or ignore) is remembered
in the memory's `review_decisions` table and the message leaves the inbox.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.review import grouping
from bot.review.masking import Masker
from bot.review.training_files import Added, EntitySpan, TrainingData, TrainingDataError
from memory import schema as s
from memory.records import now_utc, utc

FALLBACK_INTENT = "nlu_fallback"
# The actions and responses of the fallback ladder (actions/fallback.py).
FALLBACK_ACTIONS = (
    "action_fallback_ladder",
    "action_default_fallback",
    "action_two_stage_fallback",
)
FALLBACK_RESPONSE_PREFIX = "utter_fallback"
COMPLAINT_INTENT = "complain"
CORRECTION_INTENT = "correct_fact"
REPHRASE_SIMILARITY = 70.0  # rapidfuzz token-set ratio of two messages in a row
LOW_RATING = 2  # a chat rated this or lower (out of 5)
DEFAULT_CONFIDENCE = 0.7
DEFAULT_DAYS = 30
MAX_MESSAGES = 3000  # the newest customer messages read per listing
MAX_CANDIDATES = 5
DECISIONS = ("example", "ignore")

# Why a message is in the inbox, in the trainer's words (the page and `python -m bot review`).
REASONS = {
    "unsure": "the bot was unsure",
    "fallback": "went to the fallback",
    "rephrased": "the customer said it again",
    "complained": "the customer complained after the answer",
    "handoff": "the chat went to a person",
    "rated_low": "the chat was rated low",
    "corrected": "the customer corrected a fact read from it",
}


class ReviewError(ValueError):
    """A review request cannot be done; the message says why."""


@dataclass
class InboxItem:
    exchange_id: int
    conversation_id: int
    customer_id: int
    text: str  # masked
    intent: str | None  # what the model guessed (the best guess behind a fallback)
    confidence: float | None
    at: datetime
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "exchange_id": self.exchange_id,
            "conversation_id": self.conversation_id,
            "text": self.text,
            "intent": self.intent,
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "at": self.at.isoformat() + "Z",
            "reasons": self.reasons,
        }


@dataclass
class InboxGroup:
    items: list[InboxItem]
    candidates: list[str]  # agents' replies in these chats (masked): responses to reuse

    @property
    def key(self) -> str:
        return text_key(self.items[0].text)

    @property
    def intent(self) -> str | None:
        guesses = Counter(item.intent for item in self.items if item.intent)
        return guesses.most_common(1)[0][0] if guesses else None

    @property
    def confidence(self) -> float | None:
        values = [i.confidence for i in self.items if i.confidence is not None and i.intent]
        return round(sum(values) / len(values), 3) if values else None

    def as_json(self) -> dict[str, Any]:
        reasons = sorted({r for item in self.items for r in item.reasons}, key=list(REASONS).index)
        return {
            "key": self.key,
            "intent": self.intent,
            "confidence": self.confidence,
            "reasons": reasons,
            "items": [item.as_json() for item in self.items],
            "candidates": self.candidates,
        }


def text_key(text: str) -> str:
    return hashlib.sha256(grouping.normalise(text).encode("utf-8")).hexdigest()


def _guess(intent: str | None, confidence: float | None, policy: str | None) -> tuple[Any, Any]:
    """The intent the model guessed: behind a fallback, its best guess (memory.ingest)."""
    if intent != FALLBACK_INTENT:
        return intent, confidence
    try:
        guesses = json.loads(policy or "{}").get("guesses") or []
    except (ValueError, AttributeError):
        guesses = []
    if guesses:
        return guesses[0].get("intent"), guesses[0].get("confidence")
    return None, confidence


def _is_fallback_answer(action: str | None) -> bool:
    return bool(action) and (
        action in FALLBACK_ACTIONS or str(action).startswith(FALLBACK_RESPONSE_PREFIX)
    )


class ReviewInbox:
    """Lists the inbox from the memory database and records trainers' decisions."""

    def __init__(
        self,
        engine: Engine,
        training: TrainingData,
        masker: Masker,
        confidence: float = DEFAULT_CONFIDENCE,
        days: int = DEFAULT_DAYS,
        clock: Any = now_utc,
    ) -> None:
        self.engine = engine
        self.training = training
        self.masker = masker
        self.confidence = confidence
        self.days = days
        self.clock = clock

    # -- reading -----------------------------------------------------------------------------

    def _names(self, conn: Any, customer_ids: Iterable[int]) -> dict[int, list[str]]:
        """The names the memory knows for each customer (masked wherever they appear)."""
        ids = sorted(set(customer_ids))
        names: dict[int, list[str]] = defaultdict(list)
        if not ids:
            return names
        rows = conn.execute(
            select(s.facts.c.customer_id, s.facts.c.value).where(
                s.facts.c.customer_id.in_(ids), s.facts.c.kind == "name"
            )
        )
        for row in rows:
            names[int(row.customer_id)].extend(str(row.value).split())
        return names

    def items(self) -> list[InboxItem]:
        """The messages to review, newest first, masked, without those already decided."""
        since = utc(self.clock()) - timedelta(days=self.days)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    s.exchanges.c.id,
                    s.exchanges.c.conversation_id,
                    s.exchanges.c.customer_id,
                    s.exchanges.c.speaker,
                    s.exchanges.c.text,
                    s.exchanges.c.intent,
                    s.exchanges.c.confidence,
                    s.exchanges.c.action,
                    s.exchanges.c.policy,
                    s.exchanges.c.at,
                )
                .where(s.exchanges.c.at >= since)
                .order_by(s.exchanges.c.at.desc(), s.exchanges.c.id.desc())
                .limit(MAX_MESSAGES * 3)
            ).all()
            conversations = sorted({int(row.conversation_id) for row in rows})
            handoffs = self._handoff_times(conn, conversations)
            low = self._low_rated(conn, conversations)
            corrected = self._corrected(conn)
            decided_ids, decided_keys = self._decided(conn)
            names = self._names(conn, (int(row.customer_id) for row in rows))
        chats: dict[int, list[Any]] = defaultdict(list)
        for row in reversed(rows):
            chats[int(row.conversation_id)].append(row)
        found: dict[int, InboxItem] = {}

        def mark(row: Any, reason: str) -> None:
            item = found.get(int(row.id))
            if item is None:
                intent, confidence = _guess(row.intent, row.confidence, row.policy)
                item = InboxItem(
                    int(row.id),
                    int(row.conversation_id),
                    int(row.customer_id),
                    "",
                    intent,
                    confidence,
                    utc(row.at),
                )
                found[int(row.id)] = item
            if reason not in item.reasons:
                item.reasons.append(reason)

        for conversation_id, chat in chats.items():
            said = [row for row in chat if row.speaker == "customer" and row.text]
            for index, row in enumerate(chat):
                if row.speaker != "customer" or not row.text or row.text.startswith("/"):
                    continue
                if row.intent == FALLBACK_INTENT:
                    mark(row, "fallback")
                elif row.confidence is not None and row.confidence < self.confidence:
                    mark(row, "unsure")
                answer = next((r for r in chat[index + 1 :] if r.speaker != "customer"), None)
                if answer is not None and _is_fallback_answer(answer.action):
                    mark(row, "fallback")
                position = said.index(row)
                following = said[position + 1] if position + 1 < len(said) else None
                if following is not None and row.intent not in (None, FALLBACK_INTENT):
                    if following.intent == COMPLAINT_INTENT and row.intent != COMPLAINT_INTENT:
                        mark(row, "complained")
                    elif (
                        fuzz.token_set_ratio(
                            grouping.normalise(row.text), grouping.normalise(following.text)
                        )
                        >= REPHRASE_SIMILARITY
                    ):
                        mark(row, "rephrased")
                if row.id in corrected:
                    mark(row, "corrected")
            for requested_at in handoffs.get(conversation_id, ()):
                before = [row for row in said if utc(row.at) <= requested_at]
                if before:
                    mark(before[-1], "handoff")
            if conversation_id in low and said:
                least = min(said, key=lambda r: r.confidence if r.confidence is not None else 1)
                mark(least, "rated_low")

        texts = {int(row.id): row.text for row in rows}
        newest = sorted(found.values(), key=lambda i: i.at, reverse=True)[:MAX_MESSAGES]
        undecided = [item for item in newest if item.exchange_id not in decided_ids]
        masked = self.masker.mask_many(
            [(texts[i.exchange_id], names.get(i.customer_id, ())) for i in undecided]
        )
        kept: list[InboxItem] = []
        for item, text in zip(undecided, masked, strict=True):
            item.text = text
            if text_key(text) not in decided_keys:
                kept.append(item)
        return kept

    def _handoff_times(self, conn: Any, conversations: Sequence[int]) -> dict[int, list[datetime]]:
        """When each conversation's chat was handed to a person (handoffs are kept by sender)."""
        if not conversations:
            return {}
        rows = conn.execute(
            select(s.conversations.c.id, s.handoffs.c.requested_at)
            .join(s.handoffs, s.handoffs.c.sender_id == s.conversations.c.sender_id)
            .where(
                s.conversations.c.id.in_(conversations),
                s.handoffs.c.requested_at >= s.conversations.c.started_at,
                s.handoffs.c.requested_at <= s.conversations.c.last_at,
            )
        )
        found: dict[int, list[datetime]] = defaultdict(list)
        for row in rows:
            found[int(row.id)].append(utc(row.requested_at))
        return found

    def _low_rated(self, conn: Any, conversations: Sequence[int]) -> set[int]:
        if not conversations:
            return set()
        return {
            int(found)
            for found in conn.execute(
                select(s.ratings.c.conversation_id).where(
                    s.ratings.c.conversation_id.in_(conversations),
                    s.ratings.c.score <= LOW_RATING,
                )
            ).scalars()
        }

    def _corrected(self, conn: Any) -> set[int]:
        """Messages a fact was read from that the customer later put right (a newer value
        from a message the bot understood as a correction)."""
        old, new = s.facts.alias("old"), s.facts.alias("new")
        return {
            int(found)
            for found in conn.execute(
                select(old.c.exchange_id)
                .join(new, new.c.id == old.c.superseded_by)
                .join(s.exchanges, s.exchanges.c.id == new.c.exchange_id)
                .where(old.c.exchange_id.is_not(None), s.exchanges.c.intent == CORRECTION_INTENT)
            ).scalars()
        }

    def _decided(self, conn: Any) -> tuple[set[int], set[str]]:
        rows = conn.execute(
            select(s.review_decisions.c.exchange_id, s.review_decisions.c.text_key)
        ).all()
        return {int(r.exchange_id) for r in rows if r.exchange_id is not None}, {
            str(r.text_key) for r in rows
        }

    def _candidates(self, conn: Any, conversations: Iterable[int]) -> dict[int, list[str]]:
        """What agents wrote in these chats after they were handed over."""
        ids = sorted(set(conversations))
        if not ids:
            return {}
        rows = conn.execute(
            select(s.exchanges.c.conversation_id, s.exchanges.c.customer_id, s.exchanges.c.text)
            .where(s.exchanges.c.conversation_id.in_(ids), s.exchanges.c.speaker == "agent")
            .order_by(s.exchanges.c.at)
        ).all()
        names = self._names(conn, (int(row.customer_id) for row in rows))
        said = [row for row in rows if row.text]
        masked = self.masker.mask_many(
            [(row.text, names.get(int(row.customer_id), ())) for row in said]
        )
        found: dict[int, list[str]] = defaultdict(list)
        for row, text in zip(said, masked, strict=True):
            found[int(row.conversation_id)].append(text)
        return found

    def groups(self, threshold: float = grouping.DEFAULT_THRESHOLD) -> list[InboxGroup]:
        """The inbox in groups of similar messages, largest first."""
        items = self.items()
        with self.engine.connect() as conn:
            candidates = self._candidates(
                conn, (i.conversation_id for i in items if "handoff" in i.reasons)
            )
        result = []
        for members in grouping.group(items, lambda item: item.text, threshold):
            offered: list[str] = []
            for item in members:
                if "handoff" not in item.reasons:
                    continue
                for reply in candidates.get(item.conversation_id, ()):
                    if reply not in offered:
                        offered.append(reply)
            result.append(InboxGroup(members, offered[:MAX_CANDIDATES]))
        return result

    def transcript(self, conversation_id: int) -> list[dict[str, Any]]:
        """A conversation as the trainer sees it: every message masked, with intents."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    s.exchanges.c.id,
                    s.exchanges.c.customer_id,
                    s.exchanges.c.speaker,
                    s.exchanges.c.text,
                    s.exchanges.c.intent,
                    s.exchanges.c.confidence,
                    s.exchanges.c.policy,
                    s.exchanges.c.action,
                    s.exchanges.c.at,
                )
                .where(s.exchanges.c.conversation_id == conversation_id)
                .order_by(s.exchanges.c.at, s.exchanges.c.id)
            ).all()
            if not rows:
                raise LookupError(f"no conversation {conversation_id} in the exchange log")
            names = self._names(conn, {int(rows[0].customer_id)})
        known = names.get(int(rows[0].customer_id), ())
        masked = self.masker.mask_many([(row.text or "", known) for row in rows])
        messages = []
        for row, text in zip(rows, masked, strict=True):
            intent, confidence = _guess(row.intent, row.confidence, row.policy)
            messages.append(
                {
                    "exchange_id": int(row.id),
                    "speaker": row.speaker,
                    "text": text,
                    "intent": row.intent if row.speaker == "customer" else None,
                    "guess": intent if row.intent == FALLBACK_INTENT else None,
                    "confidence": None if confidence is None else round(float(confidence), 3),
                    "action": row.action,
                    "at": utc(row.at).isoformat() + "Z",
                }
            )
        return messages

    def intents(self) -> list[str]:
        """The intents a message can be labelled with (those with examples, then the domain's)."""
        names = list(self.training.intent_files())
        names += [intent for intent in self.training.domain_intents() if intent not in names]
        return sorted(names)

    # -- deciding ----------------------------------------------------------------------------

    def _masked_messages(self, exchange_ids: Sequence[int]) -> list[tuple[int, str]]:
        """The customer's messages of `exchange_ids`, masked as the inbox shows them."""
        if not exchange_ids:
            raise ReviewError("choose at least one message")
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(s.exchanges.c.id, s.exchanges.c.customer_id, s.exchanges.c.text).where(
                    s.exchanges.c.id.in_(list(exchange_ids)), s.exchanges.c.speaker == "customer"
                )
            ).all()
            names = self._names(conn, (int(row.customer_id) for row in rows))
        by_id = {int(row.id): row for row in rows}
        missing = [i for i in exchange_ids if i not in by_id]
        if missing:
            raise ReviewError(f"no customer message has the id {missing[0]}")
        return [
            (i, self.masker.mask(by_id[i].text or "", names.get(int(by_id[i].customer_id), ())))
            for i in exchange_ids
        ]

    def _remember(
        self,
        decided: Sequence[tuple[int, str]],
        decision: str,
        who: str,
        intent: str | None = None,
        file: str | None = None,
    ) -> None:
        now = utc(self.clock())
        with self.engine.begin() as conn:
            for exchange_id, text in decided:
                conn.execute(
                    s.review_decisions.insert().values(
                        text_key=text_key(text),
                        text=text,
                        exchange_id=exchange_id,
                        decision=decision,
                        intent=intent,
                        file=file,
                        decided_by=who[:64],
                        decided_at=now,
                    )
                )

    def accept(
        self,
        exchange_ids: Sequence[int],
        intent: str,
        who: str,
        new_intent_file: str | None = None,
        entities: Sequence[EntitySpan] = (),
        response: str | None = None,
    ) -> dict[str, Any]:
        """Each message (masked) becomes an example of `intent` in its data file; entity spans
        only with a single message (their characters are of its masked text)."""
        intent = intent.strip()
        if entities and len(exchange_ids) != 1:
            raise ReviewError("mark entities on one message at a time")
        messages = self._masked_messages(exchange_ids)
        written: list[Added] = []
        try:
            for _, text in messages:
                written.append(self.training.add_example(intent, text, entities, new_intent_file))
            response_name = self.training.add_response(intent, response) if response else None
        except TrainingDataError as error:
            raise ReviewError(str(error)) from None
        finally:
            if written:
                done = messages[: len(written)]
                path = written[0].path
                self._remember(done, "example", who, intent, path.name)
        root = self.training.content_dir
        return {
            "intent": intent,
            "file": str(written[0].path.relative_to(root)) if written else None,
            "added": [added.example for added in written if added.added],
            "already_there": [added.example for added in written if not added.added],
            "response": response_name,
        }

    def ignore(self, exchange_ids: Sequence[int], who: str) -> dict[str, Any]:
        messages = self._masked_messages(exchange_ids)
        self._remember(messages, "ignore", who)
        return {"ignored": len(messages)}
