"""A return needs no order number: the form finds the order another way or goes on with the
item and roughly when it was bought, and never asks the same question a third time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from action_testkit import make_tracker, said, user_event
from rasa_sdk.executor import CollectingDispatcher

from actions.exits import UNKNOWN
from actions.forms import NO_ORDER, ActionAskReturnItem, ValidateReturnForm, days_since
from actions.orders import ActionSubmitReturn

TUESDAY = dt.date(2026, 11, 24)
DOMAIN_SLOTS = [
    "return_order_id",
    "order_email",
    "order_postcode",
    "return_item",
    "return_bought",
    "return_reason",
]


def asked(slot: str, intent: str, text: str, **more: Any) -> Any:
    history = more.pop("history", ())
    slots = {"requested_slot": slot, slot: text, **more}
    return make_tracker(intent, text, slots=slots, history=history, active_loop="return_form")


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("about 50 days ago", 50),
        ("3 weeks ago", 21),
        ("a couple of months ago", 60),
        ("last month", 30),
        ("yesterday", 1),
        ("12 October", 43),
        ("50", None),  # a bare number is not a time
        ("no idea", None),
    ],
)
def test_when_it_was_bought_is_read_roughly(text: str, days: int | None) -> None:
    assert days_since(text, TUESDAY) == days


@pytest.mark.parametrize(
    ("intent", "text", "details"),
    [
        ("dont_know", "I don't have it", None),
        # Bought in the shop: there is no order to find by its email address either.
        ("inform", "I bought it in the shop", UNKNOWN),
        ("deny", "no, I don't have an order number", None),
        ("inform", "I lost the receipt", None),
    ],
)
async def test_no_order_number_goes_on_without_one(
    dispatcher: CollectingDispatcher, intent: str, text: str, details: str | None
) -> None:
    tracker = asked("return_order_id", intent, text)
    result = await ValidateReturnForm().validate_return_order_id(text, dispatcher, tracker, {})
    assert result == {
        "return_order_id": NO_ORDER,
        "order_email": details,
        "order_postcode": details,
    }
    assert said(dispatcher) == []


async def test_the_third_ask_for_a_number_is_never_made(dispatcher: CollectingDispatcher) -> None:
    form = ValidateReturnForm()
    first = asked("return_order_id", "inform", "the blue one")
    result = await form.validate_return_order_id("the blue one", dispatcher, first, {})
    assert result["return_order_id"] is None
    assert said(dispatcher) == ["utter_explain_order_id_format"]  # the second ask explains
    explained = {
        "event": "bot",
        "text": "That doesn't look like an order number yet",
        "metadata": {"utter_action": "utter_explain_order_id_format"},
    }
    again = asked("return_order_id", "inform", "the blue one again", history=[explained])
    later = CollectingDispatcher()
    result = await form.validate_return_order_id("the blue one again", later, again, {})
    assert result == {"return_order_id": NO_ORDER}  # another path, not a third question
    assert said(later) == ["utter_return_without_order"]


async def test_without_a_number_the_form_asks_when_not_for_order_details(
    dispatcher: CollectingDispatcher,
) -> None:
    tracker = asked(
        "return_item", "inform", "helmet", return_order_id=NO_ORDER, customer_id="c-1001"
    )
    slots = await ValidateReturnForm().required_slots(DOMAIN_SLOTS, dispatcher, tracker, {})
    assert slots == ["return_order_id", "return_item", "return_bought", "return_reason"]
    with_number = asked("return_item", "inform", "helmet", return_order_id="A1234")
    slots = await ValidateReturnForm().required_slots(DOMAIN_SLOTS, dispatcher, with_number, {})
    assert "return_bought" not in slots


async def test_a_signed_in_customer_s_order_is_found_by_the_item(
    dispatcher: CollectingDispatcher,
) -> None:
    tracker = asked(
        "return_item", "inform", "the lights", return_order_id=NO_ORDER, customer_id="c-1001"
    )
    result = await ValidateReturnForm().validate_return_item("the lights", dispatcher, tracker, {})
    assert result == {"return_order_id": "A1234", "return_item": "Lezyne lights"}


async def test_when_is_asked_twice_at_most(dispatcher: CollectingDispatcher) -> None:
    form = ValidateReturnForm()
    tracker = asked("return_bought", "inform", "hmm let me think", return_order_id=NO_ORDER)
    result = await form.validate_return_bought("hmm let me think", dispatcher, tracker, {})
    assert result["return_bought"] is None
    assert said(dispatcher) == ["utter_explain_return_bought"]
    explained = {"event": "bot", "metadata": {"utter_action": "utter_explain_return_bought"}}
    again = asked("return_bought", "inform", "dunno really", return_order_id=NO_ORDER)
    again.events.insert(0, explained)
    result = await form.validate_return_bought("the blue one", CollectingDispatcher(), again, {})
    assert result == {"return_bought": "unknown"}
    known = asked("return_bought", "inform", "about 50 days ago", return_order_id=NO_ORDER)
    result = await form.validate_return_bought("about 50 days ago", dispatcher, known, {})
    assert result == {"return_bought": "50"}


@pytest.mark.parametrize(("bought", "rung_said"), [("10", "yes"), ("unknown", "nearest yes")])
async def test_a_return_without_an_order_reaches_the_say_yes_decision(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], bought: str, rung_said: str
) -> None:
    history = [user_event("return_request", "I want to return a helmet")]
    tracker = make_tracker(
        "inform",
        "too small",
        history=history,
        slots={
            "return_order_id": NO_ORDER,
            "return_item": "Giro helmet",
            "return_bought": bought,
            "return_reason": "too small",
        },
    )
    events = await ActionSubmitReturn().run(dispatcher, tracker, domain)
    responses = said(dispatcher)
    assert "utter_order_check_no_match" not in responses  # never "we can't find your order"
    if rung_said == "yes":
        assert responses[-1] == "utter_return_started_without_order"
    else:
        assert "utter_return_started_without_order" not in responses
        assert dispatcher.messages and dispatcher.messages[0].get("text")  # an offer, in words
    cleared = {e["name"] for e in events if e.get("event") == "slot" and e["value"] is None}
    assert {"return_order_id", "return_item", "return_bought", "return_reason"} <= cleared


async def test_without_a_number_the_item_is_not_asked_from_that_order(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(slots={"return_order_id": NO_ORDER}, active_loop="return_form")
    await ActionAskReturnItem().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_ask_return_item_without_order"]
