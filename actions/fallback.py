"""The fallback ladder: when the bot doesn't understand, it never leaves the customer stuck.

A message in another language is told, in one line, that the chat is in English, with the
shop's phone and email. Before the first rung, listen: a message the bot did not understand
but whose feeling is negative (read by bot.feelings.FeelingCheck) is answered with a question
(is it something that went wrong, or shall a person help?), never with "say it another way".
Then look: when the message names something in the catalogue or one of the shop's facts (a
product, a repair, a clinic, a ride, the hours...), ask whether that is what the customer means
("Are you asking about our opening hours?"), with a yes that asks for it and a no, on any rung:
after two misses "sorry, english: do you have electric bikes?" is still asked about, not
offered a person.
Before looking, read the previous turn: right after the rides, "ok for a beginner?" is about
those rides; right after an answer, a lone "?" or "and that?" asks that answer again. A product
named as the catalogue writes it in a price, stock or reserving question is answered, not asked
about; right after a product, such a question that names nothing is about that product. A
budget after bikes, a size after a product, "how many days?" after a repair, a test ride on a
day and a time to come in are answered from the previous turn (actions/follow_ups.py); a fault
in the customer's own words gets no guess at its cause, but the workshop and a booking.
A question that names nothing of the shop's ("any student discount?") is answered honestly: the
bot doesn't know, and a person can tell (the phone, the email, or bringing one in).
Rung 1: ask to rephrase, with the two closest guesses as buttons. Rung 2 (the second miss in a
row, or anything out of scope): offer the main things the bot can do. Rung 3: offer a person,
which routes to the handoff. While a message left for the team in this visit waits, a message
the bot does not read is added to it instead ("it's the rear one"). The rung is counted from
the conversation itself (the misses in a row at its end), so a message the bot understands
starts the ladder again.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base, follow_ups, own_bike, waiting
from actions.base import DomainDict, Events, ShopAction
from actions.forms import booking_time_said
from actions.orders import repair_estimate
from actions.shop import (
    BUY_ACTION,
    CLEAR_NAME,
    COMPLAINT_ACTION,
    EVENTS_ACTION,
    HOURS_ACTION,
    about_the_product_before,
    answer_fault,
    answer_product,
    day_after_hours,
    picked_from_the_list,
    points_at_something_said,
    product_named_just_before,
    recommended_before,
    reports_fault,
    rides_just_listed,
)
from actions.shop_records import normalise_reference
from voice.asked import (
    asked_about_the_thing_before,
    asks_after_a_product,
    asks_to_try,
    is_question,
    owned_things,
    points_back_only,
)
from voice.business import Business, RepairService
from voice.catalogue import Catalogue, Match, words_of
from voice.other_language import looks_foreign
from voice.say_yes import SayYesError

MISSED_INTENTS = ("nlu_fallback", "out_of_scope")
LADDER_ACTION = "action_fallback_ladder"
OFFER_PERSON = "utter_fallback_offer_person"
DID_YOU_MEAN = "utter_fallback_did_you_mean"
# Intents that are never offered as a guess: they mean nothing on their own as a button.
NOT_GUESSES = {*MISSED_INTENTS, "affirm", "deny", "inform", "greet", "goodbye", "thank"}
GUESSES = 2
# The actions that only answer, so a lone "?" or "and that?" right after one may ask it again;
# never one that records or books something.
ANSWERS = frozenset(
    {
        HOURS_ACTION,
        BUY_ACTION,
        EVENTS_ACTION,
        "action_tell_location",
        "action_tell_repair_service",
        "action_tell_returns_policy",
        "action_recommend_product",
        "action_loyalty_balance",
        "action_order_status",
        "action_repair_status",
    }
)
# The actions that ask for an order number or repair reference when none was given: a
# reference typed alone right after one is its answer.
ASKS_A_REFERENCE = frozenset({"action_order_status", "action_repair_status"})
# A reference alone: "48213", "#A1234", "its A1234", "order 48213 pls".
_REFERENCE_ALONE = re.compile(
    r"^(?:(?:it'?s|its|it\s+is|order|ref(?:erence)?|number|no\.?|the)\s+)*#?\s*(?P<ref>[\w-]+)"
    r"(?:\s+(?:pls|please|thanks|ta|thx))?[\s.!]*$",
    re.IGNORECASE,
)


def reference_alone(text: str | None) -> bool:
    """Whether a message is only an order number or repair reference (with a word or two
    around it), in the shop's format."""
    found = _REFERENCE_ALONE.match(" ".join(str(text or "").split()))
    return found is not None and normalise_reference(found.group("ref")) is not None


# The key bot.feelings.FeelingCheck records its reading under in the message's parse data.
FEELING = "feeling"


def misses_in_a_row(tracker: Tracker) -> int:
    """How many of the customer's latest messages in a row the bot did not understand."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        if intent not in MISSED_INTENTS:
            break
        count += 1
    return count


def rung(tracker: Tracker) -> int:
    """Which rung of the ladder this miss is on (1, 2 or 3)."""
    misses = misses_in_a_row(tracker)
    if base.latest_intent(tracker) == "out_of_scope":
        misses += 1  # understood but not ours: skip the rephrasing, show what we can do
    return max(1, min(3, misses))


def guesses(tracker: Tracker, shop: Business) -> list[dict[str, str]]:
    """Buttons for the closest intents the customer may have meant."""
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    buttons = []
    for entry in ranking:
        intent = entry.get("name")
        label = shop.menu_label(intent) if intent and intent not in NOT_GUESSES else None
        if label:
            buttons.append({"title": label, "payload": f"/{intent}"})
        if len(buttons) == GUESSES:
            break
    return buttons


def sounds_unhappy(tracker: Tracker) -> bool:
    """Whether the feeling check read the latest message as negative."""
    feeling = (tracker.latest_message or {}).get(FEELING) or {}
    return bool(feeling.get("negative"))


def best_guess(shop: Business, text: str | None) -> Match | None:
    """The one thing of the shop's a message names, when it names one clearly; never the
    customer's own bike said in passing ("I ride a <bike>")."""
    if not text or text.startswith("/"):
        return None
    theirs = {match.item.name for match in owned_things(shop, text)}
    found = [match for match in Catalogue.of(shop).mentioned(text) if match.item.name not in theirs]
    if not found:
        return None
    if len(found) > 1 and found[1].score == found[0].score and found[1].said == found[0].said:
        return None  # two things named by the same words: the rephrasing rung asks better
    return found[0]


def names_a_product_clearly(guess: Match) -> bool:
    """Whether a guess is a product named by its own name or synonym, written (nearly) as the
    catalogue writes it: not a kind of thing ("a lock") nor a name with typos."""
    return guess.item.kind == "product" and guess.how == "name" and guess.score >= CLEAR_NAME


def did_you_mean_buttons(shop: Business, guess: Match) -> list[dict[str, str]]:
    """A yes that asks for the item straight away, and a no that shows what the bot can do. The
    yes to a repair books it (its price and time are in the question)."""
    item = guess.item
    title = shop.template("did_you_mean_yes")
    if item.kind == "product":
        value = json.dumps({"product": item.name})
        payload = f"/buy_product{value}"
    else:
        payload = f"/{item.intent}"
    if estimate_of(shop, guess) is not None:
        title = shop.template("did_you_mean_book", title)
    return [
        {"title": title, "payload": payload},
        {"title": shop.template("did_you_mean_no"), "payload": "/deny"},
    ]


def estimate_of(shop: Business, guess: Match) -> str | None:
    """A guessed repair's usual price and time in the shop's words; None for anything else, or
    for a shop whose business file does not word an estimate."""
    target = guess.item.target
    if guess.item.kind != "repair" or not isinstance(target, RepairService):
        return None
    if "repair_estimate" not in shop.templates:
        return None
    return repair_estimate(shop, target)


def ask_did_you_mean(dispatcher: CollectingDispatcher, shop: Business, guess: Match) -> Events:
    """Ask "Are you asking about our {item}?", with a repair's usual price and time. A product
    asked about is then the one talked about ("how much is it?" straight after)."""
    buttons = did_you_mean_buttons(shop, guess)
    estimate = estimate_of(shop, guess)
    if estimate is not None:
        dispatcher.utter_message(
            response="utter_fallback_did_you_mean_repair",
            item=guess.item.name,
            estimate=estimate,
            buttons=buttons,
        )
        return []
    dispatcher.utter_message(response=DID_YOU_MEAN, item=guess.item.name, buttons=buttons)
    return [SlotSet("product", guess.item.name)] if guess.item.kind == "product" else []


def asked_did_you_mean(tracker: Tracker) -> bool:
    """Whether the bot's previous turn asked "Are you asking about our ...?"."""
    return any(
        (event.get("metadata") or {}).get("utter_action") == DID_YOU_MEAN
        for event in base.previous_turn_events(tracker)
        if event.get("event") == "bot"
    )


def previous_bot_text(tracker: Tracker) -> str:
    """What the bot said in its previous turn, as one text."""
    return " ".join(
        str(event.get("text") or "")
        for event in base.previous_turn_events(tracker)
        if event.get("event") == "bot"
    )


def already_clear(shop: Business, tracker: Tracker, guess: Match, text: str | None) -> bool:
    """Whether the thing a message names is already clear from the conversation, so asking
    "Are you asking about our ...?" would only ask again: the bot has just asked that question
    (never twice in a row), the thing is the product talked about or one just recommended, or a
    product is being talked about and the question points back at it ("any discount on it")."""
    if asked_did_you_mean(tracker) and guess.item.name in previous_bot_text(tracker):
        return True
    talked_about = tracker.get_slot("product")
    listed = [product.name for product in recommended_before(shop, tracker)]
    if guess.item.name == talked_about or guess.item.name in listed:
        return True
    points_back = points_at_something_said(shop, text)
    return bool(talked_about or listed) and points_back and is_question(shop, text)


def only_points_back(shop: Business, text: str) -> bool:
    """Whether a message's words only point back or start a question (nothing more asked)."""
    vocabulary = shop.vocabulary
    saying_nothing = {
        word
        for phrase in (*vocabulary.pointing_back, *vocabulary.question_starts)
        for word in words_of(phrase)
    }
    return set(words_of(text)) <= saying_nothing


async def answer_what_is_clear(
    dispatcher: CollectingDispatcher, tracker: Tracker, shop: Business, guess: Match
) -> Events:
    """A question about a thing already clear, answered rather than asked about again: a price,
    stock or reserving question is that product's answer; anything else (a comparison, a
    discount) the bot does not know: it says so, and who can tell."""
    text = (tracker.latest_message or {}).get("text")
    product = shop.find_product(guess.item.name) if guess.item.kind == "product" else None
    if product is None and tracker.get_slot("product"):
        product = shop.find_product(str(tracker.get_slot("product")))
    # (A test ride of it was answered before: `ride_asked_after_a_product`.)
    # Only a price, stock or reserving question once the thing's own words are set aside ("how
    # much are the <kind> ones"); one that asks more ("any discount if I buy it") is not.
    own_words = set(words_of(guess.said)) | {
        word for phrase in shop.vocabulary.bike_words for word in words_of(phrase)
    }
    rest = " ".join(word for word in words_of(text or "") if word not in own_words)
    if product is not None and asked_about_the_thing_before(shop, rest):
        return [SlotSet("product", product.name), FollowupAction(BUY_ACTION)]
    if product is not None and only_points_back(shop, rest):
        # The thing named again ("the <kind> one?"): about that product.
        return [SlotSet("product", product.name), FollowupAction(BUY_ACTION)]
    place = shop.locations[0]
    dispatcher.utter_message(
        response="utter_fallback_dont_know", phone=place.phone, email=place.email
    )
    return []


def main_menu(shop: Business) -> list[dict[str, Any]]:
    buttons = [
        {"title": item.label, "payload": f"/{item.intent}"} for item in shop.menu if item.main
    ]
    buttons.append(
        {
            "title": shop.menu_label("request_human") or shop.template("button_talk_to_person"),
            "payload": "/request_human",
        }
    )
    return buttons


async def _reports_fault(text: str | None) -> bool:
    """Whether the message reports a fault with something bought here; False for a shop whose
    business file has no say-yes rules (and so no fault words): the ladder must still answer."""
    try:
        return await reports_fault(text)
    except SayYesError:
        return False


async def ride_asked_after_a_product(
    dispatcher: CollectingDispatcher, tracker: Tracker, shop: Business, text: str | None
) -> Events | None:
    """The one place a test ride asked for after a product is decided, or None when the
    message asks for none or no product is clear. After a product ("could I try it tomorrow"):
    the buying answer about it, as the hours answer hands it on. Without one, a thing the
    message names that is already clear (one of the bikes just recommended: "could I have a go
    on one of the <kind> ones"): the shop's yes to the ride with that bike; when that thing is
    no bike, which bike."""
    if not (shop.policies.test_rides and asks_to_try(shop, text)):
        return None
    if tracker.get_slot("product"):
        return [FollowupAction(BUY_ACTION)]
    guess = best_guess(shop, text)
    if guess is None or not already_clear(shop, tracker, guess, text):
        return None
    product = shop.find_product(guess.item.name) if guess.item.kind == "product" else None
    if product is None or not product.is_bike:
        dispatcher.utter_message(
            response="utter_test_ride_which", test_rides=shop.policies.test_rides
        )
        return []
    dispatcher.utter_message(response="utter_test_ride", test_rides=shop.policies.test_rides)
    return await answer_product(dispatcher, shop, tracker, product.name)


async def follow_up_of_the_previous_turn(
    dispatcher: CollectingDispatcher, tracker: Tracker, shop: Business, text: str | None
) -> Events | None:
    """The answer to a short message that the previous turn makes clear, or None: a budget
    after bikes, a size after a product, "how many days?" after a repair, a test ride, a time
    of day to come in."""
    if follow_ups.budget_for_the_bikes_before(shop, tracker, text):  # "budget about 800"
        return [FollowupAction(follow_ups.RECOMMEND_ACTION)]
    product = follow_ups.spec_for_the_product_before(shop, tracker, text)
    if product is not None:  # "700x28 presta" right after that product
        return follow_ups.say_spec_asked(dispatcher, shop, product)
    if follow_ups.asks_how_long(shop, text) and follow_ups.service_talked_about(shop, tracker):
        return [FollowupAction(follow_ups.REPAIR_SERVICE_ACTION)]  # "how many days?"
    ride = await ride_asked_after_a_product(dispatcher, tracker, shop, text)
    if ride is not None:  # "could I try it tomorrow" after a bike
        return ride
    if is_question(shop, text) and follow_ups.names_a_time_of_day(shop, tracker, text):
        # "i can come after 4 o'clock is ok?": the hours answer it.
        return [FollowupAction(HOURS_ACTION)]
    return None


async def answer_fallback(
    dispatcher: CollectingDispatcher, tracker: Tracker, shop: Business
) -> Events:
    """Answer a message the bot could not act on, one rung further up each time."""
    intent = base.latest_intent(tracker)
    if intent == "deny":  # the customer declined the person: back to what the bot can do
        dispatcher.utter_message(response="utter_try_again", buttons=main_menu(shop))
        # "No" to "Are you asking about our ...?": that product is not the one talked about.
        return [SlotSet("product", None)] if asked_did_you_mean(tracker) else []
    if intent in MISSED_INTENTS and day_after_hours(tracker, shop):  # "ok what about tmrw"
        return [FollowupAction(HOURS_ACTION)]
    step = rung(tracker) if intent in MISSED_INTENTS else 2
    text = (tracker.latest_message or {}).get("text")
    if intent == "nlu_fallback" and await waiting.added_to_the_message(dispatcher, tracker):
        return []  # a message for the team waits in this visit: this is more of it
    if intent == "nlu_fallback" and looks_foreign(text):
        place = shop.locations[0]
        dispatcher.utter_message(
            response="utter_fallback_english_only", phone=place.phone, email=place.email
        )
        return []
    if intent in MISSED_INTENTS and await booking_time_said(dispatcher, tracker, shop):
        return []  # "after 4 o'clock ok?" once booked: any time that day, with its hours
    if intent in MISSED_INTENTS and await _reports_fault(text):
        # A fault with something bought from the shop ("the one I bought on saturday stopped
        # working") is a complaint, not a question about the item, even when it also sounds unhappy.
        return [FollowupAction(COMPLAINT_ACTION)]
    if intent in MISSED_INTENTS:
        if rides_just_listed(shop, tracker) is not None:  # "ok for a beginner?" after the rides
            return [FollowupAction(EVENTS_ACTION)]
        answered = base.previous_action(tracker)
        if answered in ANSWERS and points_back_only(shop, text):  # "and that?", "?"
            return [FollowupAction(str(answered))]
        if answered in ASKS_A_REFERENCE and reference_alone(text):  # "48213" to "which order?"
            return [FollowupAction(str(answered))]
        followed = await follow_up_of_the_previous_turn(dispatcher, tracker, shop, text)
        if followed is not None:
            return followed
    if (
        intent in MISSED_INTENTS
        and follow_ups.describes_a_fault(shop, text)
        and (is_question(shop, text) or not sounds_unhappy(tracker))
        and not own_bike.own_bikes_said(shop, tracker)  # their bike named: noted first, below
    ):
        # "it keeps slipping, what's causing that?": a mechanic's job, never a guess.
        return answer_fault(dispatcher, shop, text)
    if intent in MISSED_INTENTS and misses_in_a_row(tracker) <= 1 and sounds_unhappy(tracker):
        dispatcher.utter_message(response="utter_fallback_sounds_wrong")
        return []
    if intent in MISSED_INTENTS:
        # Whatever came before: a message that names one thing of the shop's clearly is asked
        # about, not met with the menu or the offer of a person.
        guess = best_guess(shop, text)
        if (
            guess is not None
            and names_a_product_clearly(guess)
            and asks_after_a_product(shop, text)
        ):
            # "how much is the <name>?": the NLU was unsure, the question is not: the answer.
            return [SlotSet("product", guess.item.name), FollowupAction(BUY_ACTION)]
        if guess is not None and already_clear(shop, tracker, guess, text):
            return await answer_what_is_clear(dispatcher, tracker, shop, guess)
        if guess is not None:
            return ask_did_you_mean(dispatcher, shop, guess)
        picked = picked_from_the_list(shop, tracker, text)
        if picked is not None:  # "the first one" right after several were recommended
            return [SlotSet("product", picked), FollowupAction(BUY_ACTION)]
        if own_bike.own_bikes_said(shop, tracker):  # only their own bike: noted, never sold
            kept = await own_bike.keep_own_bike(shop, tracker)
            own_bike.say_own_bike_noted(dispatcher, own_bike.own_bikes_said(shop, tracker)[0])
            return kept
    if about_the_product_before(shop, tracker, text):
        # "is that one in stock?" right after a product, whatever the NLU read it as (a
        # "don't know" too): about that product.
        return [FollowupAction(BUY_ACTION)]
    named_before = product_named_just_before(shop, tracker)
    if named_before is not None and asked_about_the_thing_before(shop, text):
        # "how much?" right after a message that named a product nothing kept as the subject
        return [SlotSet("product", named_before), FollowupAction(BUY_ACTION)]
    if intent == "nlu_fallback" and step < 3 and is_question(shop, text):
        # A question the bot cannot answer ("any student discount?"): no guessing and no
        # unrelated buttons, but who can tell the customer.
        place = shop.locations[0]
        dispatcher.utter_message(
            response="utter_fallback_dont_know", phone=place.phone, email=place.email
        )
        return []
    if step == 1:
        buttons = guesses(tracker, shop)
        if buttons:
            dispatcher.utter_message(response="utter_fallback_rephrase", buttons=buttons)
            return []
        step = 2
    if step == 2:
        response = "utter_out_of_scope" if intent == "out_of_scope" else "utter_fallback_menu"
        dispatcher.utter_message(response=response, buttons=main_menu(shop))
        return []
    dispatcher.utter_message(response="utter_fallback_offer_person")
    return []


def yes_to_no_offer_of_a_person(tracker: Tracker) -> bool:
    """Whether the latest message is a yes right after a ladder rung that offered no person
    ("yep" to "could you say it another way, or did you mean one of these?"): it asks for
    nothing the rung offered, so it must not bring a person in."""
    if base.latest_intent(tracker) != "affirm":
        return False
    turn = base.previous_turn_events(tracker)
    acted = [
        event.get("name")
        for event in turn
        if event.get("event") == "action" and event.get("name") != "action_listen"
    ]
    if not acted or acted[-1] != LADDER_ACTION:
        return False
    said = [
        (event.get("metadata") or {}).get("utter_action")
        for event in turn
        if event.get("event") == "bot"
    ]
    return OFFER_PERSON not in said


def ladder_buttons(tracker: Tracker) -> list[dict[str, Any]]:
    """The buttons of the bot's previous turn (the guesses of the rephrase rung)."""
    for event in reversed(base.previous_turn_events(tracker)):
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            return [button for button in buttons if isinstance(button, dict)]
    return []


def answer_yes_to_the_ladder(
    dispatcher: CollectingDispatcher, tracker: Tracker, shop: Business
) -> Events:
    """A yes to a rung that asked for other words or a choice: ask again, with the same
    choices (the menu when the rung had none)."""
    buttons = ladder_buttons(tracker) or main_menu(shop)
    dispatcher.utter_message(response="utter_try_again", buttons=buttons)
    return []


class ActionFallbackLadder(ShopAction):
    """The fallback ladder (rephrase with guesses -> main menu -> a person)."""

    def name(self) -> str:
        return "action_fallback_ladder"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        return await answer_fallback(dispatcher, tracker, shop)
