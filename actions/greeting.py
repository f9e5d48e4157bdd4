"""Greeting by relationship: a warm welcome for someone new, a personal one for someone known.

The choice is a plain function (`choose_greeting`) over the slots the session start loaded from
the relationship card. A returning customer is greeted by name with at most one reference, the
most important first: an open issue, a promise that is due, news about their idea, then the
small talk (their aspiration, their bike). At-risk customers hear an apology and get a person
first; loyal customers and advocates hear thanks and their perks. A customer whose name the
memory does not know gets the new-customer welcome: never addressed as if known. A greeting in
the middle of a visit that began before the memory knew them ("hey it's me again" after
"I'm Tom") reads the memory again. The words are
domain responses (`utter_greet_*`), so trainers edit the voice there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.base import DomainDict, Events, ShopAction
from actions.session import IDEA_GREETINGS, IDEA_STATES, read_remembered
from memory.facts import looks_like_name
from voice.business import Business

LOYAL_STAGES = ("loyal", "advocate")


@dataclass(frozen=True)
class Greeting:
    response: str
    values: dict[str, Any] = field(default_factory=dict)


def perks_text(shop: Business) -> str:
    rewards = sorted(shop.loyalty.rewards, key=lambda reward: reward.points)
    return shop.wording.join(reward.name for reward in rewards[:2])


def filling(template: str, name: str, text: str) -> str | None:
    """What `{name}` stands for in `text` written from `template` (the one placeholder it
    holds), or None when `text` was not written from it. Compared as the greeting's slots keep
    text: spaces joined, the end trimmed, maybe cut short."""

    def tidy(words: str) -> str:
        return " ".join(words.split()).rstrip(" .!")

    before, marker, after = template.partition("{" + name + "}")
    if not marker:
        return None
    start, end, said = " ".join(before.split()), tidy(after), tidy(text)
    if before[-1:].isspace():
        start += " "
    if not said.startswith(start) or not said.endswith(end) or len(said) <= len(start + end):
        return None
    return said[len(start) : len(said) - len(end)].strip() or None


def reply_promise_told(shop: Business, promise: str) -> str | None:
    """A reply promised when the customer left a message, in words written for them ("We
    promised to get back to you about ..."); None for any other promise. The memory keeps it in
    the team's words ("A person from the team gets back to the customer about: ..."), for the
    agents' card, never to be read out to the customer."""
    subject = filling(shop.template("promise_reply_about"), "subject", promise)
    if subject is not None:
        return shop.template("promise_told_reply_about").format(subject=subject)
    plain = shop.template("promise_reply")
    if " ".join(promise.split()).rstrip(" .!") == " ".join(plain.split()).rstrip(" .!"):
        return shop.template("promise_told_reply")
    return None


def promise_told(shop: Business, promise: str) -> str:
    """How a returning customer hears a promise that is due: a reply promised in their own
    words, any other promise quoted as it was made."""
    told = reply_promise_told(shop, promise)
    return told if told is not None else shop.template("promise_told").format(promise=promise)


def choose_greeting(slots: dict[str, Any], shop: Business) -> Greeting:
    """The greeting for this relationship (response name and its variables)."""
    full_name = str(slots.get("customer_name") or "").strip()
    if not looks_like_name(full_name):
        full_name = ""  # a postcode or a reference the language model took for a name
    name = full_name.split()[0] if full_name else None  # "Sam", as a friend would say it
    if not slots.get("known_customer") or not name:
        # Their name only when they have just told us (this message), never from a guess.
        return (
            Greeting("utter_greet_new_named", {"name": name})
            if name
            else Greeting("utter_greet_new")
        )
    issue = slots.get("open_issue")
    if slots.get("at_risk"):
        if issue:
            return Greeting("utter_greet_at_risk_issue", {"name": name, "issue": issue})
        return Greeting("utter_greet_at_risk", {"name": name})
    if issue:
        return Greeting("utter_greet_returning_issue", {"name": name, "issue": issue})
    if slots.get("due_promise"):
        return Greeting(
            "utter_greet_returning_promise",
            {"name": name, "promise": promise_told(shop, str(slots["due_promise"]))},
        )
    if slots.get("idea_update") and slots.get("idea_state") in IDEA_STATES:
        if slots["idea_state"] == "declined" and slots.get("idea_reason"):
            # The shop said why: the customer hears the reason, not only the no.
            return Greeting(
                "utter_greet_returning_idea_declined_reason",
                {"name": name, "idea": slots["idea_update"], "reason": slots["idea_reason"]},
            )
        return Greeting(
            IDEA_GREETINGS[slots["idea_state"]],
            {"name": name, "idea": slots["idea_update"]},
        )
    if slots.get("relationship_stage") in LOYAL_STAGES:
        return Greeting(
            "utter_greet_loyal",
            {"name": name, "programme": shop.loyalty.programme, "perks": perks_text(shop)},
        )
    if slots.get("aspiration"):
        return Greeting(
            "utter_greet_returning_aspiration", {"name": name, "aspiration": slots["aspiration"]}
        )
    if slots.get("known_bike"):
        return Greeting("utter_greet_returning_bike", {"name": name, "bike": slots["known_bike"]})
    return Greeting("utter_greet_returning", {"name": name})


class ActionGreet(ShopAction):
    """Greets the customer the way their relationship with the shop deserves."""

    def name(self) -> str:
        return "action_greet"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        slots = dict(tracker.slots or {})
        events: Events = []
        introducing = bool(base.latest_entity_values(tracker, "PERSON"))  # "hi, I'm Tom"
        if not slots.get("known_customer") and not introducing:
            # The session started before the memory knew them (they gave their name in this
            # visit): "hey it's me again" reads the memory again rather than welcoming a stranger.
            remembered = await base.with_memory(
                read_remembered,
                tracker.sender_id,
                None,
                base.now(shop).astimezone(dt.timezone.utc),
                conversation=tracker.sender_id,
            )
            if remembered is not None and remembered.known and remembered.name:
                found = {**remembered.slots(), "customer_name": remembered.name}
                slots.update(found)
                events = [SlotSet(slot, value) for slot, value in found.items()]
        greeting = choose_greeting(slots, shop)
        dispatcher.utter_message(response=greeting.response, **greeting.values)
        return events
