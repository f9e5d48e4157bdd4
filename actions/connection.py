"""Small moments of connection: what the customer likes, dreams of, suggests, and how they rate us.

The customer's own words are kept in the conversation's slots (`preferences`, `aspirations`,
`ideas`) and acknowledged warmly; the relationship memory takes them from there across visits.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.base import DomainDict, Events, ShopAction
from memory.facts import FactExtractor
from voice.asked import is_question, says_a_phrase, says_trouble
from voice.business import Business
from voice.catalogue import words_of

logger = logging.getLogger(__name__)

# Said when a message sounds like a goal but none can be read in it.
UNCLEAR_GOAL = "utter_noted_aspiration_unclear"
# Longest piece of the customer's words that is quoted back to them.
QUOTE_CHARS = 140
# A preference message this short is said back whole ("I prefer gravel"); a longer one only
# by the taste the memory reads in it.
SHORT_PREFERENCE_WORDS = 6
# The kinds of fact the memory reads that are tastes (memory/facts.py).
TASTES = ("riding_style", "favourite_product", "size")
# Thanks for a preference with nothing to quote back.
UNQUOTED_PREFERENCE = "utter_noted_preference_unquoted"
# What the workshop does and costs: the answer to a fault said as if it were a taste.
REPAIR_SERVICE_ACTION = "action_tell_repair_service"


def customer_words(tracker: Tracker) -> str:
    text = " ".join(str((tracker.latest_message or {}).get("text") or "").split())
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return text


def remember(tracker: Tracker, slot: str, words: str) -> list:
    kept = list(tracker.get_slot(slot) or [])
    if words and words not in kept:
        kept.append(words)
    return [SlotSet(slot, kept)]


class NoteAction(ShopAction):
    """Keeps the customer's words in a list slot and thanks them with a response."""

    slot_name = ""
    response = ""
    variable = ""

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        words = await self.words_of(tracker)
        values = {self.variable: f"“{self.echo(words)}”"} if self.variable else {}
        dispatcher.utter_message(response=self.response, **values)
        if words:
            await base.with_memory(
                self.record, tracker.sender_id, words, conversation=tracker.sender_id
            )
        return remember(tracker, self.slot_name, words)

    async def words_of(self, tracker: Tracker) -> str:
        """What is kept and quoted back: the customer's message (shortened)."""
        return customer_words(tracker)

    def echo(self, words: str) -> str:
        """The kept words as the bot quotes them back."""
        return words

    def record(self, store: Any, sender_id: str, words: str) -> None:
        """Keep the words in the relationship memory beyond the message log (a worker thread).

        Preferences and aspirations need nothing here: the memory finds them in the message
        itself (memory/facts.py) as the event broker logs it.
        """


class ActionNotePreference(NoteAction):
    """Remembers what the customer likes ("I prefer gravel", "I ride early mornings").

    What is kept and said back is the preference in the customer's own few words: a short
    message whole, or what the memory reads as a taste in a longer one (a riding style, a
    favourite, a size); a longer message the memory reads no taste in is thanked for without
    a quote and not kept.
    A message that says something is wrong ("it has started squealing") is a fault, never a
    preference: it gets the workshop's answer."""

    slot_name, response, variable = "preferences", "utter_noted_preference", "preference"

    def name(self) -> str:
        return "action_note_preference"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        text = customer_words(tracker)
        if says_trouble(shop, text) and not await self.taste_in(text):
            return [FollowupAction(REPAIR_SERVICE_ACTION)]  # a fault, never kept as a taste
        if not await self.words_of(tracker):
            dispatcher.utter_message(response=UNQUOTED_PREFERENCE)
            return []
        return await super().answer(dispatcher, tracker, domain, shop)

    async def words_of(self, tracker: Tracker) -> str:
        """The preference said back and kept: a short message whole ("I like gravel"), else
        the taste the memory reads in it; nothing for a longer message with none."""
        text = customer_words(tracker)
        if len(text.split()) <= SHORT_PREFERENCE_WORDS:
            return text
        return await self.taste_in(text) or ""

    async def taste_in(self, text: str) -> str | None:
        """The first taste the memory reads in a message ("gravel", "a medium"), or None."""
        try:
            extractor = (await base.services()).fact_extractor()
            found = await asyncio.to_thread(extractor.extract, text)
        except Exception:  # the language pipeline failed: no taste read
            logger.exception("could not read a preference in a message")
            return None
        tastes = [fact.value.strip() for fact in found if fact.kind in TASTES and fact.value]
        return tastes[0] if tastes else None


class ActionNoteAspiration(NoteAction):
    """Remembers what the customer dreams of ("I'm training for my first century")."""

    slot_name, response, variable = "aspirations", "utter_noted_aspiration", "aspiration"

    def name(self) -> str:
        return "action_note_aspiration"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        if not await self.words_of(tracker):
            # No goal read in the message: nothing is kept, and the customer is asked for it.
            dispatcher.utter_message(response=UNCLEAR_GOAL)
            return []
        return await super().answer(dispatcher, tracker, domain, shop)

    async def words_of(self, tracker: Tracker) -> str:
        """The goal itself, as the memory reads it ("100 mile sportive in May"), not the whole
        message with its greeting; nothing when no goal is found in it (a whole message kept
        as a goal is remembered wrong)."""
        text = customer_words(tracker)
        try:
            extractor = (await base.services()).fact_extractor()
            found = await asyncio.to_thread(goal_in, text, extractor)
        except Exception:  # the language pipeline failed: nothing is kept
            logger.exception("could not read the goal in a message")
            found = None
        return found or ""

    def echo(self, words: str) -> str:
        """Said back to the customer: "my first century" is "your first century"."""
        return re.sub(r"^my\b", "your", words, flags=re.IGNORECASE)


def goal_in(text: str, extractor: FactExtractor) -> str | None:
    """The first goal a message states, in the customer's words ("my first century")."""
    goals = [fact.value for fact in extractor.extract(text) if fact.kind == "aspiration"]
    return goals[0].strip() if goals else None


# The answer to thanks read as an idea: you're welcome, and we'd love to see them.
THANKED_NOT_AN_IDEA = "utter_youre_welcome_see_you"
# How many words from the start a thanks opens the message within ("oh thank you").
THANKS_WITHIN = 3


def thanks_not_an_idea(shop: Business, text: str | None) -> bool:
    """Whether a message read as an idea opens by thanking the bot and suggests nothing (none
    of the business file's `vocabulary.suggesting` words): thanks, maybe with a plan to visit,
    never an idea to pass to the team."""
    said = words_of(text or "")
    thanks = {word for phrase in shop.vocabulary.ack_thanks for word in words_of(phrase)}
    if not any(word in thanks for word in said[:THANKS_WITHIN]):
        return False
    return not says_a_phrase(shop.vocabulary.suggesting, text)


class ActionNoteFeedback(NoteAction):
    """Collects the customer's idea or suggestion and acknowledges it (co-creation)."""

    slot_name, response, variable = "ideas", "utter_noted_idea", ""

    def name(self) -> str:
        return "action_note_feedback"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        text = (tracker.latest_message or {}).get("text")
        if thanks_not_an_idea(shop, text):
            # "Thank you, you've been very kind, I might pop in": thanks and a plan, no idea.
            dispatcher.utter_message(response=THANKED_NOT_AN_IDEA)
            return []
        if is_question(shop, text):
            # "he shouldn't ride it till then, right?" read as an idea: a question is not one,
            # and thanking it as a great idea answers nothing. No guessing: who can tell them.
            place = shop.locations[0]
            dispatcher.utter_message(
                response="utter_fallback_dont_know", phone=place.phone, email=place.email
            )
            return []
        return await super().answer(dispatcher, tracker, domain, shop)

    def record(self, store: Any, sender_id: str, words: str) -> None:
        """Ideas go to the team's list; a later visit tells the customer what became of it."""
        store.feedback.add_feedback(store.customers.customer_for_sender(sender_id), "idea", words)


# "I rate this conversation 4 out of 5" (the widget's stars) or "5 stars" typed by hand.
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_SCORE = re.compile(
    r"\b([1-5]|one|two|three|four|five)\s*(?:/\s*5|out of (?:5|five)|stars?\b)", re.IGNORECASE
)
LOW_RATING = 2  # at or below this, the team is offered to follow up


def rating_given(tracker: Tracker) -> int | None:
    """The score of the customer's rating: the widget's metadata first, then their words."""
    message = tracker.latest_message or {}
    score = (message.get("metadata") or {}).get("rating")
    if isinstance(score, int) and not isinstance(score, bool) and 1 <= score <= 5:
        return score
    for value in base.latest_entity_values(tracker, "rating"):  # a rating button's payload
        if value.isdigit() and 1 <= int(value) <= 5:
            return int(value)
    found = _SCORE.search(str(message.get("text") or ""))
    if found is None:
        return None
    said = found.group(1).lower()
    return _NUMBERS[said] if said in _NUMBERS else int(said)


def record_rating(store: Any, sender_id: str, score: int) -> int:
    """Keep the rating with the customer's relationship (call in a worker thread)."""
    return int(store.feedback.rate(store.customers.customer_for_sender(sender_id), score))


class ActionRateConversation(ShopAction):
    """A rating of the conversation: kept in memory; a low one is met with an offer of a person."""

    def name(self) -> str:
        return "action_rate_conversation"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        score = rating_given(tracker)
        if score is None:
            dispatcher.utter_message(response="utter_ask_rating")
            return []
        await base.with_memory(
            record_rating, tracker.sender_id, score, conversation=tracker.sender_id
        )
        stars = f"{score} star{'s' if score != 1 else ''}"
        if score <= LOW_RATING:
            dispatcher.utter_message(response="utter_rating_low", stars=stars)
        else:
            dispatcher.utter_message(response="utter_rating_thanks", stars=stars)
        return []
