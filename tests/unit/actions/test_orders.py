"""Order and repair lookups, booking a repair, setting up a return."""

from __future__ import annotations

from action_testkit import entity, make_tracker, said

from actions.orders import (
    ActionOrderStatus,
    ActionRepairStatus,
    ActionSubmitRepair,
)


async def test_a_shipped_order_says_when_it_arrives(dispatcher, domain) -> None:
    tracker = make_tracker("order_status", "where is #A5521", [entity("order_id", "#A5521")])
    events = await ActionOrderStatus().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_order_status_shipped"]
    message = dispatcher.messages[0]
    assert (message["order_id"], message["items"], message["date"]) == (
        "#A5521",
        "Continental GP5000",
        "Thursday 26 November",
    )
    assert events[0]["name"] == "order_id" and events[0]["value"] == "A5521"


async def test_an_unknown_order_offers_a_person(dispatcher, domain) -> None:
    tracker = make_tracker("order_status", "", [entity("order_id", "Z9999")])
    await ActionOrderStatus().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_order_not_found"]
    assert dispatcher.messages[0]["order_id"] == "#Z9999"


async def test_no_order_number_asks_for_it(dispatcher, domain) -> None:
    events = await ActionOrderStatus().run(dispatcher, make_tracker("order_status"), domain)
    assert events == []
    assert said(dispatcher) == ["utter_ask_order_number"]


async def test_a_repair_waiting_for_parts(dispatcher, domain) -> None:
    tracker = make_tracker("repair_status", "", [entity("order_id", "r2042")])
    await ActionRepairStatus().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_status_waiting_parts"]
    assert dispatcher.messages[0]["bike"] == "Gazelle Ultimate C380"
    assert dispatcher.messages[0]["date"] == "Saturday 28 November"


async def test_a_signed_in_customer_needs_no_reference(dispatcher, domain) -> None:
    tracker = make_tracker("repair_status", slots={"customer_id": "c-1003"})
    await ActionRepairStatus().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_status_ready"]


async def test_a_booked_repair_is_stored_and_can_be_checked(dispatcher, domain) -> None:
    slots = {
        "repair_bike": "Trek FX 3",
        "repair_problem": "the brakes squeal",
        "repair_date": "2026-11-28",
    }
    events = await ActionSubmitRepair().run(dispatcher, make_tracker("inform", slots=slots), domain)
    assert said(dispatcher) == ["utter_repair_booked"]
    message = dispatcher.messages[0]
    assert message["reference"] == "R5001"
    assert message["date"] == "Saturday 28 November"
    assert message["estimate_text"].startswith("A brake service is usually £30 and takes 1 day")
    assert {(e["name"], e["value"]) for e in events} == {
        ("order_id", "R5001"),
        ("known_bike", "Trek FX 3"),
        ("repair_bike", None),
        ("repair_problem", None),
        ("repair_date", None),
    }

    dispatcher.messages.clear()
    tracker = make_tracker("repair_status", "", [entity("order_id", "R5001")])
    await ActionRepairStatus().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_status_booked"]
    assert dispatcher.messages[0]["bike"] == "Trek FX 3"


async def test_a_booked_repair_reference_given_on_its_own_finds_the_repair(
    dispatcher, domain
) -> None:
    slots = {"repair_bike": "Frog 55", "repair_problem": "a puncture", "repair_date": "2026-11-25"}
    await ActionSubmitRepair().run(dispatcher, make_tracker("inform", slots=slots), domain)
    dispatcher.messages.clear()
    tracker = make_tracker("order_status", "", [entity("order_id", "R5001")])
    await ActionOrderStatus().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_status_booked"]
    assert dispatcher.messages[0]["bike"] == "Frog 55"
