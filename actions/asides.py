"""A question asked in the middle of a form is answered, and a booking request that wishes no
repair does not start the repair form.

Inside a form, a message read as another request ("what time do the rides leave?", "do you
sell child seats?") is answered by the action the content's rules give its intent, and the
form's question is put again after it: the validation keeps the question quiet for this turn
and names the answer as the follow-up action, and Rasa runs the still active form again after
it, which asks. Requests that start a form of their own or hand the chat over keep their own
rules (`KEEP_THEIR_OWN`).

A message read as a booking request starts the repair form only when it wishes a bike repaired
or serviced: words of the business file's `vocabulary.repair_wish`, one of its repairs named,
or a fault described. Otherwise ("do I need to book or just turn up?", "can I come in for a
fitting") the form stops before its first question and the message is answered as the
language model's next reading of it.

Which action answers an intent is read from the content's rules (`data/rules/`, a rule of one
intent and one action without conditions), so a new intent with its rule is answered inside a
form too, with no code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet

from actions.exits import HINT_SLOT, REQUEST_INTENTS

# Requests answered by a rule of their own inside a form (a person, a stop, a cancel) or that
# start a form themselves: never answered as an aside.
KEEP_THEIR_OWN = frozenset(
    {
        "book_repair", "return_request", "order_status", "repair_status", "request_human",
        "forget_me", "export_my_data", "cancel_booking", "deny",
    }
)  # fmt: skip
# What answers a booking request that wishes no repair and that no other reading answers.
NO_READING = "out_of_scope"
REQUESTED_SLOT = "requested_slot"
# The follow-up when the validation has answered itself: nothing more, the bot listens.
LISTEN = "action_listen"


def rule_answers(rules: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The action that answers each intent, from rules of one intent and one action without
    conditions (the first such rule of an intent)."""
    answers: dict[str, str] = {}
    for rule in rules:
        steps = rule.get("steps") or []
        if rule.get("condition") or len(steps) != 2:
            continue
        intent, action = steps[0].get("intent"), steps[1].get("action")
        if intent and action and not steps[0].get("entities"):
            answers.setdefault(str(intent), str(action))
    return answers


def read_rules(rules_dir: Path) -> list[Mapping[str, Any]]:
    """The rules of every file in `rules_dir` (synchronous: it reads files)."""
    found: list[Mapping[str, Any]] = []
    for path in sorted(rules_dir.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found.extend(rule for rule in content.get("rules") or [] if isinstance(rule, dict))
    return found


def aside_answer(tracker: Tracker, answers: Mapping[str, str]) -> str | None:
    """The action that answers the latest message as a request of its own inside a form, or
    None when it has no such answer (or keeps its own rules)."""
    intent = str(((tracker.latest_message or {}).get("intent") or {}).get("name") or "")
    if intent not in REQUEST_INTENTS or intent in KEEP_THEIR_OWN:
        return None
    return answers.get(intent)


def aside_events(slot: str, answer: str) -> list[EventType]:
    """The form's question for `slot` kept quiet this turn, and `answer` run next; the form
    asks again after it."""
    return [SlotSet(slot, None), SlotSet(HINT_SLOT, slot), FollowupAction(answer)]


def _said(words: str, phrases: Iterable[str]) -> bool:
    return any(
        re.search(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", words) for phrase in phrases if phrase
    )


def wishes_repair(words: Iterable[str], text: str, names_repair: bool) -> bool:
    """Whether a booking request wishes a bike repaired or serviced: a button's payload, one of
    the repair-wish `words` or a repair named (`names_repair`). Without repair-wish words in
    the business file, every request does."""
    wish = tuple(words)
    plain = " ".join(str(text or "").lower().replace("\u2019", "'").split())
    if not wish or not plain or plain.startswith("/"):
        return True
    return names_repair or _said(plain, wish)


def next_reading(
    tracker: Tracker, answers: Mapping[str, str], not_this: str, aside: bool = False
) -> str | None:
    """The action that answers the latest message as the language model's next reading of it
    (its ranking after `not_this`), among requests with a rule of their own (for an `aside`
    in a form, never one that keeps its own rules); None when there is none."""
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    for entry in ranking:
        intent = str(entry.get("name") or "")
        if intent == not_this or intent not in REQUEST_INTENTS:
            continue
        if aside and intent in KEEP_THEIR_OWN:
            continue
        if intent in answers:
            return answers[intent]
    return None


def not_started_events(slots: Iterable[str], answer: str) -> list[EventType]:
    """The form ended before its first question (nothing it collected kept), and `answer` run
    instead."""
    return [
        *(SlotSet(slot, None) for slot in slots),
        SlotSet(HINT_SLOT, None),
        SlotSet(REQUESTED_SLOT, None),
        FollowupAction(answer),
    ]
