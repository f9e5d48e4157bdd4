"""A form's answer is an answer: a question or a sentence that answers nothing is never kept
(nor remembered), "I said, X" is X, and a booking request's own words fill what they say: the
bike it names ("its an old raleigh") and the repair it asks for ("a brake service"), with that
repair's estimate.

Each test plays the turn through the real validation (and, for a booking, the real submit action
with its bookings database and this test's own memory) and asserts what is stored.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from action_testkit import action_event, entity, make_tracker, rendered, said, user_event
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.forms import (
    BOUGHT_SLOT,
    NO_ORDER,
    ValidateRepairForm,
    ValidateReturnForm,
    problem_said,
)
from actions.orders import ActionSubmitRepair, ActionSubmitReturn, return_wish
from actions.shop_records import RepairBookings
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
    [booked] = RepairBookings(sample_shop.bookings_url).of(None, [SENDER])
    assert (booked.bike, booked.problem) == ("old raleigh", "tune-up")
    [message] = confirm.messages
    text = rendered(domain, message)
    assert "for: tune-up." in text
    assert "£55" in text
    assert ". Drop it at" in text  # the estimate and what comes next are two sentences
    assert await bike_facts() == ["old raleigh"]


# --- a return: the item and reason said with the request; a change of mind is the wish --------

RETURN_REQUEST = "I want to return the helmet I bought 2 weeks ago, doesnt fit"
SWAP = "actually can I swap it for a bigger size instead of a refund?"


def return_started(*answers: tuple[str, str, str]) -> list[dict[str, Any]]:
    """A session where RETURN_REQUEST started the return, then (asked, intent, text) turns."""
    events: list[dict[str, Any]] = [
        {"event": "session_started"},
        action_event("action_listen"),
        user_event("return_request", RETURN_REQUEST),
        {"event": "active_loop", "name": "return_form"},
    ]
    for response, intent, text in answers:
        events += [bot_said(response), action_event("action_listen"), user_event(intent, text)]
    return events


async def test_the_item_and_reason_said_with_the_request_are_not_asked(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    form = ValidateReturnForm()
    tracker = make_tracker(
        "return_request",
        RETURN_REQUEST,
        history=[{"event": "session_started"}],
        active_loop="return_form",
        sender_id=SENDER,
    )
    assert await form.extract_return_item(dispatcher, tracker, domain) == {"return_item": "helmet"}
    assert await form.extract_return_reason(dispatcher, tracker, domain) == {
        "return_reason": "doesnt fit"
    }


async def test_a_change_of_mind_given_to_which_item_is_not_the_item(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [
        *return_started(("utter_ask_return_order_id", "inform", "bought it in the shop")),
        bot_said("utter_ask_return_item_without_order"),
    ]
    tracker = make_tracker(
        "buy_product",
        SWAP,
        slots={"requested_slot": "return_item", "return_item": SWAP, "return_order_id": NO_ORDER},
        history=history,
        after=[{"event": "slot", "name": "return_item", "value": SWAP}],
        active_loop="return_form",
        sender_id=SENDER,
    )
    events = await ValidateReturnForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["return_item"] == "helmet"  # from the request, not the wish


async def test_i_said_it_doesnt_fit_is_the_reason(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    text = "i said, it doesnt fit. too small"
    tracker = make_tracker(
        "inform",
        text,
        slots={"requested_slot": "return_reason", "return_reason": text},
        history=return_started(),
        after=[{"event": "slot", "name": "return_reason", "value": text}],
        active_loop="return_form",
        sender_id=SENDER,
    )
    events = await ValidateReturnForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["return_reason"] == "it doesnt fit"  # the echo: one sentence


def test_a_swap_instead_of_a_refund_is_a_swap() -> None:
    assert return_wish([RETURN_REQUEST, SWAP]) == "exchange"
    assert return_wish(["can I have a refund rather than a swap"]) == "refund"


async def test_the_change_of_mind_turns_the_return_into_an_exchange(
    domain: dict[str, Any],
) -> None:
    history = return_started(
        ("utter_ask_return_order_id", "inform", "bought it in the shop"),
        ("utter_ask_return_item_without_order", "buy_product", SWAP),
    )
    slots = {"return_order_id": NO_ORDER, "return_item": "helmet", BOUGHT_SLOT: "14"}
    decided = CollectingDispatcher()
    await ActionSubmitReturn().run(
        decided, make_tracker("inform", "too small", slots=slots, history=history), domain
    )
    [decision] = [m for m in decided.messages if m.get("say_yes")]
    assert decision["say_yes"]["kind"] == "exchange"
    assert all(SWAP not in rendered(domain, message) for message in decided.messages)


# --- an occasion's day is the deadline, not the drop-off; the make is kept with the kind ------

RACE = "got a puncture, need it fixed asap, triathlon on sunday!!"


async def test_the_race_day_is_not_the_drop_off_day(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        "book_repair",
        RACE,
        [entity("DATE", "sunday")],
        slots={"repair_date": "sunday"},
        history=[{"event": "session_started"}],
        after=[{"event": "slot", "name": "repair_date", "value": "sunday"}],
        active_loop="repair_form",
        sender_id=SENDER,
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events).get("repair_date") is None  # the drop-off day is asked


async def test_a_drop_off_day_said_with_the_request_is_still_the_drop_off(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        "book_repair",
        TUNE_UP,
        [entity("DATE", "saturday")],
        slots={"repair_date": "saturday"},
        history=[{"event": "session_started"}],
        after=[{"event": "slot", "name": "repair_date", "value": "saturday"}],
        active_loop="repair_form",
        sender_id=SENDER,
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["repair_date"] == SATURDAY


async def test_the_make_said_with_the_kind_of_bike_is_kept(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    text = "road bike, a cervelo"
    tracker = make_tracker(
        "inform",
        text,
        [entity("bike_type", "road")],
        slots={"requested_slot": "repair_bike", "repair_bike": "road"},
        history=asked_bike_after(RACE),
        after=[{"event": "slot", "name": "repair_bike", "value": "road"}],
        active_loop="repair_form",
        sender_id=SENDER,
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["repair_bike"] == "cervelo road bike"


# --- "…instead" after a booking in this chat changes it, never makes a second one ------------


async def test_instead_changes_the_booking_made_in_this_chat(
    domain: dict[str, Any], sample_shop: Any
) -> None:
    store = RepairBookings(sample_shop.bookings_url)
    first = store.book(SENDER, None, "Trek FX 3", "the gears keep slipping", dt.date(2026, 11, 28))
    history = [
        {"event": "session_started"},
        action_event("action_listen"),
        user_event("book_repair", "can I book my bike in, the gears keep slipping"),
        {"event": "slot", "name": "order_id", "value": first},
        action_event("action_listen"),
        user_event("book_repair", "actually can you do a full overhaul instead, its been ages"),
    ]
    slots = {"repair_bike": "Trek FX 3", "repair_problem": "full overhaul", "repair_date": SATURDAY}
    confirm = CollectingDispatcher()
    tracker = make_tracker("inform", "same day, saturday", slots=slots, history=history)
    await ActionSubmitRepair().run(confirm, tracker, domain)
    [booked] = store.of(None, [SENDER])  # still one booking
    assert (booked.reference, booked.problem) == (first, "full overhaul")
    assert said(confirm) == ["utter_repair_changed"]
    assert "£140" in rendered(domain, confirm.messages[0])


async def test_a_new_booking_without_instead_is_another_booking(
    domain: dict[str, Any], sample_shop: Any
) -> None:
    store = RepairBookings(sample_shop.bookings_url)
    first = store.book(SENDER, None, "Trek FX 3", "brake service", dt.date(2026, 11, 28))
    history = [
        {"event": "session_started"},
        {"event": "slot", "name": "order_id", "value": first},
        action_event("action_listen"),
        user_event("book_repair", "can you also book in my other bike, its a puncture"),
    ]
    slots = {"repair_bike": "road bike", "repair_problem": "puncture", "repair_date": SATURDAY}
    confirm = CollectingDispatcher()
    await ActionSubmitRepair().run(
        confirm, make_tracker("inform", slots=slots, history=history), domain
    )
    assert len(store.of(None, [SENDER])) == 2
    assert said(confirm) == ["utter_repair_booked"]


async def test_instead_never_changes_another_conversations_booking(
    domain: dict[str, Any], sample_shop: Any
) -> None:
    store = RepairBookings(sample_shop.bookings_url)
    theirs = store.book("someone-else", None, "Trek FX 3", "brake service", dt.date(2026, 11, 28))
    history = [
        {"event": "session_started"},
        {"event": "slot", "name": "order_id", "value": theirs},
        action_event("action_listen"),
        user_event("book_repair", "can you do a full overhaul instead"),
    ]
    slots = {"repair_bike": "road bike", "repair_problem": "full overhaul", "repair_date": SATURDAY}
    await ActionSubmitRepair().run(
        CollectingDispatcher(), make_tracker("inform", slots=slots, history=history), domain
    )
    [kept] = store.of(None, ["someone-else"])
    assert kept.problem == "brake service"
    assert len(store.of(None, [SENDER])) == 1


# --- "make it weds" after a booking in this chat moves that booking's day ----------------------


def booked_then(first: str, text: str) -> list[dict[str, Any]]:
    return [
        {"event": "session_started"},
        action_event("action_listen"),
        user_event("book_repair", "can I book my bike in, the gears keep slipping"),
        {"event": "slot", "name": "order_id", "value": first},
        action_event("action_listen"),
        user_event("book_repair", text),
    ]


async def test_make_it_another_day_keeps_the_bike_and_repair_and_moves_the_day(
    domain: dict[str, Any], sample_shop: Any
) -> None:
    store = RepairBookings(sample_shop.bookings_url)
    first = store.book(SENDER, None, "Trek FX 3", "the gears keep slipping", dt.date(2026, 11, 28))
    text = "actually make it weds"
    tracker = make_tracker(
        "book_repair",
        text,
        history=booked_then(first, text),
        slots={"known_bike": "Trek FX 3"},
        active_loop="repair_form",
        sender_id=SENDER,
    )
    dispatcher = CollectingDispatcher()
    filled = slot_values(await ValidateRepairForm().run(dispatcher, tracker, domain))
    assert filled["repair_bike"] == "Trek FX 3"
    assert filled["repair_problem"] == "the gears keep slipping"
    assert filled["repair_date"] == "2026-11-25"
    assert dispatcher.messages == []  # nothing asked again

    confirm = CollectingDispatcher()
    submitted = make_tracker(
        "book_repair", text, slots=filled, history=booked_then(first, text), sender_id=SENDER
    )
    await ActionSubmitRepair().run(confirm, submitted, domain)
    [booked] = store.of(None, [SENDER])  # still one booking, on the new day
    assert (booked.reference, booked.ready_date) == (first, dt.date(2026, 11, 25))
    assert said(confirm) == ["utter_repair_changed"]


async def test_make_it_without_a_day_is_no_change(domain: dict[str, Any], sample_shop: Any) -> None:
    """ "Can you make it roadworthy" names a repair, not a new day: a booking of its own."""
    store = RepairBookings(sample_shop.bookings_url)
    first = store.book(SENDER, None, "Trek FX 3", "brake service", dt.date(2026, 11, 28))
    text = "and my old one, can you make it roadworthy"
    slots = {"repair_bike": "old bike", "repair_problem": "roadworthy", "repair_date": SATURDAY}
    confirm = CollectingDispatcher()
    tracker = make_tracker(
        "book_repair", text, slots=slots, history=booked_then(first, text), sender_id=SENDER
    )
    await ActionSubmitRepair().run(confirm, tracker, domain)
    assert len(store.of(None, [SENDER])) == 2
    assert said(confirm) == ["utter_repair_booked"]


def test_make_it_another_day_read_as_a_detail_starts_the_change(domain: dict[str, Any]) -> None:
    """ "Make it wednesday" read as a detail after a booking in this chat opens the repair
    form, which changes that booking; a day said with no booking here does not."""
    from actions.details import moves_booking_day

    history = booked_then("R-ABCDEFGH", "can I book my bike in")[:-2]
    assert moves_booking_day(
        make_tracker("inform", "make it wednesday", history=history, sender_id=SENDER), SHOP
    )
    assert not moves_booking_day(make_tracker("inform", "make it wednesday"), SHOP)
    assert not moves_booking_day(
        make_tracker("inform", "wednesday", history=history, sender_id=SENDER), SHOP
    )


@pytest.mark.parametrize(
    ("intent", "text", "taken"),
    [
        ("community_events", "it hurts on long rides", True),
        ("community_events", "when's the next group ride?", False),
        ("ask_hours", "what time do you close", False),
    ],
)
async def test_a_reason_in_the_customers_words_is_taken_unless_it_asks_something_else(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], intent: str, text: str, taken: bool
) -> None:
    tracker = make_tracker(
        intent,
        text,
        slots={"requested_slot": "return_reason", "return_reason": text},
        history=return_started(),
        after=[{"event": "slot", "name": "return_reason", "value": text}],
        active_loop="return_form",
        sender_id=SENDER,
    )
    events = await ValidateReturnForm().run(dispatcher, tracker, domain)
    kept = slot_values(events).get("return_reason")
    assert (kept == text) if taken else (kept is None)
