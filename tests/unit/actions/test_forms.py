"""Form validation explains what it needs; the ask actions stay quiet right after it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from action_testkit import entity, make_tracker, said

from actions.forms import (
    ActionAskRepairDate,
    ActionAskReturnOrderId,
    ActionStopRepairForm,
    ValidateRepairForm,
    ValidateReturnForm,
    bike_kind_names,
    bike_name,
    parse_day,
)
from voice.business import load

# The shipped business file (its vocabulary: kinds of bike, urgency words).
SHIPPED = load(Path(__file__).parents[3] / "business.yml")

TUESDAY = dt.date(2026, 11, 24)


def slot_event(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow", dt.date(2026, 11, 25)),
        ("today please", TUESDAY),
        ("next saturday", dt.date(2026, 11, 28)),
        ("Sat", dt.date(2026, 11, 28)),
        ("tuesday", dt.date(2026, 12, 1)),
        ("12 December", dt.date(2026, 12, 12)),
        ("the 3rd of jan", dt.date(2027, 1, 3)),
        ("December 5th", dt.date(2026, 12, 5)),
        ("5/12", dt.date(2026, 12, 5)),
        ("2026-12-03", dt.date(2026, 12, 3)),
        ("1 November", dt.date(2026, 11, 1)),
        ("yesterday", dt.date(2026, 11, 23)),
        ("1 January 2020", dt.date(2020, 1, 1)),
        ("March 3rd, 2027", dt.date(2027, 3, 3)),
        ("whenever suits", None),
        ("31 February", None),
    ],
)
def test_dates_are_read_the_way_customers_write_them(text: str, expected: dt.date | None) -> None:
    assert parse_day(text, TUESDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tmr", dt.date(2026, 11, 25)),
        ("2moro pls", dt.date(2026, 11, 25)),
        ("tomorow morning", dt.date(2026, 11, 25)),
        ("weds", dt.date(2026, 11, 25)),
        ("thurs if poss", dt.date(2026, 11, 26)),
        ("next tues", dt.date(2026, 12, 1)),
    ],
)
def test_the_shops_short_day_words_are_days(text: str, expected: dt.date) -> None:
    """The business file's ways of writing a day ("tmr", "thurs") are read as that day."""
    assert parse_day(text, TUESDAY, SHIPPED.vocabulary.days) == expected


def test_short_day_words_need_the_shops_words() -> None:
    """Without the business file's words a short form is no day (the free-text answers)."""
    assert parse_day("thurs", TUESDAY) is None


@pytest.mark.parametrize(("text", "iso"), [("tmr", "2026-11-25"), ("thurs", "2026-11-26")])
async def test_a_short_day_answers_the_date_question(dispatcher, domain, text, iso) -> None:
    events = await validate(
        ValidateRepairForm(),
        dispatcher,
        domain,
        "repair_form",
        "repair_date",
        text,
        "repair_date",
        text,
    )
    assert slot_values(events)["repair_date"] == iso
    assert dispatcher.messages == []


async def validate(
    action, dispatcher, domain, form, requested, text, slot, value, entities=(), customer=None
):
    """Validates `slot` = `value` in `form`; `customer` is the signed-in shop customer id."""
    tracker = make_tracker(
        "inform",
        text,
        entities,
        slots={"requested_slot": requested, slot: value, "customer_id": customer},
        after=[slot_event(slot, value)],
        active_loop=form,
    )
    return await action.run(dispatcher, tracker, domain)


async def test_a_good_date_is_kept_as_an_iso_date(dispatcher, domain) -> None:
    events = await validate(
        ValidateRepairForm(),
        dispatcher,
        domain,
        "repair_form",
        "repair_date",
        "saturday",
        "repair_date",
        "saturday",
    )
    assert slot_values(events)["repair_date"] == "2026-11-28"
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("value", "response", "detail"),
    [
        ("1 November", "utter_explain_date_past", ("date", "Sunday 1 November")),
        ("2027-06-01", "utter_explain_date_too_far", ("max_days", 60)),
        ("as soon as possible", "utter_explain_date_unclear", None),
    ],
)
async def test_a_date_that_cannot_be_booked_is_explained(
    dispatcher, domain, value, response, detail
) -> None:
    events = await validate(
        ValidateRepairForm(),
        dispatcher,
        domain,
        "repair_form",
        "repair_date",
        value,
        "repair_date",
        value,
    )
    assert slot_values(events) == {"repair_date": None, "form_hint_for": "repair_date"}
    assert said(dispatcher) == [response]
    if detail:
        assert dispatcher.messages[0][detail[0]] == detail[1]


@pytest.mark.parametrize(
    ("value", "why", "rung", "offered"),
    [
        ("monday", ("utter_closed_that_day", None), "yes_with_condition", "2026-12-01"),
        (
            "25 December",
            ("utter_closed_that_day_holiday", "Christmas Day"),
            "yes_with_condition",
            "2026-12-27",
        ),
    ],
)
async def test_a_day_the_workshop_cannot_do_gets_the_next_open_day_on_the_ladder(
    dispatcher, domain, value, why, rung, offered
) -> None:
    events = await validate(
        ValidateRepairForm(),
        dispatcher,
        domain,
        "repair_form",
        "repair_date",
        value,
        "repair_date",
        value,
    )
    assert slot_values(events) == {
        "repair_date": None,
        "form_hint_for": "repair_date",
        "offered_repair_date": offered,
    }
    closed, answer = dispatcher.messages
    assert closed["response"] == why[0] and closed.get("holiday") == why[1]
    assert answer["say_yes"]["kind"] == "repair_slot" and answer["say_yes"]["rung"] == rung
    assert answer["text"].startswith("Yes, we can fix it on ")
    # The yes button answers inside the form; no button leaves the form by accident.
    assert [button["payload"] for button in answer["buttons"]] == ["/affirm"]


async def test_yes_to_the_offered_day_books_it(dispatcher, domain) -> None:
    tracker = make_tracker(
        "affirm",
        "/affirm",
        slots={
            "requested_slot": "repair_date",
            "repair_date": "/affirm",
            "offered_repair_date": "2026-12-01",
        },
        after=[slot_event("repair_date", "/affirm")],
        active_loop="repair_form",
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["repair_date"] == "2026-12-01"
    assert slot_values(events)["offered_repair_date"] is None
    assert dispatcher.messages == []


async def test_yes_without_an_offered_day_asks_for_a_day(dispatcher, domain) -> None:
    tracker = make_tracker(
        "affirm",
        "yes",
        slots={"requested_slot": "repair_date", "repair_date": "yes"},
        after=[slot_event("repair_date", "yes")],
        active_loop="repair_form",
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["repair_date"] is None
    assert said(dispatcher) == ["utter_explain_date_unclear"]


async def test_a_correction_of_the_bike_while_asked_for_the_date(dispatcher, domain) -> None:
    text = "actually it's my gravel bike"
    tracker = make_tracker(
        "inform",
        text,
        [entity("bike_type", "gravel")],
        slots={"requested_slot": "repair_date", "repair_bike": "gravel", "repair_date": text},
        after=[slot_event("repair_bike", "gravel"), slot_event("repair_date", text)],
        active_loop="repair_form",
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events) == {"repair_bike": "gravel bike", "repair_date": None}
    assert said(dispatcher) == ["utter_bike_noted"]  # the new bike, said once


async def test_a_vague_bike_and_a_one_word_problem_are_explained(dispatcher, domain) -> None:
    events = await validate(
        ValidateRepairForm(),
        dispatcher,
        domain,
        "repair_form",
        "repair_bike",
        "my bike",
        "repair_bike",
        "my bike",
    )
    assert slot_values(events)["repair_bike"] is None
    events = await validate(
        ValidateRepairForm(),
        dispatcher,
        domain,
        "repair_form",
        "repair_problem",
        "broken",
        "repair_problem",
        "broken",
    )
    assert slot_values(events)["repair_problem"] is None
    assert said(dispatcher) == ["utter_explain_bike_short", "utter_explain_problem_short"]


@pytest.mark.parametrize(
    ("said_bike", "kept"),
    [
        ("my trek fx3", "Trek FX 3"),  # the same item: linked to its catalogue name
        ("my Trek FX 3", "Trek FX 3"),
        ("cannondale topstone", "Cannondale Topstone"),  # not the Cannondale Synapse
        ("my trek", "Trek"),  # a brand alone is not the shop's Trek FX 3
        ("my old gravel bike", "old gravel bike"),
    ],
)
async def test_the_customers_bike_is_kept_as_said_never_snapped_to_another_item(
    dispatcher, domain, said_bike, kept
) -> None:
    events = await validate(
        ValidateRepairForm(),
        dispatcher,
        domain,
        "repair_form",
        "repair_bike",
        said_bike,
        "repair_bike",
        said_bike,
    )
    assert slot_values(events)["repair_bike"] == kept
    assert said(dispatcher) == ["utter_bike_noted"]
    assert dispatcher.messages[0]["bike"] == kept


@pytest.mark.parametrize(
    ("value", "expected", "response"),
    [
        ("it was 12", None, "utter_explain_order_id_format"),
        # A number nobody has gets the same questions as someone else's order (details).
        ("#Q0000", "Q0000", "utter_order_check_intro"),
        ("order #a1234", "A1234", None),
        ("yesterday", None, "utter_explain_order_id_format"),
    ],
)
async def test_order_numbers_are_checked(dispatcher, domain, value, expected, response) -> None:
    events = await validate(
        ValidateReturnForm(),
        dispatcher,
        domain,
        "return_form",
        "return_order_id",
        value,
        "return_order_id",
        value,
        customer="c-1001",  # A1234's owner, signed in
    )
    assert slot_values(events)["return_order_id"] == expected
    assert said(dispatcher) == ([response] if response else [])


async def test_an_item_not_in_the_order_lists_what_is(dispatcher, domain) -> None:
    tracker = make_tracker(
        "inform",
        "the lock",
        slots={
            "requested_slot": "return_item",
            "return_order_id": "A1234",
            "return_item": "the lock",
            "customer_id": "c-1001",  # the order's owner, signed in
        },
        after=[slot_event("return_item", "the lock")],
        active_loop="return_form",
    )
    events = await ValidateReturnForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["return_item"] is None
    assert said(dispatcher) == ["utter_explain_item_not_in_order"]
    assert dispatcher.messages[0]["items"] == "Giro helmet and Lezyne lights"


async def test_the_ask_action_is_quiet_right_after_an_explanation(dispatcher, domain) -> None:
    tracker = make_tracker(
        "inform", slots={"form_hint_for": "return_order_id"}, active_loop="return_form"
    )
    events = await ActionAskReturnOrderId().run(dispatcher, tracker, domain)
    assert dispatcher.messages == []
    assert slot_values(events) == {"form_hint_for": None}
    events = await ActionAskRepairDate().run(dispatcher, make_tracker("inform"), domain)
    assert said(dispatcher) == ["utter_ask_repair_date"]
    assert events == []


async def test_stopping_the_repair_form_clears_it(dispatcher, domain) -> None:
    tracker = make_tracker("deny", slots={"repair_bike": "Trek FX 3"})
    events = await ActionStopRepairForm().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_form_stopped"]
    assert slot_values(events) == {
        "repair_bike": None,
        "repair_problem": None,
        "repair_date": None,
        "offered_repair_date": None,
        "form_hint_for": None,
    }


async def test_an_order_with_one_item_needs_no_item_question(dispatcher, domain) -> None:
    events = await validate(
        ValidateReturnForm(),
        dispatcher,
        domain,
        "return_form",
        "return_order_id",
        "C3309",
        "return_order_id",
        "C3309",
        customer="c-1002",  # the order's owner, signed in
    )
    assert slot_values(events) == {
        "return_order_id": "C3309",
        "return_item": "Brooks saddle",
        "requested_slot": "return_reason",  # no email address or postcode for the owner
    }


@pytest.mark.parametrize(
    ("said_", "expected"),
    [
        ("my road bike", "road bike"),
        ("gravel", "gravel bike"),
        ("sorry, it's actually my gravel bike", "gravel bike"),
        ("the e-bike", "e-bike"),
    ],
)
def test_the_bike_is_named_back_the_way_a_person_would(said_: str, expected: str) -> None:
    assert bike_name(said_, bike_kind_names(SHIPPED)) == expected


@pytest.mark.parametrize(
    ("action", "form", "slot", "value"),
    [
        (ValidateReturnForm(), "return_form", "return_order_id", "A1234"),
        (ValidateRepairForm(), "repair_form", "repair_problem", "the brakes squeal"),
    ],
)
async def test_a_validation_that_fails_keeps_the_form_going_and_offers_a_person(
    dispatcher, domain, sample_shop, action, form, slot, value
) -> None:
    # The business file can't be read (moved during a deploy): the customer still gets a reply.
    object.__setattr__(sample_shop, "business_file", sample_shop.business_file.parent / "gone.yml")
    events = await validate(action, dispatcher, domain, form, slot, value, slot, value)
    assert events == []
    assert said(dispatcher) == ["utter_something_went_wrong"]
