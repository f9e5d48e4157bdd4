"""Every question a form asks has a way out, and none is asked a third time in a row.

One ladder for every form slot, driven by a table of responses (`Exit`), never by per-slot code:

1. the first answer the form can't take: the question again, explained with an example;
2. the second one, or "I don't know", "I don't have it", "skip" at any point: the way out,
   either going on without it (the slot gets a value that means "not given") or another way
   to find it (an offer the customer can say yes to);
3. a miss after that offer: the form stops asking and a person finishes it (the slot is marked
   `UNKNOWN`; the form's submit action offers the person).

Which rung comes next is read from what the bot has said in this run of the form (the example,
the way out, and how many times the question was put, counting a question asked again after
the customer asked something else), so the ladder needs no counter slot and a new run of the
form starts afresh. Coming back to a question put twice already, after such an aside, the form
takes the way out instead of asking it a third time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import base

HINT_SLOT = "form_hint_for"
# A form slot's value when the customer couldn't give it: the form goes on without it.
UNKNOWN = "unknown"
CANT_ANSWER_INTENT = "dont_know"
# "I don't know", "dunno", "no idea", "skip": said as the whole (short) answer when the
# language model read the message as something else. Longer messages are left to the model
# ("not sure what's wrong, it clicks when I pedal" is an answer).
_CANT_ANSWER = re.compile(
    r"^(?:(?:um+|er+|well|sorry|honestly|oh|ah|hmm+|no)[\s,.]+)*"
    r"(?:i\s+)?(?:(?:really\s+)?(?:do\s*n[o']?t|dont|don't)\s+(?:know|have\s+(?:it|one|that)|remember)"
    r"|dunno|no\s+(?:idea|clue)|not\s+(?:a\s+clue|sure)|(?:have\s*n[o']?t|havent)\s+(?:got\s+)?"
    r"(?:a\s+clue|got\s+(?:it|one))|can'?t\s+remember|skip(?:\s+(?:it|that|this(?:\s+one)?))?|pass)"
    r"(?:[\s,.!]+(?:sorry|mate|tbh|to\s+be\s+honest))*[\s.!?]*$",
    re.IGNORECASE,
)
_MAX_CANT_ANSWER_WORDS = 8
# A plain "no" as the whole answer: "no", "nope", "no I don't", "no, I don't have one", "nah
# sorry". The language model reads it as `deny` (stop the form); to a question whose `Exit`
# says so (`no_means_not_given`), it means "I don't have it" instead. A "no" with anything
# more ("no, forget it", "no thanks, I'll leave it") is left a change of mind.
_PLAIN_NO = re.compile(
    r"^(?:no+|nope|nah|naw|not\s+really|none|no\s+i\s+(?:do\s*n[o']?t|dont|have\s*n[o']?t|havent))"
    r"(?:[\s,.!]+(?:sorry|mate|i\s+(?:do\s*n[o']?t|dont|have\s*n[o']?t|havent|do\s+not|have\s+not)"
    r"(?:\s+(?:have|got))?(?:\s+(?:it|one|that|them|any))?))*[\s.!]*$",
    re.IGNORECASE,
)

EXAMPLE, WAY_OUT, PERSON = 1, 2, 3

# Intents that ask the bot for something: a message read as one of them is a request, not the
# answer to a form's question ("what do you know about me" to "Which bike is it?"). The intent
# that started the form is left out: "I need to book it in, it's a Trek" answers the question.
REQUEST_INTENTS = frozenset(
    {
        "order_status", "buy_product", "price_match", "product_recommendation", "book_repair",
        "repair_status", "return_request", "ask_returns_policy", "ask_repair_service",
        "loyalty_balance", "redeem_reward", "community_events", "request_human",
        "what_do_you_know", "forget_me", "export_my_data", "ask_hours", "ask_location",
    }
)  # fmt: skip
FORM_INTENTS = {"repair_form": "book_repair", "return_form": "return_request"}
# How sure the language model must be that an answer is another request.
REQUEST_CONFIDENCE = 0.6
# The start of a message that asks or requests something of its own ("when is…", "can you…",
# "i want to…", "tell me…").
_NEW_REQUEST_START = re.compile(
    r"^(?:what|whats|what's|when|whens|when's|where|wheres|where's|which|who|why|how|hows|"
    r"do|does|are|is|can|could|will|would|shall|any|got|have\s+you|i\s+(?:want|need)\s+to|"
    r"i'd\s+like|id\s+like|i\s+would\s+like|tell\s+me|show\s+me|book|cancel|stop|help)\b"
)


@dataclass(frozen=True)
class Exit:
    """A form question's ladder: `example` asks again with an example; `way_out` is said when
    the form goes on another way, with the slot set to `value` (`None`: the way out is an
    offer, the slot stays empty, and a miss after it hands the form to a person)."""

    example: str
    way_out: str | None
    value: str | None = UNKNOWN
    # The example names the choices ("order #A1234 has ... which one?"): worth saying even to
    # "I don't know", before the way out.
    shows_choices: bool = False
    # A plain "no" answers this question with "I don't have it" ("What's the order number?"
    # "nope"), not "stop the form".
    no_means_not_given: bool = False


def cant_answer(tracker: Tracker) -> bool:
    """Whether the latest message says the customer can't or won't answer the question."""
    if base.latest_intent(tracker) == CANT_ANSWER_INTENT:
        return True
    text = " ".join(str((tracker.latest_message or {}).get("text") or "").split())
    text = text.replace("\u2019", "'")
    return len(text.split()) <= _MAX_CANT_ANSWER_WORDS and bool(_CANT_ANSWER.match(text))


def says_plain_no(tracker: Tracker) -> bool:
    """Whether the latest message is a plain "no" and nothing more ("nope", "no I don't")."""
    text = " ".join(str((tracker.latest_message or {}).get("text") or "").split())
    return bool(_PLAIN_NO.match(text.replace("\u2019", "'")))


def no_as_not_given(tracker: Tracker, exit_: Exit | None) -> Tracker | None:
    """A "no" that answers the form's question with "I don't have it": the same turn read as
    "I don't know" (intent `dont_know`, the words as the question's candidate answer), so the
    question's own ladder takes it. A plain "no" counts whatever the language model read it
    as; a `deny` counts when its words say "I don't have it". None when the turn is no such
    "no" (then `deny` stops the form as usual). The one rule for every form question whose
    `Exit` allows it."""
    slot = tracker.get_slot("requested_slot")
    message = tracker.latest_message or {}
    plain_no = says_plain_no(tracker)
    denied = base.latest_intent(tracker) == "deny" and (plain_no or cant_answer(tracker))
    if exit_ is None or not exit_.no_means_not_given or not slot or not (denied or plain_no):
        return None
    read = tracker.copy()
    intent = {**(message.get("intent") or {}), "name": CANT_ANSWER_INTENT}
    read.latest_message = {**read.latest_message, "intent": intent}
    read.add_slots([{"event": "slot", "name": slot, "value": message.get("text")}])
    return read


def not_given(tracker: Tracker, value: Any) -> bool:
    """Whether a form slot's candidate `value` says the customer can't answer: the value that
    means so, or the whole message is "I don't know" (a value picked out of the message, such
    as a bike named in "not sure, a Trek I think", is an answer)."""
    if value is None or str(value) == UNKNOWN:
        return True
    text = " ".join(str((tracker.latest_message or {}).get("text") or "").split())
    return cant_answer(tracker) and " ".join(str(value).split()) == text


def _plain(text: Any) -> str:
    return " ".join(re.sub(r"[^\w@#/']+", " ", str(text or "").lower()).split())


def offered_choices(tracker: Tracker) -> set[str]:
    """The titles and payloads, as plain words, of the buttons for a request ("Book a free
    check", "/book_repair") the bot offered in this session before its latest question (that
    question's own buttons answer it)."""
    earlier: set[str] = set()
    latest: set[str] = set()
    users = 0
    for event in reversed(tracker.events or []):
        if event.get("event") == "session_started":
            break
        if event.get("event") == "user":
            users += 1
        if event.get("event") != "bot" or users == 0:
            continue
        data = event.get("data") or {}
        for button in [*(data.get("buttons") or []), *(data.get("quick_replies") or [])]:
            payload = str(button.get("payload") or "")
            if payload[1:].split("{")[0] not in REQUEST_INTENTS or not payload.startswith("/"):
                continue  # an answer ("yes", "/affirm"), not a request
            words = {_plain(button.get("title")), _plain(payload)} - {""}
            (latest if users == 1 else earlier).update(words)
    return earlier - latest


def starts_something_else(text: str) -> bool:
    """Whether a message reads as a question or a request of its own ("when's the next
    ride?", "can I book a service"), not as a description ("it hurts on long rides")."""
    plain = _plain(text)
    return "?" in str(text) or bool(_NEW_REQUEST_START.match(plain))


def is_request(
    tracker: Tracker, value: Any, labels: Iterable[str] = (), described: bool = False
) -> bool:
    """Whether the latest message, given to a form's question as `value`, asks for something
    instead of answering it: the title or payload of a button the bot offered, one of the
    shop's menu labels (`labels`), or the whole message read as another request (a value
    picked out of it, such as a bike it names, is an answer). Such words are never kept as
    the question's answer (nor remembered as a fact). When the question asked for a
    description in the customer's words (`described`: a reason, what is wrong), the whole
    message is another request only when it reads as a question or a request of its own."""
    text = _plain((tracker.latest_message or {}).get("text"))
    if not text:
        return False
    if text in offered_choices(tracker) or text in {_plain(label) for label in labels}:
        return True
    if _plain(value) != text:
        return False
    if described and not starts_something_else(str((tracker.latest_message or {}).get("text"))):
        return False
    entities = (tracker.latest_message or {}).get("entities") or []
    if any(_plain(entity.get("value")) == text for entity in entities):
        return False  # the whole message is a value the NLU found ("C3309"): an answer
    form = (tracker.active_loop or {}).get("name")
    read = (tracker.latest_message or {}).get("intent") or {}
    intent, confidence = read.get("name"), read.get("confidence")
    sure = isinstance(confidence, (int, float)) and confidence >= REQUEST_CONFIDENCE
    return sure and intent in REQUEST_INTENTS and intent != FORM_INTENTS.get(str(form))


def form_run_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The events of the form's current run (since it was activated), oldest first."""
    events = list(tracker.events or [])
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "active_loop":
            return events[index + 1 :] if event.get("name") else []
    return events


def said_in_form(tracker: Tracker) -> list[str]:
    """The responses the bot said in this run of the form, oldest first."""
    return [
        str((event.get("metadata") or {}).get("utter_action"))
        for event in form_run_events(tracker)
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action")
    ]


def times_asked(tracker: Tracker, slot: str, exit_: Exit) -> int:
    """How many times the question for `slot` was put in this run of the form: asked (in any
    of its wordings, `utter_ask_<slot>...`) or explained with its example. A question asked
    again after the customer asked something else counts too."""
    return sum(
        1
        for response in said_in_form(tracker)
        if response.startswith(f"utter_ask_{slot}") or response == exit_.example
    )


def rung_reached(tracker: Tracker, exit_: Exit, slot: str | None = None) -> int:
    """How far down its ladder this question has gone in this run of the form: 0 (asked),
    EXAMPLE (explained with an example, or put twice already) or WAY_OUT (the way out was
    said)."""
    said = said_in_form(tracker)
    if exit_.way_out and exit_.way_out in said:
        return WAY_OUT
    if exit_.example in said or (slot and times_asked(tracker, slot, exit_) >= 2):
        return EXAMPLE
    return 0


def next_rung(tracker: Tracker, exit_: Exit, slot: str | None = None) -> int:
    """The rung for an answer the form can't take: one further down than the last, and at
    least the way out when the customer says they can't answer."""
    rung = rung_reached(tracker, exit_, slot) + 1
    if not cant_answer(tracker):
        return rung
    return rung if exit_.shows_choices else max(rung, WAY_OUT)


def explain(dispatcher: CollectingDispatcher, slot: str, response: str, **values: Any) -> dict:
    """Say what the form needs for `slot` (a question), and keep the form's question quiet."""
    dispatcher.utter_message(response=response, **values)
    return {slot: None, HINT_SLOT: slot}


def missed(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    slot: str,
    exit_: Exit,
    also: dict[str, Any] | None = None,
    **values: Any,
) -> dict[str, Any]:
    """The answer to `slot`'s question can't be taken: the next rung of its ladder. `also`:
    other slots the way out sets (the form's other path); `values` fill the responses."""
    rung = next_rung(tracker, exit_, slot)
    if rung == EXAMPLE:
        return explain(dispatcher, slot, exit_.example, **values)
    if exit_.value is not None:  # the form goes on without it
        if exit_.way_out is not None and rung == WAY_OUT:
            dispatcher.utter_message(response=exit_.way_out, **values)
        return {slot: exit_.value, **(also or {})}
    if rung == WAY_OUT and exit_.way_out is not None:  # an offer: open for a yes
        dispatcher.utter_message(response=exit_.way_out, **values)
        return {slot: None, HINT_SLOT: slot, **(also or {})}
    # Nothing more to ask: the form ends here and its submit action offers a person.
    return {slot: UNKNOWN, **(also or {})}


def asked_enough(tracker: Tracker, slot: str, exit_: Exit | None) -> bool:
    """Whether the form is back at `slot`'s question, unanswered, after the customer asked
    something else, and the question was put twice already: a third time is never asked.
    Only for a question the form can go on without (`exit_.value`)."""
    return (
        exit_ is not None
        and exit_.value is not None
        and tracker.get_slot(slot) is None
        and tracker.latest_action_name not in (None, "action_listen")
        and times_asked(tracker, slot, exit_) >= 2
    )


def go_on_without(dispatcher: CollectingDispatcher, slot: str, exit_: Exit) -> dict[str, Any]:
    """The question's way out, said, and the form goes on without the answer."""
    if exit_.way_out is not None:
        dispatcher.utter_message(response=exit_.way_out)
    return {slot: exit_.value}


def phrase(domain: dict[str, Any], response: str) -> str:
    """The words of a one-phrase response (how a record names what the customer couldn't say)."""
    variations = (domain.get("responses") or {}).get(response) or [{}]
    return str(variations[0].get("text") or "")
