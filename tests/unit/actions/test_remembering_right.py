"""Forms remember right (issue 14): a request is never an answer, what was said earlier is kept
and never overwritten by an answer to another question, asides are not a problem, a day is a
day, a wish is the return's wish, and "same one as before" is the customer's own bike.

Each test plays the form's turns through the real validation (and, where it matters, the real
submit action with its bookings database and this test's own memory) and asserts what is
stored, not only what is said.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from action_testkit import action_event, entity, make_tracker, said, user_event
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.forms import (
    BOUGHT_SLOT,
    NO_ORDER,
    ActionAskRepairBike,
    ValidateRepairForm,
    ValidateReturnForm,
    problem_said,
)
from actions.orders import ActionSubmitRepair, ActionSubmitReturn
from actions.shop_records import RepairBookings
from memory.records import ExtractedFact
from voice.business import load
from voice.echo import says_what_is_wrong, trim_echo

ROOT = Path(__file__).parents[3]
SHOP = load(ROOT / "business.yml")
SENDER = "test-customer"
# A Saturday after the test clock's Tuesday: a day the workshop takes bikes.
SATURDAY = "2026-11-28"


def bot_said(response: str) -> dict[str, Any]:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


def form_started(form: str = "repair_form") -> dict[str, Any]:
    return {"event": "active_loop", "name": form}


def history_of(*messages: tuple[str, str]) -> Any:
    """A tracker whose session holds these (intent, text) messages, the last one latest."""
    events: list[dict[str, Any]] = [{"event": "session_started"}]
    for intent, text in messages[:-1]:
        events += [action_event("action_listen"), user_event(intent, text)]
    intent, text = messages[-1]
    return make_tracker(intent, text, history=events, sender_id=SENDER)


def offered(*buttons: tuple[str, str]) -> dict[str, Any]:
    """A bot message with buttons (title, payload), as Rasa records it."""
    return {
        "event": "bot",
        "text": "...",
        "data": {"buttons": [{"title": t, "payload": p} for t, p in buttons]},
        "metadata": {},
    }


def asked(response: str) -> list[dict[str, Any]]:
    return [bot_said(response), action_event("action_listen")]


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def in_form(
    intent: str,
    text: str,
    slot: str,
    history: list[dict[str, Any]],
    form: str = "repair_form",
    **slots: Any,
) -> Any:
    """A tracker whose latest message answers `slot`'s question, with the value the domain's
    from_text mapping gives it."""
    return make_tracker(
        intent,
        text,
        slots={"requested_slot": slot, slot: text, **slots},
        history=history,
        after=[{"event": "slot", "name": slot, "value": text}],
        active_loop=form,
    )


async def bike_facts(sender: str) -> list[str]:
    store = await base.store()
    card = store.cards.card_for_sender(sender)
    return [fact.value for fact in card.preferences if fact.kind == "bike"] if card else []


# --- 1. a button's label, a menu label or another request is never an answer ----------------

COMPLAINT_THEN_BOOKING = [
    {"event": "session_started"},
    user_event("complain", "the brakes on my bike still squeal after the repair"),
    offered(("Return or exchange it", "/return_request"), ("Book a free check", "/book_repair")),
    action_event("action_listen"),
    user_event("book_repair", "/book_repair"),
    form_started("repair_form"),
    *asked("utter_ask_repair_bike"),
]


async def test_the_free_check_offered_for_a_complaint_books_it_for_the_complaint(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    """Pressing a complaint's "Book a free check" starts the repair form with the complaint's
    fault as the problem: the customer is asked for the bike and the day, not the fault again."""
    history = [
        {"event": "session_started"},
        user_event("complain", "the brakes on my bike still squeal after the repair"),
        action_event("action_handle_complaint"),
        offered(
            ("Return or exchange it", "/return_request"), ("Book a free check", "/book_repair")
        ),
    ]
    tracker = make_tracker("book_repair", "/book_repair", history=history, sender_id=SENDER)
    found = await ValidateRepairForm().extract_repair_problem(dispatcher, tracker, domain)
    assert "squeal" in str(found.get("repair_problem")), found


async def test_a_button_label_typed_to_which_bike_is_never_the_bike(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = in_form("book_repair", "book a free check", "repair_bike", COMPLAINT_THEN_BOOKING)
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    slots = slot_values(events)
    assert slots.get("repair_bike") is None
    assert "utter_bike_noted" not in said(dispatcher)  # nothing "I'll remember" about it
    assert said(dispatcher) == ["utter_explain_bike_short"]  # the question's own ladder
    assert await bike_facts(SENDER) == []


async def test_a_menu_label_or_another_request_is_not_kept_as_an_answer(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [{"event": "session_started"}, form_started(), *asked("utter_ask_repair_bike")]
    menu = await ValidateRepairForm().run(
        dispatcher, in_form("inform", "Book a repair", "repair_bike", history), domain
    )
    problem_history = [*history, *asked("utter_ask_repair_problem")]
    request = await ValidateRepairForm().run(
        dispatcher,
        in_form(
            "what_do_you_know",
            "what do you know about me",
            "repair_problem",
            problem_history,
            repair_bike="Trek FX 3",
        ),
        domain,
    )
    assert slot_values(menu).get("repair_bike") is None
    assert slot_values(request).get("repair_problem") is None


async def test_the_questions_own_buttons_still_answer_it(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    """The same-bike question's "yes" and an earlier offer's buttons are different things."""
    history = [
        *COMPLAINT_THEN_BOOKING[:-2],
        offered(("Yes, the Trek FX 3", "yes"), ("A different bike", "a different bike")),
        action_event("action_listen"),
    ]
    tracker = in_form("affirm", "yes", "repair_bike", history, known_bike="Trek FX 3")
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["repair_bike"] == "Trek FX 3"


async def test_a_bike_named_in_a_message_read_as_another_request_is_still_the_bike(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [{"event": "session_started"}, form_started(), *asked("utter_ask_repair_bike")]
    tracker = make_tracker(
        "buy_product",
        "my Trek FX 3",
        [entity("product", "Trek FX 3")],
        slots={"requested_slot": "repair_bike", "repair_bike": "Trek FX 3"},
        history=history,
        after=[{"event": "slot", "name": "repair_bike", "value": "Trek FX 3"}],
        active_loop="repair_form",
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["repair_bike"] == "Trek FX 3"


# --- 2. the problem said first is kept; a later yes to another question is not a problem ----

FIRST_MESSAGE = "…my chain keeps slipping and the gears crunch… need it by friday… urgent"


def test_the_fault_in_a_long_first_message_is_the_problem() -> None:
    tracker = history_of(("book_repair", FIRST_MESSAGE))
    today = base.today(SHOP)
    assert problem_said(SHOP, tracker, today) == "my chain keeps slipping and the gears crunch"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "can you book my bike in? it's making a horrible clicking noise",
            "it's making a horrible clicking noise",
        ),
        ("need a repair booked, it's urgent", None),
        ("hello. I'd like to book my bike in. thanks", None),
        ("can you book my bike in for a service, same one as before", None),
    ],
)
def test_only_a_clause_that_says_what_is_wrong_is_the_problem(
    text: str, problem: str | None
) -> None:
    assert problem_said(SHOP, history_of(("book_repair", text)), base.today(SHOP)) == problem


async def test_a_yes_to_fast_track_never_overwrites_the_problem_said_first(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], sample_shop: Any
) -> None:
    """The customer's later "yes please fast track it" is read as a new booking request: the
    booking keeps the fault from the first message, and the database holds it."""
    tracker = history_of(
        ("book_repair", FIRST_MESSAGE),
        ("inform", "road bike"),
        ("book_repair", "yes please fast track it"),
    )
    extracted = await ValidateRepairForm().extract_repair_problem(dispatcher, tracker, domain)
    assert extracted == {"repair_problem": "my chain keeps slipping and the gears crunch"}
    slots = {"repair_bike": "road bike", "repair_date": SATURDAY, **extracted}
    await ActionSubmitRepair().run(
        CollectingDispatcher(), make_tracker("inform", slots=slots, sender_id=SENDER), domain
    )
    [booked] = RepairBookings(sample_shop.bookings_url).of(None, [SENDER])
    assert booked.problem == "my chain keeps slipping and the gears crunch"


async def test_a_yes_given_to_whats_going_on_keeps_the_fault_said_first(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [
        {"event": "session_started"},
        user_event("book_repair", FIRST_MESSAGE),
        form_started(),
        *asked("utter_ask_repair_problem"),
    ]
    tracker = in_form(
        "affirm", "yes please fast track it", "repair_problem", history, repair_bike="road bike"
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["repair_problem"] == "my chain keeps slipping and the gears crunch"


# --- 3. sarcasm and asides are not the problem; nothing that says what's wrong asks again ----


def test_sarcasm_is_trimmed_and_a_vague_complaint_says_nothing_wrong() -> None:
    assert trim_echo("great, just great. my chain keeps slipping") == "my chain keeps slipping"
    assert not says_what_is_wrong(trim_echo("great, just great. another thing that doesnt work"))


async def test_an_aside_with_no_fault_is_asked_again_not_booked(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [{"event": "session_started"}, form_started(), *asked("utter_ask_repair_problem")]
    tracker = in_form(
        "complain",
        "great, just great. another thing that doesnt work",
        "repair_problem",
        history,
        repair_bike="Trek FX 3",
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events).get("repair_problem") is None
    assert said(dispatcher) == ["utter_explain_problem_short"]


# --- 4. a day given to "what's going on?" is for the date question, not a miss ---------------


async def test_tomorrow_to_the_problem_question_is_kept_for_the_date(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [{"event": "session_started"}, form_started(), *asked("utter_ask_repair_problem")]
    tracker = in_form("inform", "tomorrow", "repair_problem", history, repair_bike="road bike")
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    slots = slot_values(events)
    assert slots.get("repair_problem") is None
    assert slots["repair_date"] == "2026-11-25"  # the day after the test clock's Tuesday
    assert "utter_explain_problem_short" not in said(dispatcher)  # not counted as a miss


# --- 5. the return uses what was said earlier, and a wish is the return's wish ---------------


async def test_when_it_was_bought_said_earlier_is_not_asked_for(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [
        {"event": "session_started"},
        user_event("return_request", "I want to return my helmet, bought it about 45 days ago"),
        form_started("return_form"),
        *asked("utter_ask_return_order_id"),
        user_event("dont_know", "I don't have it"),
        *asked("utter_ask_return_item"),
    ]
    tracker = make_tracker(
        "inform",
        "the Giro helmet",
        slots={
            "requested_slot": "return_item",
            "return_item": "the Giro helmet",
            "return_order_id": NO_ORDER,
            "order_email": "unknown",
            "order_postcode": "unknown",
        },
        history=history,
        after=[{"event": "slot", "name": "return_item", "value": "the Giro helmet"}],
        active_loop="return_form",
    )
    events = await ValidateReturnForm().run(dispatcher, tracker, domain)
    assert slot_values(events)[BOUGHT_SLOT] == "45"


async def test_a_wish_given_to_when_was_it_bought_is_no_miss_and_decides_the_return(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [
        {"event": "session_started"},
        user_event("return_request", "I want to return something"),
        form_started("return_form"),
        *asked("utter_ask_return_order_id"),
        user_event("dont_know", "I don't have it"),
        *asked("utter_ask_return_item"),
        user_event("inform", "the Giro helmet"),
        *asked("utter_ask_return_bought"),
    ]
    tracker = in_form(
        "buy_product",
        "can I swap it for a different one instead?",
        BOUGHT_SLOT,
        history,
        form="return_form",
        return_order_id=NO_ORDER,
        return_item="Giro helmet",
    )
    events = await ValidateReturnForm().run(dispatcher, tracker, domain)
    assert slot_values(events)[BOUGHT_SLOT] is None
    assert "utter_explain_return_bought" not in said(dispatcher)
    # Six answers later the return is decided: the wish is still the swap.
    later = [*history, user_event("buy_product", "can I swap it for a different one instead?")]
    for answer in ["about 3 weeks ago", "it's too small", "ok", "fine", "yes", "sure"]:
        later += [action_event("action_listen"), user_event("inform", answer)]
    decided = CollectingDispatcher()
    slots = {"return_order_id": NO_ORDER, "return_item": "Giro helmet", BOUGHT_SLOT: "21"}
    await ActionSubmitReturn().run(
        decided, make_tracker("inform", "yes", slots=slots, history=later), domain
    )
    [decision] = [m for m in decided.messages if m.get("say_yes")]
    assert decision["say_yes"]["kind"] == "exchange"


# --- 7. "same one as before" is this customer's remembered bike, and only theirs ------------


async def remember(sender: str, bike: str) -> None:
    store = await base.store()
    store.facts.record_fact(
        store.customers.customer_for_sender(sender), ExtractedFact("bike", bike, 1.0)
    )


async def test_same_one_as_before_books_the_remembered_bike(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    await remember(SENDER, "Trek FX 3")
    tracker = make_tracker(
        "book_repair",
        "can you book my bike in for a service, same one as before",
        history=[{"event": "session_started"}],
        active_loop="repair_form",
        sender_id=SENDER,
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["repair_bike"] == "Trek FX 3"
    assert "utter_bike_noted" not in said(dispatcher)


async def test_a_bike_learned_this_visit_is_offered_as_the_same_bike(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    await remember(SENDER, "Trek FX 3")  # said in this session, after it started
    tracker = make_tracker("book_repair", "book my bike in", sender_id=SENDER)
    await ActionAskRepairBike().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_ask_repair_bike_same"]
    assert dispatcher.messages[0]["bike"] == "Trek FX 3"


async def test_another_customers_bike_is_never_the_same_one(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    await remember("someone-else", "Specialized Diverge")
    tracker = make_tracker(
        "book_repair",
        "book my bike in, same one as before",
        history=[{"event": "session_started"}],
        active_loop="repair_form",
        sender_id="a-stranger",
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events).get("repair_bike") is None
    asking = CollectingDispatcher()
    await ActionAskRepairBike().run(asking, tracker, domain)
    assert said(asking) == ["utter_ask_repair_bike"]


def test_an_order_number_read_as_an_order_question_is_still_the_answer() -> None:
    """A bare "C3309" given to "What's the order number?" was read as `order_status` (0.77):
    a message that is wholly a value the NLU found is an answer, whatever its intent."""
    from actions.exits import is_request

    bare = make_tracker(
        "order_status", "C3309", [entity("order_id", "C3309")], active_loop="return_form"
    )
    assert not is_request(bare, "C3309")
    asked = make_tracker("order_status", "where is my order", active_loop="return_form")
    assert is_request(asked, "where is my order")
