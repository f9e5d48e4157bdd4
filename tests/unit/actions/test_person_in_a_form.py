"""A request for a person in the middle of a form always wins: the form stops, what it had
collected is dropped and the handoff runs, whatever the form's question was. (Tried by an agent
on 27 November: "can I talk to a real person please?" to the repair form's bike question got the
bike question again, and "I don't want to book anything, I want to speak to a human" was taken
for the bike and the repair booked.)"""

from __future__ import annotations

from typing import Any

import pytest
from action_testkit import action_event, make_tracker, user_event
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import ValidateOrderCheckForm, ValidateRepairForm, ValidateReturnForm

FORMS = [
    (ValidateRepairForm, "repair_form", "book_repair", "repair_bike"),
    (ValidateRepairForm, "repair_form", "book_repair", "repair_date"),
    (ValidateReturnForm, "return_form", "return_request", "return_reason"),
    (ValidateOrderCheckForm, "order_check_form", "order_status", "order_email"),
]


def asking_for_a_person(form: str, started_by: str, slot: str, text: str) -> Any:
    return make_tracker(
        "request_human",
        text,
        slots={"requested_slot": slot, slot: text},
        history=[
            {"event": "session_started"},
            action_event("action_listen"),
            user_event(started_by, "hi, I need some help"),
            {"event": "active_loop", "name": form},
            {"event": "bot", "text": "...", "metadata": {"utter_action": f"utter_ask_{slot}"}},
        ],
        after=[{"event": "slot", "name": slot, "value": text}],
        active_loop=form,
    )


@pytest.mark.parametrize(("validation", "form", "started_by", "slot"), FORMS)
@pytest.mark.parametrize(
    "text",
    [
        "Can I talk to a real person please?",
        "I don't want to book anything. I want to speak to a human about a repair that went wrong.",
    ],
)
async def test_a_person_asked_for_in_a_form_stops_it_and_hands_off(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    validation: type,
    form: str,
    started_by: str,
    slot: str,
    text: str,
) -> None:
    tracker = asking_for_a_person(form, started_by, slot, text)
    events = await validation().run(dispatcher, tracker, domain)
    assert [e["name"] for e in events if e.get("event") == "active_loop"] == [None]
    assert [e["name"] for e in events if e.get("event") == "followup"] == ["action_handoff"]
    kept = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert kept.get(slot, "gone") is None  # the words asking for a person are no answer
    assert kept["requested_slot"] is None
    assert dispatcher.messages == []  # the handoff speaks, not the form
