"""A form's answer is an answer: a question or a sentence that answers nothing is never kept
(nor remembered), "I said, X" is X, and a booking request's own words fill what they say: the
bike it names ("its an old raleigh") and the repair it asks for ("a brake service"), with that
repair's estimate.

Each test plays the turn through the real validation (and, for a booking, the real submit action
with its bookings database and this test's own memory) and asserts what is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from action_testkit import action_event, entity, make_tracker, rendered, said, user_event
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.forms import ValidateRepairForm, problem_said
from actions.orders import ActionSubmitRepair
from actions.shop_records import bookings
from voice.business import load

ROOT = Path(__file__).parents[3]
SHOP = load(ROOT / "business.yml")
SENDER = "test-customer"
SATURDAY = "2026-11-28"


def bot_said(response: str) -> dict[str, Any]:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def asked_bike_after(request: str, entities: list[dict[str, Any]] | None = None) -> list[dict]:
    """A session where `request` started the booking and the bike was asked."""
    return [
        {"event": "session_started"},
        action_event("action_listen"),
        user_event("book_repair", request, entities or []),
        {"event": "active_loop", "name": "repair_form"},
        bot_said("utter_ask_repair_bike"),
        action_event("action_listen"),
    ]


def answer_to_bike(text: str, intent: str = "inform", history: list[dict] | None = None) -> Any:
    """The customer's `text` given to "Which bike is it?" (the from_text mapping's value)."""
    return make_tracker(
        intent,
        text,
        slots={"requested_slot": "repair_bike", "repair_bike": text},
        history=history or asked_bike_after("can I book my bike in"),
        after=[{"event": "slot", "name": "repair_bike", "value": text}],
        active_loop="repair_form",
        sender_id=SENDER,
    )


async def bike_facts() -> list[str]:
    store = await base.store()
    card = store.cards.card_for_sender(SENDER)
    return [fact.value for fact in card.preferences if fact.kind == "bike"] if card else []


# --- a question or an aside is not the bike ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ok whatever. can i pay in instalments?",
        "can i pay in instalments?",
        "how long will it take",
        "ok whatever",
    ],
)
async def test_a_question_or_an_aside_is_never_the_bike(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], text: str
) -> None:
    events = await ValidateRepairForm().run(dispatcher, answer_to_bike(text), domain)
    assert slot_values(events).get("repair_bike") is None
    assert "utter_bike_noted" not in said(dispatcher)
    assert said(dispatcher) == ["utter_explain_bike_short"]
    assert await bike_facts() == []


@pytest.mark.parametrize(
    ("text", "bike"),
    [
        ("i said, an old raleigh", "old raleigh"),
        ("I told you, a Dawes Galaxy", "Dawes Galaxy"),
        ("like i said its an old raleigh", "old raleigh"),
        ("yes, a Dawes Galaxy", "Dawes Galaxy"),
    ],
)
async def test_i_said_x_is_x(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], text: str, bike: str
) -> None:
    events = await ValidateRepairForm().run(dispatcher, answer_to_bike(text), domain)
    assert slot_values(events)["repair_bike"] == bike
    [noted] = dispatcher.messages
    assert rendered(domain, noted) == f"Your {bike}, lovely! I'll remember that."


# --- the booking request's own words: the bike it names, the repair it asks for ------------------

TUNE_UP = "whats your address and can i book a tune up for saturday, its an old raleigh"
BRAKES = "book me in for a brake service next tuesday pls, its a giant talon"


def request_turn(text: str, entities: list[dict[str, Any]]) -> Any:
    """The booking request as the latest message, the form just started."""
    return make_tracker(
        "book_repair",
        text,
        entities,
        history=[{"event": "session_started"}],
        active_loop="repair_form",
        sender_id=SENDER,
    )


@pytest.mark.parametrize(
    ("text", "entities", "service"),
    [
        (TUNE_UP, [entity("DATE", "saturday")], "tune-up"),
        (
            BRAKES,
            [entity("DATE", "next tuesday"), entity("product", "Giant Talon 2")],
            "brake service",
        ),
    ],
)
def test_the_repair_asked_for_is_the_problem_not_the_bike_sentence(
    text: str, entities: list[dict[str, Any]], service: str
) -> None:
    tracker = request_turn(text, entities)
    assert problem_said(SHOP, tracker, base.today(SHOP)) == service


async def test_the_bike_named_in_the_request_is_the_bike(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = request_turn(TUNE_UP, [entity("DATE", "saturday")])
    extracted = await ValidateRepairForm().extract_repair_bike(dispatcher, tracker, domain)
    assert extracted == {"repair_bike": "old raleigh"}


async def test_a_request_naming_bike_and_repair_is_booked_with_the_estimate(
    domain: dict[str, Any], sample_shop: Any
) -> None:
    """ "…a tune up for saturday, its an old raleigh": nothing asked, the tune-up booked for the
    old raleigh with its price, and the bike (not the sentence) remembered."""
    form = ValidateRepairForm()
    tracker = request_turn(TUNE_UP, [entity("DATE", "saturday")])
    first = CollectingDispatcher()
    bike = await form.extract_repair_bike(first, tracker, domain)
    problem = await form.extract_repair_problem(first, tracker, domain)
    slots = {**bike, **problem, "repair_date": SATURDAY}
    confirm = CollectingDispatcher()
    await ActionSubmitRepair().run(
        confirm, make_tracker("inform", slots=slots, sender_id=SENDER), domain
    )
    [booked] = bookings(sample_shop.bookings_url).of(None, [SENDER])
    assert (booked.bike, booked.problem) == ("old raleigh", "tune-up")
    [message] = confirm.messages
    text = rendered(domain, message)
    assert "for: tune-up." in text
    assert "£55" in text
    assert ". Drop it at" in text  # the estimate and what comes next are two sentences
    assert await bike_facts() == ["old raleigh"]
