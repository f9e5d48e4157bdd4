"""The values that go into and come out of the memory store (plain dataclasses, no database)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from memory.rules import Reason

SPEAKERS = ("customer", "bot", "agent")
# Kinds of fact where a newer value replaces the older one (per key); the others accumulate.
SINGLE_VALUED_KINDS = ("name", "riding_style", "size")
FACT_KINDS = ("name", "bike", "riding_style", "favourite_product", "size", "aspiration")
FACT_SOURCES = ("message", "form", "agent")
ISSUE_KINDS = ("complaint", "problem")
ISSUE_STATES = ("open", "resolved", "closed")
PROMISE_STATES = ("open", "kept", "broken", "cancelled")
FEEDBACK_KINDS = ("feedback", "idea")
FEEDBACK_STATES = ("received", "acknowledged", "planned", "done", "declined")
# The key of a customer message's metadata that keeps the customer's own words when a typed
# answer acted as one of the bot's buttons (bot/typed_buttons.py): the exchange log and the
# widget's history show those words, not the button's payload.
TYPED_KEY = "typed"


class UnknownCustomer(LookupError):
    """No customer has this id."""


def utc(moment: datetime) -> datetime:
    """`moment` as naive UTC, the way the database stores it (naive input is taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def aware(moment: datetime | None) -> datetime | None:
    """A stored naive-UTC time as an aware UTC datetime."""
    return None if moment is None else moment.replace(tzinfo=timezone.utc)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Exchange:
    """One message in a conversation, as the exchange log records it."""

    event_id: str  # stable id of the event; the same id is never written twice
    sender_id: str
    speaker: str  # customer, bot or agent
    text: str | None
    at: datetime
    intent: str | None = None
    confidence: float | None = None
    entities: tuple[dict[str, Any], ...] = ()
    action: str | None = None  # the response or action that produced a bot message
    agent: str | None = None  # the agent who wrote an agent message
    # Why the bot answered as it did: {"say_yes": decision, "tone": replacement}, or None.
    policy: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.speaker not in SPEAKERS:
            raise ValueError(f"speaker {self.speaker!r} is not one of {SPEAKERS}")
        if not self.event_id or len(self.event_id) > 64:
            raise ValueError("an exchange needs an event id of 1 to 64 characters")


@dataclass(frozen=True)
class ExtractedFact:
    """A fact found in a message or a form value, before it is stored."""

    kind: str
    value: str
    key: str = ""
    confidence: float = 0.8

    def __post_init__(self) -> None:
        if self.kind not in FACT_KINDS:
            raise ValueError(f"fact kind {self.kind!r} is not one of {FACT_KINDS}")


@dataclass(frozen=True)
class FactView:
    id: int
    kind: str
    key: str
    value: str
    source: str
    confidence: float
    recorded_at: datetime | None
    exchange_id: int | None
    superseded_at: datetime | None = None


@dataclass(frozen=True)
class IssueView:
    id: int
    kind: str
    summary: str
    state: str
    opened_at: datetime | None


@dataclass(frozen=True)
class PromiseView:
    id: int
    text: str
    due_at: datetime | None
    state: str
    overdue: bool


@dataclass(frozen=True)
class ExchangeView:
    speaker: str
    text: str | None
    at: datetime | None
    intent: str | None = None
    action: str | None = None
    agent: str | None = None
    policy: dict[str, Any] | None = None


@dataclass(frozen=True)
class RelationshipCard:
    """What the bot and the agents need to know about one customer, in one read."""

    customer_id: int
    external_id: str | None
    name: str | None
    stage: str
    at_risk: bool
    reasons: tuple[Reason, ...]  # codes with data; the business file words them
    balance: float
    visits: int
    first_seen: datetime | None
    last_seen: datetime | None
    last_topics: tuple[str, ...]
    open_issues: tuple[IssueView, ...]
    promises_due: tuple[PromiseView, ...]
    preferences: tuple[FactView, ...]
    aspirations: tuple[str, ...]
    loyalty_status: str | None
    satisfaction_trend: str
    recent_ratings: tuple[int, ...]
    last_exchanges: tuple[ExchangeView, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The card as JSON-ready values (times as ISO 8601 text)."""

        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            if isinstance(value, (list, tuple)):
                return [plain(item) for item in value]
            return value

        return plain(asdict(self))  # type: ignore[no-any-return]
