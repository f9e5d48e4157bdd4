"""A plain "no" to a form question where no means "I don't have it" goes down that question's
ladder (actions/exits.py `no_as_not_given`, driven by the `Exit` table), never stops the form;
to any other question, or with more words ("no, forget it"), it is still a change of mind.

Each turn is run the way Rasa runs it: the language model read the message as `deny`, so the
domain's mappings extract nothing and the form's validation sees no candidate answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from action_testkit import make_tracker, said
from rasa.shared.core.domain import Domain
from rasa_sdk.executor import CollectingDispatcher

from actions.exits import UNKNOWN, Exit, says_plain_no
from actions.forms import (
    EXITS,
    NO_ORDER,
    RETURN_DETAILS_EXITS,
    ValidateOrderCheckForm,
    ValidateRepairForm,
    ValidateReturnForm,
)

DOMAIN = Domain.load(str(Path(__file__).parents[3] / "domain.yml")).as_dict()
CONFIRMED = {
    "return_order_id": "A1234",
    "confirmed_orders": ["A1234"],
    "return_item": "Giro helmet",
}
PLAIN_NOS = [
    "no",
    "nope",
    "No.",
    "nah",
    "no i dont",
    "no, I don't have one",
    "no I haven't",
    "nope sorry",
]


async def deny_turn(
    validation: Any, form: str, slot: str, text: str, intent: str = "deny", **others: Any
) -> Any:
    """The form's validation for a `deny` answer to `slot`'s question: (slots set, said).
    With another intent, the domain's mapping made the words the candidate answer."""
    dispatcher = CollectingDispatcher()
    after = [] if intent == "deny" else [{"event": "slot", "name": slot, "value": text}]
    tracker = make_tracker(
        intent,
        text,
        slots={"requested_slot": slot, **others},
        after=after,
        active_loop=form,
    )
    events = await validation().run(dispatcher, tracker, DOMAIN)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return slots, said(dispatcher)


@pytest.mark.parametrize("text", PLAIN_NOS)
def test_a_plain_no_is_heard(text: str) -> None:
    assert says_plain_no(make_tracker("deny", text))


@pytest.mark.parametrize(
    "text",
    ["no, forget it", "no thanks, I'll leave it", "no I want to stop", "nope, never mind", "A1234"],
)
def test_a_no_with_more_to_it_is_not_a_plain_no(text: str) -> None:
    assert not says_plain_no(make_tracker("deny", text))


def test_the_questions_where_no_means_i_dont_have_it() -> None:
    # The order number, roughly when, the reason, and the order's details in a return.
    accepting = {slot for slot, exit_ in EXITS.items() if exit_.no_means_not_given}
    assert accepting == {"return_order_id", "return_bought", "return_reason"}
    assert all(exit_.no_means_not_given for exit_ in RETURN_DETAILS_EXITS.values())
    assert not Exit("utter_x", None).no_means_not_given  # a question must say so


@pytest.mark.parametrize("text", PLAIN_NOS)
async def test_no_to_the_order_number_goes_on_without_it(text: str) -> None:
    slots, responses = await deny_turn(ValidateReturnForm, "return_form", "return_order_id", text)
    assert slots["return_order_id"] == NO_ORDER
    assert slots["requested_slot"] == "return_item"  # the form goes on: which item
    assert responses == []


@pytest.mark.parametrize("intent", ["inform", "affirm", "out_of_scope"])
async def test_a_plain_no_read_as_something_else_is_still_no_number(intent: str) -> None:
    slots, responses = await deny_turn(
        ValidateReturnForm, "return_form", "return_order_id", "no i dont", intent=intent
    )
    assert slots["return_order_id"] == NO_ORDER
    assert "utter_explain_order_id_format" not in responses


async def test_no_to_when_it_was_bought_is_unknown_and_the_form_goes_on() -> None:
    slots, responses = await deny_turn(
        ValidateReturnForm,
        "return_form",
        "return_bought",
        "nope",
        return_order_id=NO_ORDER,
        return_item="Giro helmet",
        order_email=UNKNOWN,
        order_postcode=UNKNOWN,
    )
    assert slots["return_bought"] == UNKNOWN
    assert slots["requested_slot"] == "return_reason"
    assert responses == [EXITS["return_bought"].way_out]  # the receipt, the card, a person


async def test_no_to_the_reason_needs_no_reason() -> None:
    slots, responses = await deny_turn(
        ValidateReturnForm, "return_form", "return_reason", "no", **CONFIRMED
    )
    assert slots["return_reason"] == UNKNOWN
    assert responses == [EXITS["return_reason"].way_out]


@pytest.mark.parametrize("slot", ["order_email", "order_postcode"])
async def test_no_to_the_order_s_details_in_a_return_goes_on_without_the_order(slot: str) -> None:
    others = {"return_order_id": "C3309"}
    if slot == "order_postcode":
        others["order_email"] = "priya.shah@example.com"
    slots, responses = await deny_turn(
        ValidateReturnForm, "return_form", slot, "no i dont", **others
    )
    assert slots["return_order_id"] == NO_ORDER
    assert slots["order_email"] == slots["order_postcode"] == UNKNOWN  # not asked again
    assert responses == ["utter_return_without_order_details"]


async def test_a_no_with_more_to_it_still_stops_the_return() -> None:
    slots, responses = await deny_turn(
        ValidateReturnForm, "return_form", "return_order_id", "no, forget it"
    )
    # Nothing taken: Rasa rejects the form's run and the rule for `deny` stops it.
    assert "return_order_id" not in slots and responses == []


@pytest.mark.parametrize(
    ("validation", "form", "slot"),
    [
        (ValidateRepairForm, "repair_form", "repair_bike"),
        (ValidateRepairForm, "repair_form", "repair_date"),
        (ValidateReturnForm, "return_form", "return_item"),
        (ValidateOrderCheckForm, "order_check_form", "order_email"),
    ],
)
async def test_no_to_other_questions_is_still_a_change_of_mind(
    validation: Any, form: str, slot: str
) -> None:
    slots, responses = await deny_turn(validation, form, slot, "no")
    assert slot not in slots and responses == []


async def test_no_never_loops_the_order_number_question() -> None:
    # "no" after the number was explained once: still the way out, never the question again.
    explained = {
        "event": "bot",
        "text": "That doesn't look like an order number yet",
        "metadata": {"utter_action": "utter_explain_order_id_format"},
    }
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "deny",
        "nope",
        slots={"requested_slot": "return_order_id"},
        history=[{"event": "active_loop", "name": "return_form"}, explained],
        active_loop="return_form",
    )
    events = await ValidateReturnForm().run(dispatcher, tracker, DOMAIN)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["return_order_id"] == NO_ORDER
    assert "utter_explain_order_id_format" not in said(dispatcher)
