""" "I don't know" to the order number or the repair reference is accepted: never the question
again, never the fallback. A repair booked in this chat is found without it; otherwise a person
finds it another way (or the customer signs in), with a button for that.

The actions run against the real domain, the sample shop's records and a bookings database of
this test's own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from action_testkit import action_event, make_tracker, rendered, response_buttons, said
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import ActionOrderStatus, ActionRepairStatus, ActionStatusReferenceUnknown
from actions.shop_records import RepairBookings

SENDER = "status-customer"


def bot_said(response: str) -> dict[str, Any]:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


def dont_know_after(question: str, text: str) -> Any:
    """The customer's `text` (read as dont_know) right after the bot asked `question`."""
    history = [
        {"event": "session_started"},
        action_event("action_listen"),
        {"event": "user", "text": "wheres my order?", "parse_data": {}},
        action_event("action_order_status"),
        bot_said(question),
    ]
    return make_tracker("dont_know", text, history=history, sender_id=SENDER)


async def test_the_status_questions_are_the_ones_this_action_answers(
    domain: dict[str, Any],
) -> None:
    """Without a reference and nothing of theirs on record, the status actions ask for it."""
    order, repair = CollectingDispatcher(), CollectingDispatcher()
    await ActionOrderStatus().run(order, make_tracker("order_status", "wheres my order"), domain)
    await ActionRepairStatus().run(
        repair, make_tracker("repair_status", "is my bike ready"), domain
    )
    assert said(order) == ["utter_ask_order_number"]
    assert said(repair) == ["utter_ask_repair_number"]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("utter_ask_order_number", "utter_order_number_unknown"),
        ("utter_ask_repair_number", "utter_repair_reference_unknown"),
    ],
)
async def test_i_dont_know_the_number_gets_another_way_and_a_person(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], question: str, answer: str
) -> None:
    tracker = dont_know_after(question, "i dont know the number, i paid with paypal")
    await ActionStatusReferenceUnknown().run(dispatcher, tracker, domain)
    assert said(dispatcher) == [answer]
    assert "/request_human" in [button["payload"] for button in response_buttons(domain, answer)]
    text = rendered(domain, dispatcher.messages[0])
    assert "?" in text  # a next step the customer can say yes to, not the question again
    assert question not in said(dispatcher)


async def test_a_repair_booked_in_this_chat_is_found_without_its_reference(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], sample_shop: Any
) -> None:
    reference = RepairBookings(sample_shop.bookings_url).book(
        SENDER, None, "Trek FX 3", "brake service", dt.date(2026, 11, 25)
    )
    tracker = dont_know_after("utter_ask_repair_number", "no idea")
    events = await ActionStatusReferenceUnknown().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_status_booked"]
    assert dispatcher.messages[0]["order_id"] == reference
    assert {"event": "slot", "name": "order_id", "value": reference, "timestamp": None} in events


async def test_another_customers_repair_is_never_found(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], sample_shop: Any
) -> None:
    RepairBookings(sample_shop.bookings_url).book(
        "someone-else", None, "Trek FX 3", "brake service", dt.date(2026, 11, 25)
    )
    tracker = dont_know_after("utter_ask_repair_number", "no idea")
    await ActionStatusReferenceUnknown().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_reference_unknown"]
