"""Order and repair lookups, booking a repair, setting up a return."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

from action_testkit import action_event, entity, make_tracker, said, user_event
from rasa_sdk import Tracker

from actions.orders import (
    ActionOrderStatus,
    ActionRepairStatus,
    ActionSubmitRepair,
    needed_by,
    repair_estimate,
)
from voice.business import load

# The shipped business file (its vocabulary: kinds of bike, urgency words).
SHIPPED = load(Path(__file__).parents[3] / "business.yml")

TUESDAY = dt.date(2026, 11, 24)  # the test clock's day
SATURDAY = dt.date(2026, 11, 28)


def repair_booked(asked: str, problem: str, drop_off: str = "2026-11-28") -> Tracker:
    """A repair form just completed, after the customer asked with `asked`."""
    history = [
        action_event("action_listen"),
        user_event("book_repair", asked),
        action_event("repair_form"),
        action_event("action_listen"),
        user_event("inform", "my Trek FX 3"),
        action_event("repair_form"),
        action_event("action_listen"),
        user_event("inform", problem),
    ]
    slots = {"repair_bike": "Trek FX 3", "repair_problem": problem, "repair_date": drop_off}
    return make_tracker("inform", "Saturday", slots=slots, history=history)


async def test_a_shipped_order_says_when_it_arrives(dispatcher, domain) -> None:
    tracker = make_tracker(
        "order_status",
        "where is #A5521",
        [entity("order_id", "#A5521")],
        slots={"customer_id": "c-1001"},  # the order's owner, signed in
    )
    events = await ActionOrderStatus().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_order_status_shipped"]
    message = dispatcher.messages[0]
    assert (message["order_id"], message["items"], message["date"]) == (
        "#A5521",
        "Continental GP5000",
        "Thursday 26 November",
    )
    assert events[0]["name"] == "order_id" and events[0]["value"] == "A5521"


async def test_an_unknown_order_asks_for_its_details_like_any_other(dispatcher, domain) -> None:
    tracker = make_tracker(
        "order_status", "", [entity("order_id", "Z9999")], slots={"customer_id": "c-1001"}
    )
    events = await ActionOrderStatus().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_order_check_intro"]
    assert dispatcher.messages[0]["order_id"] == "#Z9999"
    assert ("active_loop", "order_check_form") in {(e["event"], e["name"]) for e in events}


async def test_no_order_number_asks_for_it(dispatcher, domain) -> None:
    events = await ActionOrderStatus().run(dispatcher, make_tracker("order_status"), domain)
    assert events == []
    assert said(dispatcher) == ["utter_ask_order_number"]


async def test_a_repair_waiting_for_parts(dispatcher, domain) -> None:
    tracker = make_tracker(
        "repair_status", "", [entity("order_id", "r2042")], slots={"customer_id": "c-1002"}
    )
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
    reference = message["reference"]
    assert re.fullmatch(r"R-[2-9A-HJKMNP-Z]{8}", reference)
    assert message["date"] == "Saturday 28 November"
    assert message["estimate_text"].startswith("Our brake service is usually £30 and takes 1 day")
    assert {(e["name"], e["value"]) for e in events} == {
        ("order_id", reference),
        ("known_bike", "Trek FX 3"),
        ("repair_bike", None),
        ("repair_problem", None),
        ("repair_date", None),
    }

    dispatcher.messages.clear()  # asked in the conversation that booked it
    tracker = make_tracker("repair_status", "", [entity("order_id", reference)])
    await ActionRepairStatus().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_status_booked"]
    assert dispatcher.messages[0]["bike"] == "Trek FX 3"


async def test_a_booked_repair_reference_given_on_its_own_finds_the_repair(
    dispatcher, domain
) -> None:
    slots = {"repair_bike": "Frog 55", "repair_problem": "a puncture", "repair_date": "2026-11-25"}
    await ActionSubmitRepair().run(dispatcher, make_tracker("inform", slots=slots), domain)
    reference = dispatcher.messages[-1]["reference"]
    dispatcher.messages.clear()
    tracker = make_tracker("order_status", "", [entity("order_id", reference)])
    await ActionOrderStatus().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_status_booked"]
    assert dispatcher.messages[0]["bike"] == "Frog 55"


def test_the_day_a_customer_needs_their_bike_back() -> None:
    def need(*texts: str) -> dt.date | None:
        return needed_by(
            list(texts),
            TUESDAY,
            SATURDAY,
            SHIPPED.vocabulary,
        )

    assert need("the brakes squeal and I need it by Friday") == dt.date(2026, 11, 27)
    assert need("I've got a sportive on Sunday", "Saturday") == dt.date(2026, 11, 29)
    assert need("I need it for Saturday\u2019s race") == SATURDAY
    assert need("it's urgent, my commute depends on it") == SATURDAY  # the drop-off day
    assert need("can you rush it?") == SATURDAY
    assert need("no rush, whenever suits") is None
    assert need("it's not urgent") is None
    assert need("I'll drop it Monday, can I have it back by Wednesday") == dt.date(2026, 11, 25)
    assert need("book a repair", "Tuesday") is None  # a drop-off day is not a deadline
    assert need("I need to bring it in on Saturday") is None  # nor is this one
    assert need("I need it back soon") is None  # no day named
    assert need("my gears slip") is None


async def test_a_repair_needed_back_in_time_is_a_plain_yes_and_booked(dispatcher, domain) -> None:
    tracker = repair_booked("I need my bike for a sportive on Sunday", "the brakes squeal")
    events = await ActionSubmitRepair().run(dispatcher, tracker, domain)
    decision, booked = dispatcher.messages
    assert decision["say_yes"]["reason_code"] == "rush_repair.yes"
    assert decision["text"] == "Yes, we'll have the brake service done in time."
    assert booked["response"] == "utter_repair_booked"
    assert ("order_id", booked["reference"]) in {(e["name"], e["value"]) for e in events}


async def test_a_repair_needed_a_day_sooner_is_booked_and_offered_a_fast_track(
    dispatcher, domain
) -> None:
    tracker = repair_booked("can you fix my brakes? it's urgent", "the brakes squeal")
    events = await ActionSubmitRepair().run(dispatcher, tracker, domain)
    booked, offer = dispatcher.messages  # booked as usual: a "no, thanks" loses nothing
    assert booked["response"] == "utter_repair_booked_before_offer"
    assert ("order_id", booked["reference"]) in {(e["name"], e["value"]) for e in events}
    assert offer["say_yes"]["reason_code"] == "rush_repair.with_condition"
    assert "rush the brake service if you can drop the bike off first thing" in offer["text"]
    assert [(b["title"], b["payload"]) for b in offer["buttons"]] == [
        ("Yes, fast-track it", "/affirm"),
        ("No, thanks", "/deny"),
    ]


async def test_a_long_job_needed_soon_is_booked_and_offered_the_workshop(
    dispatcher, domain
) -> None:
    tracker = repair_booked("I need it back by Sunday for a tour", "a full overhaul please")
    await ActionSubmitRepair().run(dispatcher, tracker, domain)
    booked, offer = dispatcher.messages
    assert booked["response"] == "utter_repair_booked_before_offer"
    assert offer["say_yes"]["reason_code"] == "rush_repair.alternatives"
    assert [b["payload"] for b in offer["buttons"]] == ["/request_human", "/deny"]


async def test_no_deadline_means_no_rush_answer(dispatcher, domain) -> None:
    tracker = repair_booked("I'd like to book a repair", "the brakes squeal")
    await ActionSubmitRepair().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_booked"]


def test_a_repairs_estimate_is_in_the_business_files_words() -> None:
    shop = SHIPPED
    service = shop.repairs[0]
    templates = {
        **shop.templates,
        "repair_estimate": "{service}: {price}, ready in {ready}.",
        "repair_ready_same_day": "no time",
        "repair_ready_days_one": "{count} sleep",
        "repair_ready_days_other": "{count} sleeps",
    }
    worded = dataclasses.replace(shop, templates=templates)
    price = shop.format_price(service.price)
    for days, ready in ((0, "no time"), (1, "1 sleep"), (3, "3 sleeps")):
        timed = dataclasses.replace(service, lead_time_days=days)
        assert repair_estimate(worded, timed) == f"{service.name}: {price}, ready in {ready}."
