"""Handing the conversation to a person from the team.

`action_handoff` is where every request for a person arrives (the `request_human` intent, the
last rung of the fallback ladder, a complaint the customer wants a person for, a say-yes offer
that needs a person). It puts the conversation in the agents' queue with the reason
(`memory.handoffs.escalate`), tells the customer honestly what happens next and roughly how
long it takes, or, when no agent is online or the team is off, offers to take a message and
records the follow-up the shop now owes. Then it pauses the bot: the customer's messages keep
flowing to the agent console and into memory, each acknowledged by `action_waiting_reply`
(actions/waiting.py) while no agent has claimed the chat, until an agent hands the chat back
from the console.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base, fallback, requests
from actions.base import DomainDict, Events, ShopAction
from actions.requests import request_summary
from actions.shop import team_hours_text
from bot import typed_buttons
from bot.rate_limits import RateLimiter
from bot.two_intents import small_talk_not_a_request
from memory import services
from memory.agents import AgentAccounts
from memory.handoffs import Escalation, HandoffLimited
from memory.store import MemoryStore
from voice import say_yes
from voice.business import Business
from voice.say_yes import Request, Standing

logger = logging.getLogger(__name__)

# Small talk with a person only guessed at ("hi! lovely weather today") is greeted instead.
GREET_ACTION = "action_greet"


# What the bot says to an acknowledgement ("ok thanks") that reached the handoff as a yes.
THANKED_RESPONSE = "utter_youre_welcome"


def thanks_for_the_answer(shop: Business, tracker: Tracker) -> bool:
    """Whether the latest message only thanks the bot ("ok thanks", "okay cheers") and asks for
    no person: read from the business file's acknowledgement words, whatever the NLU read."""
    vocabulary = shop.vocabulary
    thanks = typed_buttons.Acknowledgement.of(
        vocabulary.ack_words, vocabulary.ack_thanks, vocabulary.ack_also
    )
    return thanks.said((tracker.latest_message or {}).get("text"))


# The bot's last action before the customer said yes to a person, and what that means.
REASON_AFTER_ACTION = {
    "action_fallback_ladder": "fallback",  # the ladder's last rung offers a person
    "action_handle_complaint": "complaint",  # a serious or repeated complaint
    "action_buy_product": "say_yes",  # "ask a person to order it"
    "action_submit_return": "say_yes",  # a return the ladder gives to a person
    "action_accept_offer": "say_yes",  # yes to "shall I reserve it?", "shall we go ahead?"
}
PASSING_ACTIONS = ("action_listen", "action_handoff", "action_deactivate_loop")
# The complaint action has already recorded its own promise to follow up.
PROMISED_ALREADY = ("action_handle_complaint",)
UNHAPPY_REASONS = ("complaint", "customer_asked")
# Messages that say how, not what: a follow-up promise is never "about" one of these.
NOT_WHAT_THEY_ASKED = frozenset(
    {"request_human", "affirm", "deny", "greet", "goodbye", "thank", "thanks", "bot_challenge",
     "what_do_you_know", "forget_me", "export_my_data", "correct_fact", "forget_fact", "dont_know"}
)  # fmt: skip
# Intents that give a detail the bot asked for, not a request of the customer's own.
ANSWERS = frozenset({"inform"})
# A request for a person names one; a message taken for such a request that names nobody
# ("can I get store credit for the helmet instead") is itself what the customer asked.
NAMES_A_PERSON = re.compile(
    r"\b(?:person|human|someone|somebody|anyone|agent|staff|team|people|real|manager|"
    r"talk|speak|chat|call)\b",
    re.IGNORECASE,
)


def escalation_reason(tracker: Tracker, at_risk: bool) -> str:
    """Why this chat needs a person, from the bot's last action before the handoff."""
    previous = None
    for event in reversed(tracker.events or []):
        if event.get("event") == "action" and event.get("name") not in PASSING_ACTIONS:
            previous = event.get("name")
            break
    reason = REASON_AFTER_ACTION.get(str(previous), "customer_asked")
    if at_risk and reason in UNHAPPY_REASONS:
        return "at_risk"
    return reason


def _customer_messages(tracker: Tracker) -> list[tuple[dict[str, Any], bool]]:
    """The customer's messages, oldest first, each with whether it answered a question of the
    bot's (said while a form was asking, or given as a bare detail: `inform`)."""
    messages = []
    asking = False
    for event in tracker.events or []:
        kind = event.get("event")
        if kind == "active_loop":
            asking = bool(event.get("name"))
        elif kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            messages.append((event, asking or intent in ANSWERS))
    return messages


def asked_about(tracker: Tracker, look_back: int = 8) -> str | None:
    """What the customer wanted a person for, in their words: their latest request, that is
    the latest message that was neither a request for a person, a yes, no, hello or thanks,
    nor an answer to the bot's question ("shes 7", a postcode); the latest answer when they
    made no request; None when there is neither."""
    answer = None
    for event, answered in reversed(_customer_messages(tracker)[-look_back:]):
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        text = str(event.get("text") or "").strip()
        if not text or text.startswith("/"):
            continue
        if intent in NOT_WHAT_THEY_ASKED and not (
            intent == "request_human" and not NAMES_A_PERSON.search(text)
        ):
            continue
        if not answered:
            return text
        answer = answer or text
    return answer


def open_now(shop: Business, moment: dt.datetime) -> bool:
    """Whether the team works at this moment (the business file's hours and holidays)."""
    return shop.open_at(moment)


def client_of(tracker: Tracker) -> str | None:
    """The client that sent the latest message, as the widget channel names it (a keyed
    digest of its address); None for channels that name none (scripts, tests)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    client = metadata.get("client") if isinstance(metadata, dict) else None
    return str(client) if client else None


def _escalate(
    store: MemoryStore,
    accounts: AgentAccounts,
    sender_id: str,
    tracker: Tracker,
    working: bool,
    promise_wording: Callable[[str | None], str],
    shop: Business,
    limiter: RateLimiter | None = None,
    reply_by: dt.datetime | None = None,
) -> Escalation:
    client = client_of(tracker)
    card = store.cards.card_for_sender(sender_id)
    reason = escalation_reason(tracker, at_risk=bool(card and card.at_risk))
    asked = asked_about(tracker)
    detail = asked or (tracker.latest_message or {}).get("text")
    promise_about: str | None = asked
    if reason == "say_yes":  # the agent sees what was offered and why, not just "yes"
        detail = request_summary(tracker, shop, asked) or detail
        promise_about = detail
    promised = any(
        event.get("event") == "action" and event.get("name") in PROMISED_ALREADY
        for event in (tracker.events or [])[-3:]
    )
    return services.handoff_with_promise(
        store,
        accounts.online(),
        sender_id,
        reason,
        open_now=working,
        promise_wording=None if promised else promise_wording,
        detail=detail,
        promise_about=promise_about,
        admit=None if limiter is None or client is None else lambda: limiter.allow(client),
        reply_by=reply_by,
    )


def next_opening(shop: Business, moment: dt.datetime) -> dt.datetime:
    """When the team is next at work, from `moment` (today's opening if it is still ahead)."""
    return shop.next_opening(moment)


async def say_out_of_hours(
    dispatcher: CollectingDispatcher, tracker: Tracker, shop: Business, moment: dt.datetime
) -> None:
    """The team is away: the say-yes ladder's answer for contact out of hours.

    The customer asked for a person already, so the ladder is climbed for the request itself
    (how and when a person replies), not for whether a person should be brought in.
    """
    opening = next_opening(shop, moment)
    rules = await requests.load_rules()
    said = str((tracker.latest_message or {}).get("text") or "")
    request = Request(
        "out_of_hours_contact",
        {
            "hours_until_open": round((opening - moment).total_seconds() / 3600, 1),
            "opening_time": shop.format_moment(opening, moment.date()),
            "urgent": rules.complaints.is_serious(said),
        },
    )
    decision = say_yes.decide(request, Standing(), rules)
    # The chat is paused for the team now: what the customer types next is their message, so
    # the answer carries no buttons (an urgent request is offered its options in words).
    logged = requests.decision_log(decision, [])
    logger.info("out of hours for conversation %s: %s", tracker.sender_id, logged)
    dispatcher.utter_message(text=decision.text, say_yes=logged)


def promise_words(shop: Business, subject: str | None) -> str:
    """How the promise of a reply reads on the customer's card (customers and agents see it)."""
    if subject:
        return shop.template("promise_reply_about").format(subject=subject)
    return shop.template("promise_reply")


def say_queued(dispatcher: CollectingDispatcher, shop: Business, escalation: Escalation) -> None:
    """Where the customer stands in the queue and the wait; with nobody online, the offer to
    take a message."""
    if escalation.wait_minutes is None:
        dispatcher.utter_message(response="utter_handoff_take_message")
        return
    wait = base.plural(
        escalation.wait_minutes,
        shop.template("wait_minutes_one"),
        shop.template("wait_minutes_other"),
    )
    if escalation.position <= 1:
        dispatcher.utter_message(response="utter_handoff_queued_next", wait=wait)
    else:
        dispatcher.utter_message(
            response="utter_handoff_queued", position=escalation.position, wait=wait
        )


class ActionHandoff(ShopAction):
    """Queues the chat for a person, says what happens next and when, and pauses the bot."""

    def name(self) -> str:
        return "action_handoff"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        if thanks_for_the_answer(shop, tracker):
            # "ok thanks" to "shall I bring someone in?": thanks for the answer, not a yes.
            dispatcher.utter_message(response=THANKED_RESPONSE)
            return []
        if fallback.yes_to_no_offer_of_a_person(tracker):
            # "yep" to the ladder's rephrasing: nothing offered a person; ask again instead.
            return fallback.answer_yes_to_the_ladder(dispatcher, tracker, shop)
        if small_talk_not_a_request(tracker.latest_message or {}):
            # "hi! lovely weather today": a greeting and the menu, never the queue (nor, out
            # of hours, a message for the team the customer never asked to leave).
            return [FollowupAction(GREET_ACTION)]
        process = await base.services()
        moment = base.now(shop)
        place = shop.locations[0]
        working = open_now(shop, moment)
        team_hours = team_hours_text(shop, moment)
        try:
            escalation = await asyncio.to_thread(
                _escalate,
                await asyncio.to_thread(process.memory),
                await asyncio.to_thread(process.agents),
                tracker.sender_id,
                tracker,
                working,
                functools.partial(promise_words, shop),
                shop,
                process.handoff_limiter,
                None if working else next_opening(shop, moment),
            )
        except Exception as error:
            # Not queued (one client has queued as many chats as it may this hour, or the queue
            # is unreachable): the customer gets the team's direct contacts instead.
            if isinstance(error, HandoffLimited):
                logger.warning("did not queue %s: its client's handoff limit", tracker.sender_id)
            else:
                logger.exception("could not queue %s for a person", tracker.sender_id)
            dispatcher.utter_message(
                response="utter_handoff",
                team_hours=team_hours,
                phone=place.phone,
                email=place.email,
            )
            return [SlotSet("handoff_requested", True)]
        if working:
            say_queued(dispatcher, shop, escalation)
        else:
            await say_out_of_hours(dispatcher, tracker, shop, moment)
        # Paused, Rasa still logs the customer's messages (the console shows them) but predicts
        # nothing; only the console's ConversationResumed hands the chat back to the bot.
        events: list[dict[str, Any]] = [SlotSet("handoff_requested", True), ConversationPaused()]
        return events
