"""The stop check with the patterns of config.yml (no mocks): a clear stop or refusal is a deny,
anything else keeps its intent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from bot.refusals import STOPPED, StopCheck

ROOT = Path(__file__).resolve().parents[3]


def check_config(intent: str = "deny") -> dict[str, Any]:
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    [step] = [
        step
        for step in pipeline
        if step["name"] == "bot.refusals.StopCheck" and step.get("stop_intent") == intent
    ]
    return {**StopCheck.get_default_config(), **step}


@pytest.fixture(scope="module")
def check() -> StopCheck:
    return StopCheck(check_config())


@pytest.fixture(scope="module")
def person_check() -> StopCheck:
    return StopCheck(check_config("request_human"))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("MANAGER.", "nlu_fallback"),
        ("i want a manager NOW", "complain"),
        ("get me your supervisor!!", "inform"),
        ("can i speak to someone in charge", "ask_hours"),
        ("i need to talk to a real person please", "nlu_fallback"),
        ("human", "out_of_scope"),
    ],
)
def test_a_demand_for_a_person_asks_for_a_person(
    person_check: StopCheck, text: str, intent: str
) -> None:
    found = message(text, intent)
    person_check.check(found)
    assert found.get("intent") == {"name": "request_human", "confidence": 1.0}


@pytest.mark.parametrize(
    "text",
    [
        "is the manager in on saturday?",
        "are you human",
        "my manager bought me a bike",
        "i want a bike for the person i love",
    ],
)
def test_a_message_about_a_person_is_not_a_demand(person_check: StopCheck, text: str) -> None:
    found = message(text, "ask_hours")
    person_check.check(found)
    assert found.get("intent")["name"] == "ask_hours"


def message(text: str, intent: str, confidence: float = 0.7) -> Message:
    ranking = [{"name": intent, "confidence": confidence}, {"name": "deny", "confidence": 0.05}]
    found = Message(data={"text": text})
    found.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    found.set("intent_ranking", ranking, add_to_output=True)
    return found


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("STOP", "nlu_fallback"),
        ("please stop asking", "inform"),
        ("no, stop.", "book_repair"),
        ("I don't want a repair", "book_repair"),
        ("no i do not want a booking!!", "inform"),
        ("dont need a service thanks", "book_repair"),
        ("forget it", "nlu_fallback"),
        ("nah, never mind", "inform"),
    ],
)
def test_a_clear_stop_or_refusal_is_a_deny(check: StopCheck, text: str, intent: str) -> None:
    found = message(text, intent)
    check.check(found)
    assert found.get("intent") == {"name": "deny", "confidence": 1.0}
    assert found.get("intent_ranking")[0]["name"] == "deny"
    assert found.get(STOPPED) == {"intent_was": intent}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("can i stop by on saturday", "ask_hours"),
        ("my brakes won't stop the bike", "book_repair"),
        ("i don't want a repair, i want a refund", "return_request"),
        ("stop, get me a person", "request_human"),
        ("the repair", "inform"),
    ],
)
def test_anything_more_than_a_stop_keeps_its_intent(
    check: StopCheck, text: str, intent: str
) -> None:
    found = message(text, intent)
    check.check(found)
    assert found.get("intent")["name"] == intent
    assert found.get(STOPPED) is None


@pytest.fixture(scope="module")
def cancel_check() -> StopCheck:
    return StopCheck(check_config("cancel_booking"))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("actually cancel my booking", "inform"),  # an answer to the form's question
        ("forget it, cancel that", "nlu_fallback"),
        ("no wait, cancel it please", "deny"),
        ("Cancel.", "book_repair"),
        ("can you just cancel the appointment", "inform"),
        ("change of plan, cancel my repair booking thanks", "book_repair"),
    ],
)
def test_a_message_that_is_only_a_cancel_cancels(
    cancel_check: StopCheck, text: str, intent: str
) -> None:
    found = message(text, intent)
    cancel_check.check(found)
    assert found.get("intent") == {"name": "cancel_booking", "confidence": 1.0}


@pytest.mark.parametrize(
    "text",
    ["can i cancel an order?", "cancel my order", "do i get charged if i cancel", "i cancelled"],
)
def test_a_message_about_cancelling_something_else_keeps_its_intent(
    cancel_check: StopCheck, text: str
) -> None:
    found = message(text, "order_status")
    cancel_check.check(found)
    assert found.get("intent")["name"] == "order_status"


@pytest.fixture(scope="module")
def name_check() -> StopCheck:
    return StopCheck(check_config("correct_fact"))


@pytest.mark.parametrize(
    "text",
    ["no it's Jo not Joe", "Jo not Joe", "nope, its Sam, not Tom!", "sorry im Katie not Kate"],
)
def test_a_word_said_against_another_is_a_correction_not_a_no(
    name_check: StopCheck, text: str
) -> None:
    found = message(text, "deny")
    name_check.check(found)
    assert found.get("intent") == {"name": "correct_fact", "confidence": 1.0}


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "no I'm fine not interested",
        "thursday not tuesday",
        "its a trek not a giant",
        "not now thanks",
        "no it's broken not bent",
    ],
)
def test_a_no_or_a_day_against_a_day_is_not_a_name_correction(
    name_check: StopCheck, text: str
) -> None:
    found = message(text, "deny")
    name_check.check(found)
    assert found.get("intent")["name"] == "deny"
