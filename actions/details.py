"""Details the customer gives outside a form ("it's A1234", "gravel", "I'm Sam"): use them.

An `inform` message means the customer is answering something. What it answers depends on what
the bot just asked, so this action looks at the previous action and at the entities given.
"""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base, own_bike, waiting
from actions.base import DomainDict, Events, ShopAction
from actions.booking_changes import ahead_of, made_this_session, own_bookings, says_change
from actions.complaints import answer_complaint_detail
from actions.fallback import follow_up_of_the_previous_turn, main_menu
from actions.forms import parse_day
from actions.orders import (
    answer_repair_status,
    answer_status,
    reference_from,
    reference_in_message,
)
from actions.ownership import asker_of
from actions.shop import (
    BUY_ACTION,
    COMPLAINT_ACTION,
    HOURS_ACTION,
    about_the_product_before,
    answer_price_match,
    answer_product,
    answer_recommendation,
    day_after_hours,
    picked_from_the_list,
    reports_fault,
)
from voice.business import Business

WAITING_ACTION = "action_waiting_reply"


REPAIR_FORM = "repair_form"


def moves_booking_day(tracker: Tracker, shop: Business, booked: bool = False) -> bool:
    """Whether the message moves the day of a repair booked in this session ("make it
    wednesday", read as a detail), or of one booked earlier when `booked` (the customer has a
    booking still ahead): the repair form then changes that booking."""
    text = str((tracker.latest_message or {}).get("text") or "")
    names_day = parse_day(text, base.today(shop), shop.vocabulary.days) is not None
    return (
        names_day and says_change(text, names_day) and (booked or bool(made_this_session(tracker)))
    )


async def has_booking_ahead(tracker: Tracker, shop: Business) -> bool:
    """Whether the customer has a repair booked through the bot whose day is still ahead."""
    booked_here = (await base.services()).bookings()
    own = await asyncio.to_thread(own_bookings, booked_here, await asker_of(tracker))
    return bool(ahead_of(own, base.today(shop)))


class ActionUseDetails(ShopAction):
    """Routes details given outside a form to the question they answer."""

    def name(self) -> str:
        return "action_use_details"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        asked = base.previous_action(tracker)
        if day_after_hours(tracker, shop):  # "and sunday?" after the hours
            return [FollowupAction(HOURS_ACTION)]
        if asked == WAITING_ACTION and await waiting.added_to_the_message(dispatcher, tracker):
            return []  # right after the message for the team was taken: more of it
        named = base.latest_entity_values(tracker, "order_id") or reference_in_message(tracker)
        if named or asked in ("action_order_status", "action_repair_status"):
            reference = reference_from(tracker)
            if asked == "action_repair_status":
                return await answer_repair_status(dispatcher, shop, tracker, reference)
            if reference is not None:
                return await answer_status(dispatcher, shop, tracker, reference)
        if asked == "action_price_match":  # the price (or the item) they saw it cheaper for
            return await answer_price_match(dispatcher, shop, tracker, base.named_product(tracker))
        moves = moves_booking_day(tracker, shop) or (
            moves_booking_day(tracker, shop, booked=True) and await has_booking_ahead(tracker, shop)
        )
        if moves:  # "make it wednesday" after a booking here, or "move my booking to friday"
            return [FollowupAction(REPAIR_FORM)]
        if base.acted_last_turn(tracker, COMPLAINT_ACTION):  # "it's the blue one": its detail
            return await answer_complaint_detail(dispatcher, tracker, shop)
        text = (tracker.latest_message or {}).get("text")
        bike_types = base.latest_entity_values(tracker, "bike_type")
        if bike_types:  # "road, about £800": a budget said with it counts
            return await answer_recommendation(dispatcher, shop, bike_types[-1], text=text)
        followed = await follow_up_of_the_previous_turn(dispatcher, tracker, shop, text)
        if followed is not None:  # "budget about 800" after bikes, a size after a product...
            return followed
        picked = picked_from_the_list(shop, tracker, text)
        if picked is not None:  # "the first one" right after several were recommended
            return [SlotSet("product", picked), FollowupAction(BUY_ACTION)]
        theirs = own_bike.own_bikes_said(shop, tracker)
        products = [
            value
            for value in base.latest_entity_values(tracker, "product")
            if not own_bike.is_own_bike(shop, tracker, value)
        ]
        if theirs and not products:  # "I ride a <bike>, ...": their bike, noted, never sold
            kept = await own_bike.keep_own_bike(shop, tracker)
            own_bike.say_own_bike_noted(dispatcher, theirs[0])
            return kept
        if not products and about_the_product_before(shop, tracker, text):
            return [FollowupAction(BUY_ACTION)]  # "the blue one" right after several
        if products and await reports_fault(text):
            return [FollowupAction(COMPLAINT_ACTION)]
        if products:
            return await answer_product(dispatcher, shop, tracker, products[-1])
        if base.latest_entity_values(tracker, "PERSON") and tracker.get_slot("customer_name"):
            dispatcher.utter_message(response="utter_nice_to_meet_you")
            return []
        if await waiting.added_to_the_message(dispatcher, tracker):
            return []  # nothing the bot can use: more for the message left for the team
        dispatcher.utter_message(response="utter_details_unclear", buttons=main_menu(shop))
        return []
