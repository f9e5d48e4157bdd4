"""Orders, repairs and returns go only to their owner; booking references can't be guessed.

These run the real actions against the real domain and a real bookings database (SQLite, one
file per test): a repair is booked in one conversation and asked about from another.
"""

from __future__ import annotations

import re
from typing import Any

from action_testkit import action_event, entity, make_tracker, user_event
from rasa_sdk.executor import CollectingDispatcher

from actions.details import ActionUseDetails
from actions.forms import ValidateReturnForm
from actions.orders import (
    ORDER_RESPONSES,
    REPAIR_RESPONSES,
    ActionOrderStatus,
    ActionRepairStatus,
    ActionSubmitRepair,
)

STATUS_RESPONSES = set(ORDER_RESPONSES.values()) | set(REPAIR_RESPONSES.values())
OWNER = "web-owner"
STRANGER = "web-stranger"


async def book_repair(domain: dict[str, Any], sender: str = OWNER, bike: str = "Frog 55") -> str:
    """A repair booked through the repair form in conversation `sender`; its reference."""
    slots = {"repair_bike": bike, "repair_problem": "a puncture", "repair_date": "2026-11-25"}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("inform", "Wednesday", slots=slots, sender_id=sender)
    await ActionSubmitRepair().run(dispatcher, tracker, domain)
    return str(dispatcher.messages[-1]["reference"])


async def ask(action: Any, domain: dict[str, Any], tracker: Any) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker, domain)
    return dispatcher


def reveals(dispatcher: CollectingDispatcher, *secrets: str) -> list[str]:
    """What the bot's messages gave away: a status answer, or any of `secrets` (a bike, an item,
    a date) anywhere in a message."""
    found = []
    for message in dispatcher.messages:
        if message.get("response") in STATUS_RESPONSES:
            found.append(str(message["response"]))
        words = " ".join(str(value) for value in message.values())
        found += [secret for secret in secrets if secret in words]
    return found


def shape(dispatcher: CollectingDispatcher, reference: str) -> list[dict[str, Any]]:
    """The bot's messages with the reference asked about blanked out, to compare two replies."""
    return [
        {key: str(value).replace(reference, "REF") for key, value in message.items()}
        for message in dispatcher.messages
    ]


async def test_a_stranger_gets_no_status_for_a_repair_booked_in_another_chat(domain) -> None:
    reference = await book_repair(domain)
    tracker = make_tracker(
        "repair_status",
        f"is {reference} ready?",
        [entity("order_id", reference)],
        sender_id=STRANGER,
    )
    dispatcher = await ask(ActionRepairStatus(), domain, tracker)
    assert reveals(dispatcher, "Frog 55", "Wednesday") == []


async def test_a_stranger_gets_no_status_for_a_shop_order(domain) -> None:
    tracker = make_tracker("order_status", "where is A5521", [entity("order_id", "A5521")])
    dispatcher = await ask(ActionOrderStatus(), domain, tracker)
    assert reveals(dispatcher, "Continental GP5000", "Thursday 26 November") == []


async def test_a_stranger_giving_a_reference_when_asked_gets_no_status(domain) -> None:
    reference = await book_repair(domain)
    history = [
        action_event("action_listen"),
        user_event("repair_status", "is my bike ready?"),
        action_event("action_repair_status"),
    ]
    tracker = make_tracker(
        "inform", reference, [entity("order_id", reference)], history=history, sender_id=STRANGER
    )
    dispatcher = await ask(ActionUseDetails(), domain, tracker)
    assert reveals(dispatcher, "Frog 55", "Wednesday") == []


async def test_a_stranger_hears_the_same_for_someone_elses_order_and_an_unknown_one(
    domain,
) -> None:
    def asking(reference: str) -> Any:
        return make_tracker("order_status", reference, [entity("order_id", reference)])

    someone_elses = await ask(ActionOrderStatus(), domain, asking("B7810"))
    unknown = await ask(ActionOrderStatus(), domain, asking("B7811"))
    assert shape(someone_elses, "B7810") == shape(unknown, "B7811")


async def test_a_stranger_cannot_start_a_return_on_someone_elses_order(domain) -> None:
    tracker = make_tracker(
        "inform",
        "C3309",
        [entity("order_id", "C3309")],
        slots={"requested_slot": "return_order_id", "return_order_id": "C3309"},
        after=[{"event": "slot", "name": "return_order_id", "value": "C3309"}],
        active_loop="return_form",
    )
    dispatcher = CollectingDispatcher()
    events = await ValidateReturnForm().run(dispatcher, tracker, domain)
    filled = {event["name"]: event["value"] for event in events if event.get("event") == "slot"}
    assert "Brooks saddle" not in filled.values()  # the order's one item, never said
    assert filled.get("requested_slot") != "return_item"
    assert reveals(dispatcher, "Brooks saddle") == []


async def test_booking_references_are_random_not_sequential(domain) -> None:
    first = await book_repair(domain, "web-a")
    second = await book_repair(domain, "web-b")
    references = [first, second] + [await book_repair(domain, f"web-{n}") for n in range(8)]
    assert len(set(references)) == len(references)
    for reference in references:
        # 'R-' and eight characters a person can read out: no 0/O, 1/I/L.
        assert re.fullmatch(r"R-[2-9A-HJKMNP-Z]{8}", reference), reference
