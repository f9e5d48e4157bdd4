"""A form never asks for what the booking or return request already said: the day to bring the
bike in, a fault said beside the bike, the item bought."""

from __future__ import annotations

from typing import Any

from action_testkit import entity, make_tracker, said
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import ValidateRepairForm, ValidateReturnForm

SENDER = "test-customer"


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def run_repair_form(text: str, entities: list[dict[str, Any]], domain: dict) -> dict:
    tracker = make_tracker(
        "book_repair",
        text,
        entities,
        history=[{"event": "session_started"}],
        active_loop="repair_form",
        sender_id=SENDER,
    )
    return slot_values(await ValidateRepairForm().run(CollectingDispatcher(), tracker, domain))


async def test_the_day_said_with_the_request_is_not_asked(domain: dict[str, Any]) -> None:
    filled = await run_repair_form(
        "my brakes r squeaking like mad, can i book it in for sat?", [], domain
    )
    assert filled["repair_date"] == "2026-11-28"
    assert "squeaking" in filled["repair_problem"]


async def test_a_fault_said_beside_the_bike_is_the_problem(domain: dict[str, Any]) -> None:
    text = "my e-bike battery wont hold charge, can u look at it thurs"
    filled = await run_repair_form(text, [entity("bike_type", "e-bike")], domain)
    assert filled["repair_problem"] == "my e-bike battery wont hold charge"
    assert filled["repair_date"] == "2026-11-26"


async def test_a_day_something_happened_is_not_the_drop_off(domain: dict[str, Any]) -> None:
    filled = await run_repair_form("my chain snapped on saturday, can you fix it", [], domain)
    assert filled.get("repair_date") is None


async def test_the_item_bought_is_not_asked(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    text = "I bought a helmet from you 2 weeks ago and it doesnt fit, can i return it?"
    tracker = make_tracker(
        "return_request",
        text,
        history=[{"event": "session_started"}],
        active_loop="return_form",
        sender_id=SENDER,
    )
    form = ValidateReturnForm()
    assert await form.extract_return_item(dispatcher, tracker, domain) == {"return_item": "helmet"}
    assert said(dispatcher) == []


async def test_details_given_with_the_order_number_are_not_asked(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    from actions.orders import ActionOrderStatus

    text = "order A5521, its sam.taylor@example.com and BS6 5QA"
    tracker = make_tracker(
        "order_status", text, [entity("order_id", "A5521")], sender_id="someone-new"
    )
    events = await ActionOrderStatus().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_order_check_intro"]
    slots = slot_values(events)
    assert (slots["order_email"], slots["order_postcode"]) == ("sam.taylor@example.com", "BS6 5QA")


async def test_a_price_seen_as_a_bare_number_is_not_asked(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    from actions.shop import ActionPriceMatch

    text = "do u price match? wiggle has the gp5000 for 45"
    tracker = make_tracker("price_match", text, [entity("product", "gp5000")])
    await ActionPriceMatch().run(dispatcher, tracker, domain)
    assert "utter_ask_competitor_price" not in said(dispatcher)
    assert said(dispatcher) != []
