"""Feeding the exchange log from conversation events, durably and exactly once.

Events (Rasa tracker events as plain dicts) first land in an `Outbox`: a local SQLite file that
survives restarts. An `OutboxWorker` thread moves them into the memory database; while that
database is down, events wait in the outbox and are retried with back-off. Each event carries a
stable id (a hash of its content), and the exchange log's unique constraint on that id means a
retried or replayed event is never written twice.

The outbox may be filled by one process and drained by another: the Rasa process's worker only
appends (`OutboxWorker` without `ingest`), and a memory writer process (`OutboxWriter`, run by
`python -m bot memory write`) writes the events into memory, holding the outbox's writer lock
so that only one process drains it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import queue
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

from memory import services
from memory.db import MemoryUnavailable
from memory.facts import (
    DEFAULT_SLOT_FACTS,
    NO_WORDS,
    FactWords,
    facts_from_slots,
    names_the_customer,
)
from memory.files import private_file
from memory.privacy import forget_sender
from memory.records import TYPED_KEY, Exchange
from memory.store import MemoryStore

logger = logging.getLogger(__name__)

# Key under which the broker notes the action that produced a bot message (not part of the id).
ACTION_KEY = "rapport_action"
# Keys of a bot message's metadata that say why the bot answered as it did (the say-yes
# decision, a tone-guard replacement); they are kept with the exchange as its policy.
POLICY_KEYS = ("say_yes", "tone")
MAX_POLICY = 4000  # characters of policy JSON kept per exchange
MAX_TEXT = 5000
# A command, not a Rasa event: "forget this conversation's customer". The tracker store queues it
# behind the events of the turn in which the customer asked to be forgotten, so those events
# (which Rasa publishes again when it saves that turn) are forgotten too.
FORGET_SENDER = "rapport_forget_sender"
# The events `EventIngestor` writes something for (the others it passes over).
INGESTED_EVENTS = frozenset({"user", "bot", "session_started", "slot", FORGET_SENDER})
FALLBACK_INTENT = "nlu_fallback"  # Rasa's FallbackClassifier's intent
GUESSES = 3  # the unsure classifier's best guesses kept with the message
REMEMBERED_CONVERSATIONS = 10_000  # conversations whose latest customer message is kept


def forget_command(sender_id: str) -> dict[str, Any]:
    """The command event that makes the ingestor forget `sender_id`'s customer, in queue order."""
    # The time makes each command unique, so a second forget is never taken for a replay.
    return {"event": FORGET_SENDER, "sender_id": sender_id, "timestamp": time.time()}


def event_id(event: Mapping[str, Any]) -> str:
    """A stable id for an event: the same event always gets the same id."""
    content = {key: value for key, value in event.items() if key != ACTION_KEY}
    canonical = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _time(event: Mapping[str, Any]) -> datetime:
    stamp = event.get("timestamp")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        try:
            return datetime.fromtimestamp(stamp, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            logger.warning("memory: an event's timestamp %r is no time; using now", stamp)
    return datetime.now(timezone.utc)


def _entities(parse_data: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    found = []
    entities = parse_data.get("entities")
    for entity in entities if isinstance(entities, (list, tuple)) else ():
        if isinstance(entity, Mapping) and "entity" in entity:
            found.append({"entity": entity["entity"], "value": entity.get("value")})
    return tuple(found)


@dataclass
class EventIngestor:
    """Turns one tracker event into memory writes (exchanges, visits, form facts)."""

    store: MemoryStore
    slot_facts: Mapping[str, tuple[str, str]] = DEFAULT_SLOT_FACTS
    fact_words: FactWords = NO_WORDS  # the shop's words for bikes (business.yml)
    # Each conversation's latest customer message in the stream (its event id): the evidence
    # of the form answers that follow it. Events arrive in order, so this needs no clock.
    _latest_message: OrderedDict[str, str] = field(default_factory=OrderedDict, repr=False)
    # ... and its words, which say whether a name the language model took from it is the
    # customer's ("Dave here") or someone else's ("it's for my son Tom"). Kept in this process
    # only, for as many conversations as the ids.
    _latest_text: OrderedDict[str, str] = field(default_factory=OrderedDict, repr=False)

    def ingest(self, event: Mapping[str, Any]) -> bool:
        """Write what the event means for memory; True when something new was written."""
        kind = event.get("event")
        sender = event.get("sender_id")
        if not isinstance(sender, str) or not sender:
            return False
        if kind == FORGET_SENDER:
            self._latest_message.pop(sender, None)
            self._latest_text.pop(sender, None)
            forgotten = forget_sender(self.store, sender)
            logger.info("memory: forgot conversation %s (%d customers)", sender, len(forgotten))
            return bool(forgotten)
        if kind == "session_started":
            self.store.exchanges.start_conversation(sender, _time(event), event_id(event))
            return True
        if kind == "slot":
            facts = facts_from_slots(
                {str(event.get("name")): event.get("value")}, self.slot_facts, self.fact_words
            )
            extract = self.store.context.fact_extractor
            said = self._latest_text.get(sender)
            facts = [
                fact
                for fact in facts
                if fact.kind != "name" or names_the_customer(fact.value, said, extract)
            ]
            if not facts:
                return False
            customer = self.store.customers.customer_for_sender(sender, _time(event))
            evidence = self._evidence(sender, _time(event))
            for fact in facts:
                self.store.facts.record_fact(
                    customer, fact, source="form", exchange_id=evidence, at=_time(event)
                )
            return True
        exchange = self.exchange(event)
        if exchange is None:
            return False
        written = services.record_exchange(self.store, exchange)
        if exchange.speaker == "customer":
            self._latest_message[sender] = exchange.event_id
            self._latest_message.move_to_end(sender)
            self._latest_text[sender] = exchange.text or ""
            self._latest_text.move_to_end(sender)
            if len(self._latest_message) > REMEMBERED_CONVERSATIONS:
                self._latest_message.popitem(last=False)
            if len(self._latest_text) > REMEMBERED_CONVERSATIONS:
                self._latest_text.popitem(last=False)
        return written

    def _evidence(self, sender: str, at: datetime) -> int | None:
        """The exchange a form answer came from: the customer's message just before it in the
        stream, else (after a restart) their latest message at or before `at`."""
        latest = self._latest_message.get(sender)
        found = self.store.exchanges.exchange_for_event(latest) if latest is not None else None
        return (
            found
            if found is not None
            else self.store.exchanges.latest_customer_exchange(sender, at)
        )

    @staticmethod
    def exchange(event: Mapping[str, Any]) -> Exchange | None:
        """The exchange a user or bot event is, or None for other events."""
        kind = event.get("event")
        sender = str(event.get("sender_id"))
        text = event.get("text")
        text = str(text)[:MAX_TEXT] if text is not None else None
        if kind == "user":
            # A typed answer that acted as a button (bot/typed_buttons.py) keeps the words the
            # customer wrote in its metadata: those are the exchange, not the payload.
            typed = _mapping(event.get("metadata")).get(TYPED_KEY)
            if isinstance(typed, str) and typed:
                text = typed[:MAX_TEXT]
            parse = _mapping(event.get("parse_data"))
            intent = _mapping(parse.get("intent"))
            confidence = intent.get("confidence")
            return Exchange(
                event_id=event_id(event),
                sender_id=sender,
                speaker="customer",
                text=text,
                at=_time(event),
                intent=name if isinstance(name := intent.get("name"), str) else None,
                confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
                entities=_entities(parse),
                policy=_guesses(parse),
            )
        if kind == "bot":
            metadata = event.get("metadata") or {}
            agent = metadata.get("agent") if isinstance(metadata, Mapping) else None
            if text is None and not event.get("data"):
                return None
            if text is None:
                text = json.dumps(event.get("data"), default=str)[:MAX_TEXT]
            action = metadata.get("utter_action") if isinstance(metadata, Mapping) else None
            return Exchange(
                event_id=event_id(event),
                sender_id=sender,
                speaker="agent" if agent else "bot",
                text=text,
                at=_time(event),
                action=None if agent else (action or event.get(ACTION_KEY)),
                agent=str(agent)[:255] if agent else None,
                policy=None if agent else _policy(metadata),
            )
        return None


def _mapping(value: Any) -> Mapping[str, Any]:
    """`value` when it is a mapping, else an empty one (an event's parts as Rasa shapes them)."""
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> Sequence[Any]:
    """`value` when it is a list, else an empty one."""
    return value if isinstance(value, (list, tuple)) else ()


def _guesses(parse_data: Mapping[str, Any]) -> dict[str, Any] | None:
    """For a message the classifier was unsure of (`nlu_fallback`), its best guesses: what the
    review inbox shows a trainer as the intent the model guessed."""
    intent = _mapping(parse_data.get("intent"))
    if intent.get("name") != FALLBACK_INTENT:
        return None
    ranking = [
        {"intent": str(entry["name"]), "confidence": round(float(entry["confidence"]), 4)}
        for entry in _sequence(parse_data.get("intent_ranking"))
        if isinstance(entry, Mapping)
        and entry.get("name") not in (None, FALLBACK_INTENT)
        and isinstance(entry.get("confidence"), (int, float))
    ][:GUESSES]
    return {"guesses": ranking} if ranking else None


def _policy(metadata: Any) -> dict[str, Any] | None:
    """The say-yes decision and tone-guard note of a bot message, when it has them."""
    if not isinstance(metadata, Mapping):
        return None
    policy = {key: metadata[key] for key in POLICY_KEYS if isinstance(metadata.get(key), Mapping)}
    if not policy:
        return None
    if len(json.dumps(policy, default=str)) > MAX_POLICY:
        # Never lose the decision itself: keep the rung and the reason, drop the rest.
        policy = {
            key: {name: value.get(name) for name in ("kind", "rung", "reason_code", "replaced")}
            for key, value in policy.items()
        }
    return policy


def _sender_of(payload: str) -> Any:
    try:
        event = json.loads(payload)
    except ValueError:
        return None
    return event.get("sender_id") if isinstance(event, dict) else None


class Outbox:
    """A durable local queue of events (a SQLite file), in arrival order."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # One connection per thread, kept: opening one per call cost the broker's thread a
        # connect and two PRAGMAs for every put, take, done and count (docs/performance.md).
        self._connections = threading.local()
        private_file(self.path)  # the events quote what customers wrote
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS pending (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                "event_id TEXT NOT NULL UNIQUE, payload TEXT NOT NULL, attempts INTEGER "
                "NOT NULL DEFAULT 0, enqueued_at REAL NOT NULL)"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS failed (event_id TEXT PRIMARY KEY, payload TEXT "
                "NOT NULL, error TEXT NOT NULL, failed_at REAL NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection (`with` it for one transaction)."""
        conn: sqlite3.Connection | None = getattr(self._connections, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30)
            conn.execute("PRAGMA synchronous=NORMAL")
            # Delivered and forgotten events are overwritten, not left in free pages.
            conn.execute("PRAGMA secure_delete=ON")
            self._connections.conn = conn
        return conn

    def forget(self, sender_id: str) -> int:
        """Delete the set-aside events of a conversation whose customer is forgotten."""
        with self._connect() as conn:
            rows = conn.execute("SELECT event_id, payload FROM failed").fetchall()
            gone = [(key,) for key, payload in rows if _sender_of(payload) == sender_id]
            conn.executemany("DELETE FROM failed WHERE event_id = ?", gone)
        with self._connect() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(gone)

    def put(self, events: Iterable[Mapping[str, Any]]) -> int:
        """Append events (an event already waiting is not added twice); returns how many."""
        rows = [
            (event_id(event), json.dumps(dict(event), default=str), time.time()) for event in events
        ]
        with self._connect() as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO pending (event_id, payload, enqueued_at) VALUES (?, ?, ?)",
                rows,
            )
            return conn.total_changes - before

    def take(self, limit: int = 100) -> list[tuple[int, dict[str, Any]]]:
        """The oldest waiting events (they stay until `done`)."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT seq, payload FROM pending ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [(seq, json.loads(payload)) for seq, payload in rows]

    def done(self, seqs: Iterable[int]) -> None:
        with self._connect() as conn:
            conn.executemany("DELETE FROM pending WHERE seq = ?", [(seq,) for seq in seqs])

    def fail(self, seq: int, event: Mapping[str, Any], error: str) -> None:
        """Set aside an event that can never be written, so it does not block the others."""
        with self._connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO failed VALUES (?, ?, ?, ?)",
                (event_id(event), json.dumps(dict(event), default=str), error, time.time()),
            )
            conn.execute("DELETE FROM pending WHERE seq = ?", (seq,))

    def count(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT count(*) FROM pending").fetchone()[0])

    def last_seq(self) -> int:
        """The number of the latest event ever put (0 before the first)."""
        with self._connect() as conn:
            row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'pending'").fetchone()
        return int(row[0]) if row else 0

    def waiting_through(self, seq: int) -> bool:
        """Whether an event numbered `seq` or lower is still waiting to be written."""
        with self._connect() as conn:
            row = conn.execute("SELECT 1 FROM pending WHERE seq <= ? LIMIT 1", (seq,)).fetchone()
        return row is not None

    def oldest_seconds(self) -> float:
        """How long the oldest waiting event has waited (0 when none waits)."""
        with self._connect() as conn:
            row = conn.execute("SELECT min(enqueued_at) FROM pending").fetchone()
        return max(0.0, time.time() - float(row[0])) if row and row[0] is not None else 0.0

    @property
    def lock_path(self) -> Path:
        """The file whose lock the one process draining this outbox holds."""
        return self.path.with_name(self.path.name + ".writer-lock")

    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Hold the outbox's writer lock (raises `WriterRunning` when another process has it).

        The kernel releases it when the holder exits, however it exits: a killed writer never
        leaves a stale lock behind."""
        descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise WriterRunning(
                    f"another memory writer already drains {self.path}; stop it first."
                ) from None
            yield
        finally:
            os.close(descriptor)

    def writer_running(self) -> bool:
        """Whether a memory writer holds this outbox's writer lock now."""
        try:
            with self.writer_lock():
                return False
        except WriterRunning:
            return True


class WriterRunning(RuntimeError):
    """Another process already drains this outbox."""


# Errors that mean "the database is not reachable now": the event waits and is retried.
TRANSIENT_ERRORS = (OperationalError, DBAPIError, MemoryUnavailable, OSError)


class OutboxWorker:
    """A background thread: inbox (memory) -> outbox (disk) -> memory database.

    Without `ingest` it only appends to the outbox: a memory writer process drains it
    (`OutboxWriter`). `poll`: the longest wait for new events between two looks at the outbox.
    """

    def __init__(
        self,
        outbox: Outbox,
        ingest: Callable[[Mapping[str, Any]], bool] | None,
        prepare: Callable[[], None] = lambda: None,
        batch: int = 200,
        max_backoff: float = 10.0,
        destination: str = "database",
        poll: float = 0.2,
    ) -> None:
        self.outbox = outbox
        self.destination = destination  # what `ingest` writes to, for the log lines
        self.ingest = ingest
        self.poll = poll
        self.prepare = prepare  # e.g. run migrations once the database is reachable
        self.batch = batch
        self.max_backoff = max_backoff
        self.inbox: queue.SimpleQueue[Mapping[str, Any]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._idle = threading.Event()
        # Events handed over vs. taken from the inbox: idle only when they match, so an event
        # submitted while the worker is deciding it is idle is never missed by `wait_idle`.
        self._count_lock = threading.Lock()
        self._submitted = 0
        self._drained = 0
        self._prepared = False
        self._thread = threading.Thread(target=self._run, name="memory-ingest", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, event: Mapping[str, Any]) -> None:
        """Hand an event over without blocking (safe to call on an event loop)."""
        with self._count_lock:
            self._submitted += 1
            self._idle.clear()
        self.inbox.put(event)

    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is in memory to the outbox, try one last delivery, and stop."""
        self._stop.set()
        self._thread.join(timeout)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until everything submitted is in the memory database (for tests and tools);
        without `ingest`, until it is in the outbox file."""
        return self._idle.wait(timeout)

    def wait_delivered(self, timeout: float, poll: float = 0.05) -> bool:
        """Wait until everything submitted so far has left the outbox: written into memory
        by whoever drains it, this thread or a memory writer process."""
        deadline = time.monotonic() + timeout
        if not self.wait_idle(timeout):
            return False
        last = self.outbox.last_seq()
        while self.outbox.waiting_through(last):
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll)
        return True

    def _drain_inbox(self, wait: float) -> None:
        events = []
        try:
            events.append(self.inbox.get(timeout=wait))
            while len(events) < 1000:
                events.append(self.inbox.get_nowait())
        except queue.Empty:
            pass
        try:
            if events:
                self.outbox.put(events)
        finally:
            self._drained += len(events)

    def _deliver(self) -> bool:
        """Move one batch into memory; True when more may be waiting."""
        if not self._prepared:
            self.prepare()
            self._prepared = True
        delivered: list[int] = []
        assert self.ingest is not None
        try:
            for seq, event in self.outbox.take(self.batch):
                try:
                    self.ingest(event)
                    if event.get("event") == FORGET_SENDER:
                        self.outbox.forget(str(event.get("sender_id")))
                except TRANSIENT_ERRORS:
                    raise
                except Exception as error:  # a malformed event must not block the queue
                    logger.error("memory: event %s set aside: %s", seq, error)
                    self.outbox.fail(seq, event, str(error))
                    continue
                delivered.append(seq)
        finally:
            self.outbox.done(delivered)
        return len(delivered) == self.batch

    def _run(self) -> None:
        backoff = 0.0
        retry_at = 0.0
        down_since: float | None = None
        more = False
        while True:
            stopping = self._stop.is_set()
            try:
                self._drain_inbox(0.0 if stopping or more else self.poll)
            except (OSError, sqlite3.Error) as error:
                logger.error("memory: the outbox %s cannot be written: %s", self.outbox.path, error)
                time.sleep(1.0)
                continue
            if self.ingest is None:  # a memory writer process drains the outbox
                with self._count_lock:
                    if self.inbox.empty() and self._drained == self._submitted:
                        self._idle.set()
                if stopping:
                    return
                continue
            if time.monotonic() >= retry_at and self.outbox.count():
                try:
                    more = self._deliver()
                    if down_since is not None:
                        logger.warning(
                            "memory: %s back after %.0f s",
                            self.destination,
                            time.monotonic() - down_since,
                        )
                    backoff, down_since = 0.0, None
                except TRANSIENT_ERRORS as error:
                    if down_since is None:
                        down_since = time.monotonic()
                        reason = str(error).strip().splitlines()[0] if str(error) else error
                        logger.warning(
                            "memory: %s unavailable (%s); events wait in %s",
                            self.destination,
                            reason,
                            self.outbox.path,
                        )
                    more = False
                    backoff = min(max(backoff * 2, 0.25), self.max_backoff)
                    retry_at = time.monotonic() + backoff
            if self.inbox.empty() and not self.outbox.count():
                with self._count_lock:
                    if self._drained == self._submitted:
                        self._idle.set()
            if stopping:
                return


class OutboxWriter:
    """The memory writer process's work: the outbox that a Rasa process fills, into memory.

    The same worker as inside the Rasa process (back-off while memory is down, set-aside of an
    event that can never be written, forgetting in queue order), with no inbox: it looks at the
    outbox every `poll` seconds. An event leaves the outbox only after its write committed;
    one killed mid-write is written again on the next start, and its event id (unique in the
    exchange log) keeps it from being written twice.
    """

    def __init__(
        self,
        outbox: Outbox,
        ingest: Callable[[Mapping[str, Any]], bool],
        prepare: Callable[[], None] = lambda: None,
        poll: float = 0.05,
        max_backoff: float = 10.0,
    ) -> None:
        self.outbox = outbox
        self.worker = OutboxWorker(
            outbox, ingest, prepare=prepare, poll=poll, max_backoff=max_backoff
        )

    def run(self, stop: threading.Event) -> None:
        """Drain the outbox until `stop` is set (raises `WriterRunning` when another process
        drains it already)."""
        with self.outbox.writer_lock():
            self.worker.start()
            while not stop.is_set() and self.worker.alive():
                stop.wait(1.0)
            self.worker.stop()
