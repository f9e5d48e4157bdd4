"""Requests and the say-yes ladder: how every request action gives its answer.

A request action (a return, an item out of stock, a special order, a repair day the workshop
can't do) gathers the facts it knows, and `answer_request` climbs the business file's say-yes
ladder (`voice.say_yes.decide`) with the customer's standing from the relationship memory. The
decision's words go to the customer with a next step: the alternatives as buttons, or a
"Yes, please" when the answer ends in a question. The decision and its reason travel in the
message's metadata (`say_yes`), so the exchange log keeps them with the exchange.

When the customer says yes to an offer, `action_accept_offer` brings in a person to carry it
out (they see the decision and its reason in the console's queue).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.base import DomainDict, Events, ShopAction
from voice import say_yes
from voice.business import Business
from voice.say_yes import Choice, Decision, Request, SayYesRules, Standing

logger = logging.getLogger(__name__)

HANDOFF = "action_handoff"
ACCEPT_ACTION = "action_accept_offer"
# The button that says yes to the question a decision ends with; and the one that declines.
ACCEPT_PAYLOAD = "/affirm"
# The "no" button beside a yes; its title is the business file's `button_no_thanks`.
DECLINE = Choice("", "/deny")
# Rungs whose words end in a question the customer answers with a yes.
ASKING_RUNGS = ("yes", "yes_with_condition", "yes_person")
COMPLAINT = "complaint"


def standing_from_card(card: Any) -> Standing:
    """The ladder's view of a relationship card (None: a customer we don't know yet)."""
    if card is None:
        return Standing()
    complaints = sum(1 for issue in card.open_issues if issue.kind == COMPLAINT)
    return Standing(card.stage, card.at_risk, complaints)


def _standing(store: Any, sender_id: str) -> Standing:
    return standing_from_card(store.cards.card_for_sender(sender_id))


async def standing_of(sender_id: str) -> Standing:
    """The customer's standing; a new customer's when the memory can't be read."""
    found = await base.with_memory(_standing, sender_id, conversation=sender_id)
    return found if isinstance(found, Standing) else Standing()


async def load_rules() -> SayYesRules:
    """The business file's say-yes rules, read once per process in a worker thread."""
    return await asyncio.to_thread((await base.services()).say_yes_rules)


def decision_log(
    decision: Decision, buttons: Sequence[Mapping[str, str]], item: Any = None
) -> dict[str, Any]:
    """What is logged with the exchange: the decision, the next steps the customer saw, and
    the item it is about (when the request names one), which the agents' queue shows."""
    logged = {**decision.as_log(), "offered": [button["payload"] for button in buttons]}
    if isinstance(item, str) and item.strip():
        logged["item"] = item.strip()
    return logged


async def answer_request(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    request: Request,
    accept: str | None = None,
    other: Choice | None = DECLINE,
    asks: bool = True,
    payloads: Mapping[str, str | None] | None = None,
    person_payload: str = ACCEPT_PAYLOAD,
    accept_condition: str | None = None,
) -> Decision:
    """Decide `request` on the ladder and say the answer, with a next step.

    `accept` is the title of the yes button for an answer that ends in a question (None: the
    business file's `button_yes_please`), `other` the button beside it (None: no second
    button; DECLINE: the business file's `button_no_thanks`). `asks=False` means a plain yes
    is already done (a return set up by its form), so it needs no yes button. `payloads`
    changes (or, with None, leaves out) buttons that mean something else where the question
    is asked, such as inside a form, and `person_payload` is what the yes to a person sends
    there.
    `accept_condition` titles the yes button of a yes with a condition, when it differs.
    """
    rules = await load_rules()
    shop = await base.load_business()
    if other is DECLINE:
        other = Choice(shop.template("button_no_thanks"), DECLINE.payload)
    standing = await standing_of(tracker.sender_id)
    decision = say_yes.decide(request, standing, rules)
    if decision.alternatives:
        buttons = decision.buttons()
    elif decision.rung in ASKING_RUNGS and (asks or decision.rung != "yes"):
        if decision.needs_person:
            buttons = [
                {"title": shop.template("button_bring_someone_in"), "payload": person_payload}
            ]
        else:
            title = accept or shop.template("button_yes_please")
            if decision.rung == "yes_with_condition" and accept_condition:
                title = accept_condition
            buttons = [{"title": title, "payload": ACCEPT_PAYLOAD}]
        if other is not None:
            buttons.append({"title": other.label, "payload": other.payload})
    else:
        buttons = []
    for button in list(buttons):
        if payloads and button["payload"] in payloads:
            replacement = payloads[button["payload"]]
            if replacement is None:
                buttons.remove(button)
            else:
                button["payload"] = replacement
    logged = decision_log(decision, buttons, request.facts.get("item"))
    logger.info("say yes for conversation %s: %s", tracker.sender_id, logged)
    dispatcher.utter_message(text=decision.text, buttons=buttons, say_yes=logged)
    return decision


def previous_turn(tracker: Tracker) -> list[dict[str, Any]]:
    """The bot's messages between the customer's last two messages, oldest first."""
    return [event for event in base.previous_turn_events(tracker) if event.get("event") == "bot"]


def _decision(event: Mapping[str, Any]) -> dict[str, Any] | None:
    decision = (event.get("metadata") or {}).get("say_yes")
    return dict(decision) if isinstance(decision, Mapping) else None


def latest_offer(tracker: Tracker) -> dict[str, Any] | None:
    """The bot's question, in its last turn, that a yes answers: the message with a yes button.

    Returned as {"text", "say_yes"} (`say_yes` is the decision, or None for a plain offer such
    as reserving an item in stock). None when the bot asked no such question.
    """
    for event in reversed(previous_turn(tracker)):
        buttons = (event.get("data") or {}).get("buttons") or []
        if any(button.get("payload") == ACCEPT_PAYLOAD for button in buttons):
            return {"text": event.get("text") or "", "say_yes": _decision(event)}
    return None


def request_summary(tracker: Tracker, shop: Business, asked: str | None = None) -> str | None:
    """For the agents' queue: the offer or say-yes decision the customer answered, if any.
    `asked` is what the customer asked in their own words, which stands for a plain offer."""
    offer = latest_offer(tracker)
    if offer is not None:
        return offer_summary(offer, shop, asked)
    for event in reversed(previous_turn(tracker)):
        decision = _decision(event)
        if decision is not None:
            said = {"text": event.get("text") or "", "say_yes": decision}
            return offer_summary(said, shop, asked)
    return None


def offer_summary(offer: Mapping[str, Any], shop: Business, asked: str | None = None) -> str:
    """One line for the agents' queue, in the business file's words (`queue_*`): the item first
    (when the decision names one), then the rung and why; for a plain offer, what the customer
    asked (the bot's words only when the customer's are not known)."""
    decision = offer.get("say_yes")
    if not isinstance(decision, Mapping):
        return asked or shop.template("queue_said_yes").format(text=offer.get("text", ""))
    values = {
        "kind": str(decision.get("kind", "")).replace("_", " "),
        "rung": str(decision.get("rung", "")).replace("_", " "),
        "reason": str(decision.get("reason") or ""),
        "condition": str(decision.get("condition") or ""),
    }
    name = "queue_decision_with_condition" if values["condition"] else "queue_decision"
    summary = shop.template(name).format(**values)
    item = decision.get("item")
    if isinstance(item, str) and item:
        return shop.template("queue_item").format(item=item, summary=summary)
    return summary


class ActionAcceptOffer(ShopAction):
    """The customer said yes to the bot's offer: a person from the team carries it out."""

    def name(self) -> str:
        return ACCEPT_ACTION

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        offer = latest_offer(tracker)
        if offer is None:
            # A yes to no question of ours: ask what they would like.
            dispatcher.utter_message(response="utter_how_can_i_help")
            return []
        logger.info("conversation %s accepted %s", tracker.sender_id, offer.get("say_yes"))
        return [FollowupAction(HANDOFF)]
