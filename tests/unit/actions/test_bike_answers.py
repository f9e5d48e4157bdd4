"""The repair form's bike question takes only a bike: an answer that names or describes one
(by the business file's words for bikes, or the catalogue's bikes) is the bike; a day the
workshop can take it is the drop-off day and a repair is the problem, each kept and the bike
asked again; a word that answers nothing ("sound", "great") goes down the question's ladder.

Each test plays the turn through the real validation and asserts what is kept and said."""

from __future__ import annotations

from typing import Any

import pytest
from action_testkit import make_tracker, said
from rasa_sdk.executor import CollectingDispatcher
from test_form_answers import (
    ROOT,
    SATURDAY,
    answer_to_bike,
    asked_bike_after,
    bot_said,
    slot_values,
)

from actions.forms import BOUGHT_SLOT, ValidateRepairForm, ValidateReturnForm, is_a_bike
from memory.facts import FactWords
from voice.business import Business, load

SHOP: Business = load(ROOT / "business.yml")
WORDS = FactWords.of(SHOP.vocabulary)


@pytest.mark.parametrize(
    "text", ["road bike", "old raleigh", "kids bike", "e-bike", "Dawes Galaxy", "Trek FX 3"]
)
def test_words_that_name_or_describe_a_bike_are_a_bike(text: str) -> None:
    assert is_a_bike(SHOP, WORDS, text)


@pytest.mark.parametrize(
    "text", ["saturday if poss", "sound", "great", "full overhaul please", "ok", "my dog"]
)
def test_words_that_name_no_bike_are_not_a_bike(text: str) -> None:
    assert not is_a_bike(SHOP, WORDS, text)


@pytest.mark.parametrize("text", ["sound", "great", "nice one"])
async def test_an_answer_that_names_no_bike_is_asked_again_with_an_example(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], text: str
) -> None:
    events = await ValidateRepairForm().run(dispatcher, answer_to_bike(text), domain)
    assert slot_values(events).get("repair_bike") is None
    assert said(dispatcher) == ["utter_explain_bike_short"]


async def test_the_second_answer_that_names_no_bike_goes_on_without_it(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [
        *asked_bike_after("can I book my bike in")[:-1],
        {"event": "user", "text": "sound", "parse_data": {"intent": {"name": "affirm"}}},
        bot_said("utter_explain_bike_short"),
        {"event": "action", "name": "action_listen"},
    ]
    tracker = answer_to_bike("great", history=history)
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["repair_bike"] == "unknown"
    assert said(dispatcher) == ["utter_bike_unknown"]


async def test_a_day_given_for_the_bike_is_the_drop_off_day_and_the_bike_is_asked(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = answer_to_bike("saturday if poss")
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    kept = slot_values(events)
    assert kept["repair_bike"] is None and kept["repair_date"] == SATURDAY
    assert said(dispatcher) == ["utter_bike_after_day"]


async def test_a_repair_given_for_the_bike_is_the_problem_and_the_bike_is_asked(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = answer_to_bike("full overhaul please")
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    kept = slot_values(events)
    assert kept["repair_bike"] is None and kept["repair_problem"] == "full overhaul"
    assert said(dispatcher) == ["utter_bike_after_problem"]


async def test_a_bike_described_is_the_bike(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ValidateRepairForm().run(dispatcher, answer_to_bike("my old raleigh"), domain)
    assert slot_values(events)["repair_bike"] == "old raleigh"
    assert said(dispatcher) == ["utter_bike_noted"]


# --- when it was bought, said with the return message, is not asked ---------------------------


@pytest.mark.parametrize(
    ("message", "days"),
    [
        ("can I return a pump from 10 days ago", 10),
        ("I want to return a helmet, 10 days ago I bought it", 10),
        ("need to return a jersey I got last week", 7),
        ("return a helmet, it's from last week, doesnt fit", 7),
    ],
)
async def test_when_it_was_bought_said_with_the_request_is_taken(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], message: str, days: int
) -> None:
    tracker = make_tracker(
        "return_request",
        message,
        history=[{"event": "session_started"}],
        active_loop="return_form",
        sender_id="test-customer",
    )
    form = ValidateReturnForm()
    extracted = await form.extract_return_bought(dispatcher, tracker, domain)
    assert extracted, message
    kept = await form.validate_return_bought(extracted[BOUGHT_SLOT], dispatcher, tracker, domain)
    assert kept[BOUGHT_SLOT] == str(days)


@pytest.mark.parametrize(
    "message", ["can I return it next week", "I'd like to send back the helmet tomorrow"]
)
async def test_a_day_to_come_with_the_request_is_not_when_it_was_bought(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], message: str
) -> None:
    tracker = make_tracker(
        "return_request",
        message,
        history=[{"event": "session_started"}],
        active_loop="return_form",
        sender_id="test-customer",
    )
    assert await ValidateReturnForm().extract_return_bought(dispatcher, tracker, domain) == {}
