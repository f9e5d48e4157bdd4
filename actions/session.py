"""Session start: who the customer is, and what the relationship memory knows about them.

`action_session_start` identifies the customer (the widget channel's verified `customer_id` in
the message metadata, else the conversation's sender id), reads their relationship card once,
and puts what the conversation needs into slots (name, stage, the open issue, a promise that is
due, their bike, their aspiration, news about an idea they shared). The greeting and the forms
then read the slots: no database work on every turn. When the memory is down the session still
starts, as if the customer were new, and the log says why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.base import DomainDict, Events

# The slots a new session keeps, each with the reason it is kept. Every other slot holds a
# turn's working values (a form's answers, an entity of one message, a turn marker) or what the
# session start reads afresh from memory, and a new session starts without it. A slot is carried
# only when it is listed here with a reason (tests/unit/actions/test_slot_carry_over.py walks
# every slot of the domain); docs/personal.md lists them.
CARRIED_OVER: Mapping[str, str] = MappingProxyType(
    {
        "customer_name": "the name the customer gave in this chat: a new visit still greets "
        "them by it when the memory cannot be reached (the session start replaces it with the "
        "memory's)",
        "customer_id": "who is signed in, set by the channel for the whole chat; the session "
        "start sets it again from the verified identity",
        "order_check_misses": "wrong order details given so far: a new session brings no new "
        "guesses at someone else's order",
        "preferences": "what the customer told us they like in this chat, shown back by 'what "
        "do you know about me' when the memory is down",
        "aspirations": "the goals the customer told us in this chat, for the same reason",
        "ideas": "the ideas the customer shared in this chat, for the same reason",
    }
)
# A promise counts as due when its time is this close (or past).
PROMISE_DUE_WITHIN = dt.timedelta(days=1)
# The states of a customer's idea that a returning customer hears about, and the greeting of each.
IDEA_GREETINGS = {
    "acknowledged": "utter_greet_returning_idea_acknowledged",
    "planned": "utter_greet_returning_idea_planned",
    "done": "utter_greet_returning_idea_done",
    "declined": "utter_greet_returning_idea_declined",
}
IDEA_STATES = tuple(IDEA_GREETINGS)
QUOTE_CHARS = 120
# A greeting names an open issue in a few words, never the customer's whole complaint.
ISSUE_WORDS = 8
DANGLING_WORDS = frozenset({"a", "an", "and", "but", "of", "on", "or", "the", "to", "with"})
# Words of a clause that says how the customer feels rather than what went wrong.
FEELINGS = frozenset(
    {"unhappy", "disappointed", "annoyed", "angry", "frustrated", "upset", "furious", "complain",
     "complaint", "rubbish", "terrible", "awful", "shocking", "unacceptable"}
)  # fmt: skip


@dataclass(frozen=True)
class Remembered:
    """What a session needs from the relationship card (plain values, easy to fake in tests)."""

    known: bool = False
    name: str | None = None
    stage: str = "new"
    at_risk: bool = False
    open_issue: str | None = None
    due_promise: str | None = None
    bike: str | None = None
    aspiration: str | None = None
    idea: str | None = None
    idea_state: str | None = None
    idea_reason: str | None = None
    loyalty_status: str | None = None
    visits: int = 0

    def slots(self) -> dict[str, Any]:
        return {
            "known_customer": self.known,
            "relationship_stage": self.stage,
            "at_risk": self.at_risk,
            "open_issue": self.open_issue,
            "due_promise": self.due_promise,
            "known_bike": self.bike,
            "aspiration": self.aspiration,
            "idea_update": self.idea,
            "idea_state": self.idea_state,
            "idea_reason": self.idea_reason,
        }


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split()).rstrip(" .!")
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text


def short_summary(text: str, words: int = ISSUE_WORDS) -> str:
    """A few words that name an issue: its first clause that says what is wrong, not how it feels.

    "I'm really unhappy with my repair, the gears on my Trek still slip" -> "the gears on my
    Trek still slip"; a longer clause keeps its first `words` words and ends in "…".
    """
    clauses = [clause.strip() for clause in re.split(r"[,.;:!?]+", text) if clause.strip()]
    if not clauses:
        return " ".join(text.split())
    specific = next(
        (clause for clause in clauses if not set(re.findall(r"[a-z]+", clause.lower())) & FEELINGS),
        clauses[0],
    )
    kept = specific.split()
    if len(kept) <= words:
        return " ".join(kept)
    kept = kept[:words]
    while len(kept) > 1 and kept[-1].lower() in DANGLING_WORDS:
        kept.pop()  # "…squeal after the repair…", not "…the repair and…"
    return " ".join(kept) + "…"


def idea_news(
    store: Any, customer_id: int, since: dt.datetime | None
) -> tuple[str, str, str | None] | None:
    """The idea whose state changed since the last visit: (its words, its new state, the note
    the shop gave with the change, such as why it was declined)."""
    from sqlalchemy import select

    from memory import schema

    query = (
        select(
            schema.feedback.c.id,
            schema.feedback.c.text,
            schema.feedback.c.state,
            schema.feedback.c.updated_at,
        )
        .where(
            schema.feedback.c.customer_id == customer_id,
            schema.feedback.c.state != "received",
        )
        .order_by(schema.feedback.c.updated_at.desc())
        .limit(1)
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
        if row is None or row.state not in IDEA_STATES:
            return None
        if since is not None and row.updated_at < since.astimezone(dt.timezone.utc).replace(
            tzinfo=None
        ):
            return None
        note = conn.execute(
            select(schema.feedback_states.c.note)
            .where(schema.feedback_states.c.feedback_id == row.id)
            .order_by(schema.feedback_states.c.id.desc())
            .limit(1)
        ).scalar()
    return quote(row.text), str(row.state), quote(note) if note else None


def read_remembered(
    store: Any, sender_id: str, external_id: str | None, now: dt.datetime
) -> Remembered:
    """What the memory knows about this customer (synchronous: run it in a worker thread)."""
    card = store.cards.card_for_sender(sender_id)
    if card is None and external_id:
        store.customers.link_identity(sender_id, external_id)
        card = store.cards.card_for_sender(sender_id)
    # Someone the memory has never heard from (or only just opened a visit for) is new.
    if card is None or card.last_seen is None:
        return Remembered()
    issue = card.open_issues[-1].summary if card.open_issues else None
    due = next(
        (
            promise.text
            for promise in card.promises_due
            if promise.overdue or (promise.due_at and promise.due_at <= now + PROMISE_DUE_WITHIN)
        ),
        None,
    )
    bikes = [fact.value for fact in card.preferences if fact.kind == "bike"]
    news = idea_news(store, card.customer_id, card.last_seen)
    return Remembered(
        known=True,
        name=card.name,
        stage=card.stage,
        at_risk=card.at_risk,
        open_issue=short_summary(issue) if issue else None,
        due_promise=quote(due) if due else None,
        bike=bikes[0] if bikes else None,
        aspiration=quote(card.aspirations[0]) if card.aspirations else None,
        idea=news[0] if news else None,
        idea_state=news[1] if news else None,
        idea_reason=news[2] if news else None,
        loyalty_status=card.loyalty_status,
        visits=card.visits,
    )


def held_by_a_person(store: Any, sender_id: str) -> bool:
    """Whether an agent holds this conversation (synchronous: run it in a worker thread)."""
    handoff = store.handoffs.open_for(sender_id)
    return handoff is not None and handoff.state == "claimed"


def identity(tracker: Tracker) -> tuple[str | None, str | None]:
    """(verified customer id, name) from the widget channel's metadata, else (None, None).

    Only the server's word counts: the channel sets `verified` after checking the signature.
    """
    metadata = tracker.get_slot("session_started_metadata") or {}
    if not isinstance(metadata, dict) or metadata.get("verified") is not True:
        return None, None
    customer = metadata.get("customer_id")
    name = metadata.get("customer_name")
    return (str(customer) if customer else None), (str(name) if name else None)


def carried_over(tracker: Tracker, domain: DomainDict) -> Events:
    """The previous session's slots that a new session keeps (the domain's session config)."""
    config = domain.get("session_config") or {}
    if not config.get("carry_over_slots_to_new_session", True):
        return []
    return [
        SlotSet(name, value)
        for name, value in (tracker.slots or {}).items()
        if name in CARRIED_OVER and value is not None
    ]


class ActionSessionStart(Action):
    """Starts a session with the customer's relationship card loaded into slots."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        events: Events = [SessionStarted(), *carried_over(tracker, domain)]
        try:
            external_id, channel_name = identity(tracker)
            shop = await base.load_business()
            remembered = await base.with_memory(
                read_remembered,
                tracker.sender_id,
                external_id,
                base.now(shop).astimezone(dt.timezone.utc),
                conversation=tracker.sender_id,
                default=Remembered(),
            )
            remembered = remembered or Remembered()
            if external_id:
                events.append(SlotSet("customer_id", external_id))
            name = remembered.name or channel_name or tracker.get_slot("customer_name")
            if name and (remembered.known or channel_name):
                events.append(SlotSet("customer_name", name))
            events += [SlotSet(slot, value) for slot, value in remembered.slots().items()]
        except Exception:  # the session must start whatever happens; the log gets the details
            base.logger.exception("session start incomplete for %s", tracker.sender_id)
        events.append(ActionExecuted("action_listen"))
        # Rasa starts a new session after a silence, and a new session un-pauses the chat: an
        # agent who holds it keeps it, and the bot stays quiet until they hand it back.
        if await base.with_memory(
            held_by_a_person, tracker.sender_id, conversation=tracker.sender_id, default=False
        ):
            events.append(ConversationPaused())
        return events
