"""Small moments of connection: what the customer likes, dreams of, and suggests.

The customer's own words are kept in the conversation's slots (`preferences`, `aspirations`,
`ideas`) and acknowledged warmly; the relationship memory takes them from there across visits.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.base import DomainDict, Events, ShopAction
from voice.business import Business

# Longest piece of the customer's words that is quoted back to them.
QUOTE_CHARS = 140


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
        words = customer_words(tracker)
        values = {self.variable: f"“{words}”"} if self.variable else {}
        dispatcher.utter_message(response=self.response, **values)
        if words:
            await base.with_memory(
                self.record, tracker.sender_id, words, conversation=tracker.sender_id
            )
        return remember(tracker, self.slot_name, words)

    def record(self, store: Any, sender_id: str, words: str) -> None:
        """Keep the words in the relationship memory beyond the message log (a worker thread).

        Preferences and aspirations need nothing here: the memory finds them in the message
        itself (memory/facts.py) as the event broker logs it.
        """


class ActionNotePreference(NoteAction):
    """Remembers what the customer likes ("I prefer gravel", "I ride early mornings")."""

    slot_name, response, variable = "preferences", "utter_noted_preference", "preference"

    def name(self) -> str:
        return "action_note_preference"


class ActionNoteAspiration(NoteAction):
    """Remembers what the customer dreams of ("I'm training for my first century")."""

    slot_name, response, variable = "aspirations", "utter_noted_aspiration", "aspiration"

    def name(self) -> str:
        return "action_note_aspiration"


class ActionNoteFeedback(NoteAction):
    """Collects the customer's idea or suggestion and acknowledges it (co-creation)."""

    slot_name, response, variable = "ideas", "utter_noted_idea", ""

    def name(self) -> str:
        return "action_note_feedback"

    def record(self, store: Any, sender_id: str, words: str) -> None:
        """Ideas go to the team's list; a later visit tells the customer what became of it."""
        store.add_feedback(store.customer_for_sender(sender_id), "idea", words)
