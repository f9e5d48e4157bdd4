"""Handing the conversation to a person from the team.

`action_handoff` is where every request for a person arrives (the `request_human` intent, the
last rung of the fallback ladder, "reserve it for me" buttons). For now it tells the customer
honestly what happens next (a person picks the chat up; how to reach the team directly, and
when) and records the request in the `handoff_requested` slot. The handoff issue builds the
queue and the agent console behind it: it should extend this action (put the conversation in
the queue, pause the bot) and keep the customer-facing promise the same.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.base import DomainDict, Events, ShopAction
from actions.shop import team_hours_text
from voice.business import Business


class ActionHandoff(ShopAction):
    """Tells the customer a person will pick this up, when, and how to reach the team now."""

    def name(self) -> str:
        return "action_handoff"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        place = shop.locations[0]
        dispatcher.utter_message(
            response="utter_handoff",
            team_hours=team_hours_text(shop, base.now(shop)),
            phone=place.phone,
            email=place.email,
        )
        return [SlotSet("handoff_requested", True)]
