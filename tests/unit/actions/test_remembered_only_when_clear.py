"""A fact is kept only when the customer clearly gave it (finding G5-G7 of the fourth outside
test): a no, a don't-know, a request or a question is never a bike or an item; a goal is the
goal, never the whole message; a reference is one only in the shop's format, and it can be
forgotten on its own; a postcode, an email or a number is never a name.

One test per pattern, with sentences of our own like the ones that went wrong. Each plays the
real validation or action and asserts what is kept, not only what is said.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from action_testkit import make_tracker, said
from personal_fakes import FakeMemory, card, use_memory
from rasa_sdk.executor import CollectingDispatcher

from actions.connection import ActionNoteAspiration
from actions.corrections import ActionChangeFact
from actions.forms import NO_ORDER, ValidateRepairForm, ValidateReturnForm, names_an_item
from actions.greeting import choose_greeting
from actions.privacy import ActionWhatDoYouKnow
from memory.facts import FactExtractor, facts_from_slots
from voice.business import load

SHOP = load(Path(__file__).parents[3] / "business.yml")


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def answering(slot: str, text: str, form: str, **slots: Any) -> Any:
    """The latest message answers `slot`'s question (its from_text value is the message)."""
    return make_tracker(
        "inform",
        text,
        slots={"requested_slot": slot, slot: text, **slots},
        after=[{"event": "slot", "name": slot, "value": text}],
        active_loop=form,
    )


# --- G5: which bike is it? ------------------------------------------------------------------

NOT_A_BIKE = [
    "nope, my cat. are cats ok in the shop?",  # a no and another question
    "yeah go on then book it for me",  # a yes and a request
    "dunno its my brothers old one, green",  # not knowing
    "something different. i only want a road bike",  # not a bike of theirs
    "no i meant a wheel truing, for my commute",  # a correction of the request
]


@pytest.mark.parametrize("text", NOT_A_BIKE)
async def test_an_answer_that_names_no_bike_is_not_kept_as_the_bike(
    text: str, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = answering("repair_bike", text, "repair_form")
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events).get("repair_bike") is None
    assert "utter_bike_noted" not in said(dispatcher)  # nothing "I'll remember" about it


@pytest.mark.parametrize(
    ("text", "bike"),
    [("yes, a Dawes Galaxy", "Dawes Galaxy"), ("my sisters old raleigh", "sisters old raleigh")],
)
async def test_an_answer_that_names_a_bike_is_kept(
    text: str, bike: str, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = answering("repair_bike", text, "repair_form")
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert bike.lower() in str(slot_values(events).get("repair_bike")).lower()
    assert said(dispatcher)[0] == "utter_bike_noted"


def test_what_names_an_item_and_what_does_not() -> None:
    assert names_an_item("a Dawes Galaxy")
    assert names_an_item("i have a cannondale")
    assert not names_an_item("idk really")
    assert not names_an_item("the one you sold me?")
    assert not names_an_item("ok book it in please")


# --- G5: which item is it? (a return) -------------------------------------------------------


async def test_the_returned_item_is_the_item_without_the_aside(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = answering(
        "return_item", "the gloves?? like i told you", "return_form", return_order_id=NO_ORDER
    )
    events = await ValidateReturnForm().run(dispatcher, tracker, domain)
    item = str(slot_values(events).get("return_item") or "")
    assert "?" not in item and "told" not in item
    assert "gloves" in item.lower()


# --- G5: goals ------------------------------------------------------------------------------


async def test_a_goal_said_after_a_greeting_is_the_goal_without_the_greeting(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    text = "hi im Tom, training for a 200k audax next summer on my trek domane"
    events = await ActionNoteAspiration().run(
        dispatcher, make_tracker("share_aspiration", text), domain
    )
    assert slot_values(events)["aspirations"] == ["200k audax next summer"]
    assert said(dispatcher) == ["utter_noted_aspiration"]


async def test_a_message_with_no_goal_in_it_is_not_kept_as_one(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    text = "how is my audax prep coming along do you reckon haha"
    tracker = make_tracker("share_aspiration", text, slots={"aspirations": ["200k audax"]})
    events = await ActionNoteAspiration().run(dispatcher, tracker, domain)
    assert slot_values(events) == {}  # the goal already kept stays as it was
    assert said(dispatcher) == ["utter_noted_aspiration_unclear"]


def test_the_extractor_reads_training_for_without_i_am() -> None:
    found = FactExtractor().extract(
        "hello, training for my first 50 mile charity ride in the spring"
    )
    assert [(f.kind, f.value) for f in found] == [
        ("aspiration", "my first 50 mile charity ride in the spring")
    ]


# --- G6: the reference ----------------------------------------------------------------------


async def test_a_letter_taken_for_a_reference_is_not_shown_as_one(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    slots = {"customer_name": "Tom", "order_id": "m"}
    await ActionWhatDoYouKnow().run(
        dispatcher, make_tracker("what_do_you_know", slots=slots), domain
    )
    assert said(dispatcher) == ["utter_what_i_know"]
    assert "reference" not in dispatcher.messages[0]["facts"]
    assert "Tom" in dispatcher.messages[0]["facts"]


async def test_a_reference_in_the_shops_format_is_shown(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    slots = {"order_id": "#a1234"}
    await ActionWhatDoYouKnow().run(
        dispatcher, make_tracker("what_do_you_know", slots=slots), domain
    )
    assert "A1234" in dispatcher.messages[0]["facts"]


async def test_the_reference_alone_can_be_forgotten(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    memory = FakeMemory(card())
    use_memory(monkeypatch, memory)
    tracker = make_tracker(
        "forget_fact",
        "remove the order ref you kept for me",
        slots={"order_id": "m", "customer_name": "Tom"},
    )
    events = await ActionChangeFact().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fact_forgotten_reference"]
    assert slot_values(events) == {"order_id": None, "return_order_id": None}
    assert memory.forgotten == [] and memory.corrected == []  # the memory holds no reference


async def test_a_reference_put_right_with_a_non_reference_is_forgotten(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    use_memory(monkeypatch, FakeMemory(card()))
    tracker = make_tracker(
        "correct_fact", "my order number isn't q, take it off", slots={"order_id": "q"}
    )
    events = await ActionChangeFact().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fact_forgotten_reference"]
    assert slot_values(events)["order_id"] is None


async def test_a_reference_put_right_in_the_shops_format_replaces_it(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    use_memory(monkeypatch, FakeMemory(card()))
    tracker = make_tracker("correct_fact", "my order number is 51234", slots={"order_id": "q"})
    events = await ActionChangeFact().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fact_corrected_reference"]
    assert slot_values(events)["order_id"] == "51234"


# --- G7: a postcode is not a name -----------------------------------------------------------


@pytest.mark.parametrize("value", ["LS6 2AB", "tom.b@example.org", "51234", "R-7KQ2M9XA"])
def test_a_postcode_email_or_number_is_never_kept_as_a_name(value: str) -> None:
    assert facts_from_slots({"customer_name": value}) == []
    assert choose_greeting({"customer_name": value}, SHOP).response == "utter_greet_new"


def test_a_name_is_kept() -> None:
    assert [f.value for f in facts_from_slots({"customer_name": "Anne-Marie"})] == ["Anne-Marie"]
    assert (
        choose_greeting({"customer_name": "Anne-Marie"}, SHOP).response == "utter_greet_new_named"
    )
