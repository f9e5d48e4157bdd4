"""Iterative convenience: "same bike as last time?", remembering the bike, keeping ideas."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from action_testkit import make_tracker, said
from personal_fakes import DownMemory, FakeMemory, use_memory
from rasa_sdk.executor import CollectingDispatcher

from actions import connection, forms, orders

DROP_OFF = "2026-11-25"


async def test_a_known_bike_is_offered_instead_of_asked_for(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("book_repair", "book a repair", slots={"known_bike": "Trek FX 3"})
    await forms.ActionAskRepairBike().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_ask_repair_bike_same"]
    assert dispatcher.messages[0]["bike"] == "Trek FX 3"


async def test_without_a_known_bike_the_question_is_the_usual_one(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    await forms.ActionAskRepairBike().run(dispatcher, make_tracker("book_repair"), domain)
    assert said(dispatcher) == ["utter_ask_repair_bike"]


@pytest.mark.parametrize(
    ("answer", "intent", "expected", "response"),
    [
        ("yes", "affirm", "Trek FX 3", []),
        ("same bike", "inform", "Trek FX 3", []),
        ("a different bike", "inform", None, ["utter_ask_repair_bike_other"]),
        ("my Specialized Diverge", "inform", "Specialized Diverge", ["utter_bike_noted"]),
    ],
)
async def test_the_answer_to_same_bike_fills_the_form(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    answer: str,
    intent: str,
    expected: str | None,
    response: list[str],
) -> None:
    tracker = make_tracker(
        intent,
        answer,
        slots={"known_bike": "Trek FX 3", "requested_slot": "repair_bike"},
        active_loop="repair_form",
    )
    result = await forms.ValidateRepairForm().validate_repair_bike(
        answer, dispatcher, tracker, domain
    )
    assert result["repair_bike"] == expected
    assert said(dispatcher) == response


async def test_a_booked_repair_remembers_the_bike(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    memory = FakeMemory()
    use_memory(monkeypatch, memory)
    slots = {
        "repair_bike": "Trek FX 3",
        "repair_problem": "brakes squeal",
        "repair_date": "2026-11-25",
    }
    events = await orders.ActionSubmitRepair().run(
        dispatcher, make_tracker("affirm", slots=slots), domain
    )
    assert said(dispatcher) == ["utter_repair_booked"]
    [(_, fact, source)] = memory.recorded_facts
    assert (fact.kind, fact.value, source) == ("bike", "Trek FX 3", "form")
    assert memory.evidence == [41]  # kept with the customer's message it came from
    assert {
        "event": "slot",
        "timestamp": None,
        "name": "known_bike",
        "value": "Trek FX 3",
    } in events


async def test_a_booking_still_confirms_when_memory_is_down(
    monkeypatch: pytest.MonkeyPatch,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    use_memory(monkeypatch, DownMemory())
    slots = {
        "repair_bike": "Trek FX 3",
        "repair_problem": "brakes squeal",
        "repair_date": "2026-11-25",
    }
    with caplog.at_level(logging.ERROR):
        await orders.ActionSubmitRepair().run(
            dispatcher, make_tracker("affirm", slots=slots), domain
        )
    assert said(dispatcher) == ["utter_repair_booked"]
    assert "relationship memory unavailable" in caplog.text


async def test_an_idea_is_thanked_and_kept_for_the_team(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    memory = FakeMemory()
    use_memory(monkeypatch, memory)
    tracker = make_tracker("give_feedback", "you should run a beginners' ride")
    events = await connection.ActionNoteFeedback().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_noted_idea"]
    assert memory.shared_feedback == [(7, "idea", "you should run a beginners' ride")]
    assert events[0]["value"] == ["you should run a beginners' ride"]


async def test_an_aspiration_is_acknowledged_warmly(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    use_memory(monkeypatch, FakeMemory())
    tracker = make_tracker("share_aspiration", "I'm training for a gravel century")
    await connection.ActionNoteAspiration().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_noted_aspiration"]
    assert "gravel century" in dispatcher.messages[0]["aspiration"]


@pytest.mark.parametrize(
    ("text", "goal", "kept"),
    [
        (
            "hi, I'm Tom. I mostly ride gravel and I'm training for a 100 mile sportive in May",
            "“100 mile sportive in May”",
            "100 mile sportive in May",
        ),
        ("I'm training for my first century", "“your first century”", "my first century"),
    ],
)
async def test_only_the_goal_is_echoed_not_the_whole_message(
    monkeypatch: pytest.MonkeyPatch,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    text: str,
    goal: str,
    kept: str,
) -> None:
    use_memory(monkeypatch, FakeMemory())
    tracker = make_tracker("share_aspiration", text)
    events = await connection.ActionNoteAspiration().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["aspiration"] == goal
    assert events[-1]["value"] == [kept]
