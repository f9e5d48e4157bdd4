"""Orders, repairs and returns go only to their owner; booking references can't be guessed.

These run the real actions against the real domain and a real bookings database (SQLite, one
file per test): a repair is booked in one conversation and asked about from another.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from action_testkit import action_event, entity, make_tracker, said, user_event
from rasa_sdk.executor import CollectingDispatcher

from actions import ownership, session
from actions.details import ActionUseDetails
from actions.forms import ValidateOrderCheckForm, ValidateReturnForm
from actions.orders import (
    ORDER_RESPONSES,
    REPAIR_RESPONSES,
    ActionCheckOrderDetails,
    ActionOrderStatus,
    ActionRepairStatus,
    ActionSubmitRepair,
    ActionSubmitReturn,
)
from actions.shop_records import OrderRecord, RepairRecord, normalise_reference

TODAY = dt.date(2026, 11, 24)
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


# --- the owner's ways in ------------------------------------------------------------------


def slots_set(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def form_started(events: list[dict[str, Any]]) -> bool:
    return ("active_loop", "order_check_form") in {(e.get("event"), e.get("name")) for e in events}


async def test_the_owner_signed_in_hears_the_status(domain) -> None:
    tracker = make_tracker(
        "order_status",
        "where is A5521",
        [entity("order_id", "A5521")],
        slots={"customer_id": "c-1001"},
    )
    dispatcher = await ask(ActionOrderStatus(), domain, tracker)
    assert said(dispatcher) == ["utter_order_status_shipped"]
    assert dispatcher.messages[0]["items"] == "Continental GP5000"


async def test_the_chat_that_booked_a_repair_hears_its_status(domain) -> None:
    reference = await book_repair(domain)
    tracker = make_tracker(
        "repair_status", f"is {reference} ready?", [entity("order_id", reference)], sender_id=OWNER
    )
    dispatcher = await ask(ActionRepairStatus(), domain, tracker)
    assert said(dispatcher) == ["utter_repair_status_booked"]
    assert dispatcher.messages[0]["bike"] == "Frog 55"


async def test_a_reference_written_in_the_message_is_read_without_an_entity(domain) -> None:
    reference = await book_repair(domain)
    typed = reference.lower().replace("-", "")  # "r7kq2m9xa"
    tracker = make_tracker("repair_status", f"is {typed} ready?", sender_id=OWNER)
    dispatcher = await ask(ActionRepairStatus(), domain, tracker)
    assert dispatcher.messages[0]["order_id"] == reference


async def test_a_signed_in_customer_gets_no_status_for_another_customers_order(domain) -> None:
    tracker = make_tracker(
        "order_status",
        "where is B7810",
        [entity("order_id", "B7810")],
        slots={"customer_id": "c-1001"},  # B7810 is c-1002's
    )
    dispatcher = await ask(ActionOrderStatus(), domain, tracker)
    assert reveals(dispatcher, "Kryptonite lock") == []
    assert said(dispatcher) == ["utter_order_check_intro"]


async def confirm(
    domain: dict[str, Any], reference: str, answer: str, slots: dict[str, Any] | None = None
) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    """A stranger asks about `reference`, gets the order check form and answers it with
    `answer` (the email address and postcode in one message); what the bot said at the end."""
    asked = make_tracker(
        "order_status", reference, [entity("order_id", reference)], slots=slots, sender_id=STRANGER
    )
    events = await ActionOrderStatus().run(CollectingDispatcher(), asked, domain)
    assert form_started(events)
    state = {**(slots or {}), **slots_set(events), "requested_slot": "order_email"}
    answered = make_tracker(
        "inform",
        answer,
        slots={**state, "order_email": answer},
        after=[{"event": "slot", "name": "order_email", "value": answer}],
        active_loop="order_check_form",
        sender_id=STRANGER,
    )
    validated = slots_set(
        await ValidateOrderCheckForm().run(CollectingDispatcher(), answered, domain)
    )
    done = make_tracker("inform", answer, slots={**state, **validated}, sender_id=STRANGER)
    dispatcher = CollectingDispatcher()
    return dispatcher, await ActionCheckOrderDetails().run(dispatcher, done, domain)


async def test_the_order_s_email_and_postcode_confirmed_in_the_chat_give_the_status(
    domain,
) -> None:
    dispatcher, events = await confirm(domain, "A5521", "Sam.Taylor@example.com, bs6 5qa")
    assert said(dispatcher) == ["utter_order_status_shipped"]
    assert slots_set(events)["confirmed_orders"] == ["A5521"]
    # Asked again in this chat: no second check.
    again = make_tracker(
        "order_status",
        "and A5521?",
        [entity("order_id", "A5521")],
        slots={"confirmed_orders": ["A5521"]},
        sender_id=STRANGER,
    )
    assert said(await ask(ActionOrderStatus(), domain, again)) == ["utter_order_status_shipped"]


async def test_wrong_details_get_a_yes_with_a_person_and_no_status(domain) -> None:
    dispatcher, events = await confirm(domain, "A5521", "priya.shah@example.com BS7 8NB")
    assert said(dispatcher) == ["utter_order_check_no_match"]
    assert reveals(dispatcher, "Continental GP5000") == []
    assert slots_set(events)["order_check_misses"] == 1
    [message] = dispatcher.messages
    # The next step is a person (the response's button, from the domain).
    [response] = domain["responses"]["utter_order_check_no_match"]
    assert [button["payload"] for button in response["buttons"]] == ["/request_human"]
    assert message["order_id"] == "#A5521"


async def test_wrong_details_for_an_unknown_order_get_the_same_answer(domain) -> None:
    theirs, _ = await confirm(domain, "A5521", "priya.shah@example.com BS7 8NB")
    nobodys, _ = await confirm(domain, "A5529", "priya.shah@example.com BS7 8NB")
    assert shape(theirs, "A5521") == shape(nobodys, "A5529")


async def test_after_three_misses_a_person_checks_it_instead(domain) -> None:
    dispatcher, events = await confirm(
        domain, "A5521", "sam@example.com BS1 1AA", {"order_check_misses": 2.0}
    )
    assert said(dispatcher) == ["utter_order_check_limit"]
    assert slots_set(events)["order_check_misses"] == 3
    # No more questions in this chat, for any reference: even the right answer can't be tried.
    tracker = make_tracker(
        "order_status",
        "A5521",
        [entity("order_id", "A5521")],
        slots={"order_check_misses": 3.0},
        sender_id=STRANGER,
    )
    dispatcher = CollectingDispatcher()
    events = await ActionOrderStatus().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_order_check_limit"] and not form_started(events)


async def test_a_chat_booking_is_not_confirmed_by_anyone_s_details(domain) -> None:
    reference = await book_repair(domain)
    dispatcher, _ = await confirm(domain, reference, "sam.taylor@example.com BS6 5QA")
    assert reveals(dispatcher, "Frog 55") == []
    assert said(dispatcher) == ["utter_order_check_no_match"]


# --- returns ------------------------------------------------------------------------------


async def return_step(
    domain: dict[str, Any], slot: str, value: str, slots: dict[str, Any]
) -> tuple[CollectingDispatcher, dict[str, Any]]:
    """The return form's validation of `slot` = `value`; what was said and the slots after."""
    tracker = make_tracker(
        "inform",
        value,
        slots={**slots, slot: value, "requested_slot": slot},
        after=[{"event": "slot", "name": slot, "value": value}],
        active_loop="return_form",
        sender_id=STRANGER,
    )
    dispatcher = CollectingDispatcher()
    validated = slots_set(await ValidateReturnForm().run(dispatcher, tracker, domain))
    after = {**slots, slot: value, "requested_slot": None, **validated}
    if "requested_slot" not in validated:
        # The validation left the next question to the form: Rasa asks for the first empty
        # slot of the domain's list.
        required = domain["forms"]["return_form"]["required_slots"]
        after["requested_slot"] = next((name for name in required if not after.get(name)), None)
    return dispatcher, after


async def test_a_return_for_an_order_not_known_to_be_theirs_asks_its_details_first(
    domain,
) -> None:
    dispatcher, slots = await return_step(domain, "return_order_id", "C3309", {})
    assert said(dispatcher) == ["utter_order_check_intro"]
    assert slots["requested_slot"] == "order_email" and not slots.get("return_item")
    _, slots = await return_step(domain, "order_email", "priya.shah@example.com", slots)
    assert slots["requested_slot"] == "order_postcode"
    dispatcher, slots = await return_step(domain, "order_postcode", "BS7 8NB", slots)
    assert dispatcher.messages == []
    assert slots["confirmed_orders"] == ["C3309"]
    assert slots["return_item"] == "Brooks saddle"  # its one item, now that it is theirs
    assert slots["requested_slot"] == "return_reason"


async def test_a_return_with_wrong_details_starts_over_and_tells_nothing(domain) -> None:
    _, slots = await return_step(domain, "return_order_id", "C3309", {})
    dispatcher, slots = await return_step(
        domain, "order_email", "sam.taylor@example.com BS6 5QA", slots
    )
    assert said(dispatcher) == ["utter_order_check_no_match_in_return"]
    assert reveals(dispatcher, "Brooks saddle") == []
    assert slots["return_order_id"] is None and slots["requested_slot"] == "return_order_id"
    assert slots["order_check_misses"] == 1


async def test_a_return_is_not_set_up_for_an_order_nobody_confirmed(domain) -> None:
    slots = {"return_order_id": "C3309", "return_item": "Brooks saddle", "return_reason": "sore"}
    tracker = make_tracker("inform", "sore", slots=slots, sender_id=STRANGER)
    dispatcher = await ask(ActionSubmitReturn(), domain, tracker)
    assert said(dispatcher) == ["utter_order_check_no_match"]


# --- the decisions themselves -------------------------------------------------------------


def an_order(order_id: str, customer: str, email: str, postcode: str) -> OrderRecord:
    return OrderRecord(
        order_id, customer, TODAY, ("Giro helmet",), "shipped", TODAY, email, postcode
    )


def test_details_match_only_in_full_and_however_they_are_typed() -> None:
    order = an_order("A1", "c-1", "Sam.Taylor@Example.com", "BS6 5QA")
    assert ownership.details_match(order, " sam.taylor@example.com ", "bs65qa")
    assert not ownership.details_match(order, "sam.taylor@example.com", "BS6 5QB")
    assert not ownership.details_match(order, "sam@example.com", "BS6 5QA")
    assert not ownership.details_match(order, "", "")
    assert not ownership.details_match(an_order("A2", "c-1", "", ""), "", "")
    assert not ownership.details_match(None, "sam.taylor@example.com", "BS6 5QA")


def test_email_and_postcode_are_read_from_a_customer_s_words() -> None:
    assert ownership.email_in("it's sam.taylor@example.com.") == "sam.taylor@example.com"
    assert ownership.email_in("I don't remember") is None
    assert ownership.postcode_in("sam@example.com and bs6 5qa") == "BS6 5QA"
    assert ownership.postcode_in("it's BS65QA") == "BS65QA"
    assert ownership.postcode_in("not sure, sorry") is None


def test_owners_are_the_customer_the_booking_chat_or_a_confirmation() -> None:
    booked = RepairRecord("R-2345WXYZ", "", "Frog 55", "booked", TODAY, conversation_id="web-a")
    order = an_order("A1", "c-1", "sam@example.com", "BS6 5QA")
    assert ownership.owns(ownership.Asker("web-a"), booked)
    assert not ownership.owns(ownership.Asker("web-b"), booked)
    assert ownership.owns(ownership.Asker("web-b", "c-1"), order)
    assert not ownership.owns(ownership.Asker("web-b", "c-2"), order)
    assert not ownership.owns(ownership.Asker("web-b", ""), RepairRecord("R1", "", "x", "b", TODAY))
    assert ownership.owns(ownership.Asker("web-b", confirmed=frozenset({"A1"})), order)


def test_booking_references_are_read_however_they_are_typed() -> None:
    assert normalise_reference("is r-7kq2m9xa ready") == "R-7KQ2M9XA"
    assert normalise_reference("R7KQ2M9XA") == "R-7KQ2M9XA"
    assert normalise_reference("restarted") is None  # a word, not a reference
    assert normalise_reference("order #a1234") == "A1234"


def test_a_new_session_confirms_again_but_keeps_the_misses(domain) -> None:
    tracker = make_tracker(
        "greet", slots={"confirmed_orders": ["A5521"], "order_check_misses": 2.0}
    )
    kept = slots_set(session.carried_over(tracker, domain))
    assert "confirmed_orders" not in kept
    assert kept["order_check_misses"] == 2.0
