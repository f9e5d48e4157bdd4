"""The customer corrects or forgets one fact in their own words; the chat shows the change."""

from __future__ import annotations

from typing import Any

import pytest
from action_testkit import make_tracker, said
from personal_fakes import DownMemory, FakeMemory, card, use_memory
from rasa_sdk.executor import CollectingDispatcher

from actions.corrections import ActionChangeFact


def slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


async def test_a_corrected_bike_replaces_the_remembered_one_as_said(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    memory = FakeMemory(card())
    use_memory(monkeypatch, memory)
    tracker = make_tracker(
        "correct_fact",
        "no, my bike is a cannondale topstone",
        slots={"known_bike": "Trek FX 3", "repair_bike": "Trek FX 3"},
    )
    events = await ActionChangeFact().run(dispatcher, tracker, domain)
    [(customer, fact)] = memory.corrected
    assert (customer, fact.kind, fact.value) == (7, "bike", "Cannondale Topstone")
    assert said(dispatcher) == ["utter_fact_corrected_bike"]
    assert dispatcher.messages[0]["value"] == "Cannondale Topstone"
    assert slots(events) == {
        "known_bike": "Cannondale Topstone",
        "repair_bike": None,
        "bike_type": None,
    }


async def test_forgetting_the_bike_forgets_only_the_bike(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    memory = FakeMemory(card())
    use_memory(monkeypatch, memory)
    tracker = make_tracker(
        "forget_fact",
        "please forget my bike",
        slots={"known_bike": "Trek FX 3", "customer_name": "Sam"},
    )
    events = await ActionChangeFact().run(dispatcher, tracker, domain)
    assert memory.forgotten == [(7, "bike")]
    assert memory.corrected == []
    assert said(dispatcher) == ["utter_fact_forgotten_bike"]
    assert slots(events) == {"known_bike": None, "repair_bike": None, "bike_type": None}


async def test_a_forgotten_bike_leaves_no_slot_that_would_show_it_again(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    # "what do you know about me" shows these slots, and `preferences` is carried over to the
    # next session: a bike forgotten in memory must not live on in them.
    memory = FakeMemory(card())
    use_memory(monkeypatch, memory)
    tracker = make_tracker(
        "forget_fact",
        "forget my bike",
        slots={
            "known_bike": "Trek FX 3",
            "bike_type": "hybrid",
            "product": "trek fx 3",
            "preferences": ["I ride my Trek FX 3 to work", "I prefer early rides"],
            "customer_name": "Sam",
        },
    )
    events = await ActionChangeFact().run(dispatcher, tracker, domain)
    assert memory.forgotten == [(7, "bike")]
    assert slots(events) == {
        "known_bike": None,
        "repair_bike": None,
        "bike_type": None,
        "product": None,
        "preferences": ["I prefer early rides"],
    }


async def test_a_correction_that_names_no_fact_asks_with_an_example(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    memory = FakeMemory(card())
    use_memory(monkeypatch, memory)
    events = await ActionChangeFact().run(
        dispatcher, make_tracker("correct_fact", "that's not right"), domain
    )
    assert memory.corrected == [] and memory.forgotten == []
    assert said(dispatcher) == ["utter_fact_change_unclear"]
    assert events == []


async def test_memory_down_offers_a_person(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    use_memory(monkeypatch, DownMemory())
    events = await ActionChangeFact().run(
        dispatcher, make_tracker("correct_fact", "my name is Sam"), domain
    )
    assert said(dispatcher) == ["utter_fact_change_memory_down"]
    assert events == []
