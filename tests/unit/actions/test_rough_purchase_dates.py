"""When a customer can only say roughly when they bought something, the return goes on: a rough
time is taken as a date (and said back), "ages ago" or "can't remember" gets the next steps, and
the question is never put a third time, even when the customer asked something else between."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from action_testkit import make_tracker, said, user_event
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import NO_ORDER, PurchaseAge, ValidateReturnForm, purchase_age
from voice.business import Vocabulary, load

ROOT = Path(__file__).resolve().parents[3]
TUESDAY = dt.date(2026, 11, 24)  # the test clock's day


@pytest.fixture(scope="module")
def words() -> Vocabulary:
    return load(ROOT / "business.yml").vocabulary


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("last month", PurchaseAge(30, dt.date(2026, 10, 25))),
        ("a few weeks back", PurchaseAge(21, dt.date(2026, 11, 3))),
        ("couple of weeks ago i think", PurchaseAge(14, dt.date(2026, 11, 10))),
        ("in the summer", PurchaseAge(132, dt.date(2026, 7, 15))),
        ("some time in the spring", PurchaseAge(223, dt.date(2026, 4, 15))),
        ("back in march", PurchaseAge(254, dt.date(2026, 3, 15))),
        ("around the 3rd", PurchaseAge(21, dt.date(2026, 11, 3))),
        ("on the 28th or thereabouts", PurchaseAge(27, dt.date(2026, 10, 28))),
        ("dunno, ages ago", PurchaseAge(None)),
        ("yonks", PurchaseAge(None)),
        ("about 50 days ago", PurchaseAge(50)),
        ("12 October", PurchaseAge(43)),
        ("i may have bought it last week", PurchaseAge(7, dt.date(2026, 11, 17))),
        ("the blue one", None),
    ],
)
def test_a_rough_time_is_read_as_a_date(words: Vocabulary, text: str, age: Any) -> None:
    assert purchase_age(text, TUESDAY, words) == age


def bought_asked(intent: str, text: str, history: list[dict[str, Any]] | None = None) -> Any:
    slots = {"requested_slot": "return_bought", "return_bought": text, "return_order_id": NO_ORDER}
    return make_tracker(intent, text, slots=slots, history=history or (), active_loop="return_form")


async def test_a_season_is_taken_as_its_month_and_said_back(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = bought_asked("inform", "in the summer")
    result = await ValidateReturnForm().validate_return_bought(
        "in the summer", dispatcher, tracker, domain
    )
    assert result == {"return_bought": "132"}
    assert said(dispatcher) == ["utter_return_bought_assumed"]
    assert dispatcher.messages[0]["date"] == "15 July"


@pytest.mark.parametrize(
    ("intent", "text"),
    [("inform", "dunno, ages ago"), ("dont_know", "can't remember"), ("inform", "cant remember")],
)
async def test_not_knowing_when_gets_the_next_steps_and_goes_on(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], intent: str, text: str
) -> None:
    tracker = bought_asked(intent, text)
    result = await ValidateReturnForm().validate_return_bought(text, dispatcher, tracker, domain)
    assert result == {"return_bought": "unknown"}
    assert said(dispatcher) == ["utter_return_bought_unknown"]


def _bot(response: str) -> dict[str, Any]:
    return {"event": "bot", "text": "", "metadata": {"utter_action": response}}


ASKED_TWICE = [
    {"event": "active_loop", "name": "return_form"},
    _bot("utter_ask_return_bought"),
    {"event": "action", "name": "action_listen"},
    user_event("ask_hours", "are you open sunday"),
    {"event": "action", "name": "action_tell_hours"},
    _bot("utter_ask_return_bought"),
]


async def test_a_miss_after_the_question_was_put_twice_takes_the_way_out(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = bought_asked("inform", "hmm let me think", history=ASKED_TWICE)
    result = await ValidateReturnForm().validate_return_bought(
        "hmm let me think", dispatcher, tracker, domain
    )
    assert result == {"return_bought": "unknown"}
    assert said(dispatcher) == ["utter_return_bought_unknown"]  # not the example: a third ask


async def test_back_from_an_aside_the_question_is_not_put_a_third_time(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [
        *ASKED_TWICE,
        {"event": "action", "name": "action_listen"},
        user_event("ask_location", "where are you"),
    ]
    tracker = make_tracker(
        "ask_location",
        "where are you",
        slots={"requested_slot": "return_bought", "return_order_id": NO_ORDER},
        history=history,
        active_loop="return_form",
    )
    tracker.events.append({"event": "action", "name": "action_tell_location"})
    tracker.latest_action_name = "action_tell_location"
    events = await ValidateReturnForm().run(dispatcher, tracker, domain)
    assert SlotSet("return_bought", "unknown") in events
    assert said(dispatcher) == ["utter_return_bought_unknown"]


async def test_back_from_an_aside_a_question_put_once_is_asked_again(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [*ASKED_TWICE[:2], {"event": "action", "name": "action_listen"}]
    tracker = make_tracker(
        "ask_hours",
        "are you open sunday",
        slots={"requested_slot": "return_bought", "return_order_id": NO_ORDER},
        history=history,
        active_loop="return_form",
    )
    tracker.latest_action_name = "action_tell_hours"
    events = await ValidateReturnForm().run(dispatcher, tracker, domain)
    assert SlotSet("return_bought", "unknown") not in events
    assert said(dispatcher) == []
