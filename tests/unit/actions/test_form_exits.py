"""Forms with exits: every question accepts "I don't know" and leads somewhere useful, no question
is asked three times in a row, and a form never asks for what the customer already said.

The ladder (actions/exits.py) is tested with in-test trackers: the bot's earlier words in the
form's run are events with their response names, as Rasa records them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from action_testkit import action_event, entity, make_tracker, said, use_settings, user_event
from rasa.shared.core.domain import Domain
from rasa_sdk.executor import CollectingDispatcher

from actions import exits
from actions.exits import HINT_SLOT, UNKNOWN, Exit, cant_answer, missed
from actions.forms import (
    EXITS,
    NO_ORDER,
    OFFERED_DAY_SLOT,
    ValidateOrderCheckForm,
    ValidateRepairForm,
    ValidateReturnForm,
    problem_said,
)
from actions.orders import (
    ActionCheckOrderDetails,
    ActionOrderStatus,
    ActionSubmitRepair,
    ActionSubmitReturn,
)
from voice.business import load

ROOT = Path(__file__).parents[3]
SHOP = load(ROOT / "business.yml")
DOMAIN = Domain.load(str(ROOT / "domain.yml")).as_dict()
LADDER = Exit("utter_explain_x", "utter_x_way_out")
OFFER = Exit("utter_explain_x", "utter_x_offer", value=None)


def bot_said(response: str) -> dict[str, Any]:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


def form_started(form: str = "repair_form") -> dict[str, Any]:
    return {"event": "active_loop", "name": form}


def form_ended() -> dict[str, Any]:
    return {"event": "active_loop", "name": None}


def slot_event(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def answer(
    intent: str, text: str, history: list[dict[str, Any]] = (), **slots: Any
) -> Any:  # a tracker in the middle of a form
    return make_tracker(intent, text, slots=slots, history=list(history))


# --- "I don't know", read from the language model or from the words ------------------------


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("dont_know", "I have no idea what it is"),
        ("inform", "dunno"),
        ("inform", "no idea"),
        ("inform", "skip"),
        ("deny", "I don't have it"),
        ("inform", "not sure, sorry"),
        ("inform", "um I don't know"),
        ("inform", "can't remember"),
    ],
)
def test_a_customer_who_cant_answer_is_heard(intent: str, text: str) -> None:
    assert cant_answer(answer(intent, text))


@pytest.mark.parametrize(
    "text",
    ["not sure what's wrong, it clicks when I pedal", "the brakes squeal", "skipping gears"],
)
def test_an_answer_that_only_sounds_unsure_is_still_an_answer(text: str) -> None:
    assert not cant_answer(answer("inform", text))


# --- the ladder -----------------------------------------------------------------------------


def test_the_first_miss_asks_again_with_an_example(dispatcher: CollectingDispatcher) -> None:
    tracker = answer("inform", "hmm", [form_started()])
    result = missed(dispatcher, tracker, "x", LADDER)
    assert said(dispatcher) == ["utter_explain_x"]
    assert result == {"x": None, HINT_SLOT: "x"}


def test_the_second_miss_goes_on_another_way(dispatcher: CollectingDispatcher) -> None:
    tracker = answer("inform", "hmm", [form_started(), bot_said("utter_explain_x")])
    result = missed(dispatcher, tracker, "x", LADDER)
    assert said(dispatcher) == ["utter_x_way_out"]
    assert result == {"x": UNKNOWN}


def test_i_dont_know_goes_on_at_once(dispatcher: CollectingDispatcher) -> None:
    tracker = answer("dont_know", "I don't know", [form_started()])
    assert missed(dispatcher, tracker, "x", LADDER) == {"x": UNKNOWN}
    assert said(dispatcher) == ["utter_x_way_out"]


def test_an_offer_stays_open_and_a_miss_after_it_ends_with_a_person(
    dispatcher: CollectingDispatcher,
) -> None:
    first = missed(dispatcher, answer("dont_know", "no idea", [form_started()]), "x", OFFER)
    assert first == {"x": None, HINT_SLOT: "x"}
    assert said(dispatcher) == ["utter_x_offer"]
    later = CollectingDispatcher()
    history = [form_started(), bot_said("utter_x_offer")]
    assert missed(later, answer("inform", "hmm", history), "x", OFFER) == {"x": UNKNOWN}
    assert said(later) == []  # the form ends; its submit action offers the person


def test_an_earlier_run_of_the_form_does_not_count(dispatcher: CollectingDispatcher) -> None:
    history = [form_started(), bot_said("utter_explain_x"), form_ended(), form_started()]
    missed(dispatcher, answer("inform", "hmm", history), "x", LADDER)
    assert said(dispatcher) == ["utter_explain_x"]


# --- every question of every form -----------------------------------------------------------

# A confirmed order with several items, so that the return form asks which one.
CONFIRMED = {"return_order_id": "A1234", "confirmed_orders": ["A1234"]}
QUESTIONS = [
    # (validation, form, slot, other slots, an answer the form can't take)
    (ValidateRepairForm, "repair_form", "repair_bike", {}, "it"),
    (ValidateRepairForm, "repair_form", "repair_problem", {"repair_bike": "Trek"}, "hmm"),
    (ValidateRepairForm, "repair_form", "repair_date", {"repair_bike": "Trek"}, "whenever"),
    (ValidateReturnForm, "return_form", "return_order_id", {}, "12"),
    (ValidateReturnForm, "return_form", "order_email", {"return_order_id": "C3309"}, "my mail"),
    (
        ValidateReturnForm,
        "return_form",
        "order_postcode",
        {"return_order_id": "C3309", "order_email": "a@b.co"},
        "home",
    ),
    (ValidateReturnForm, "return_form", "return_item", CONFIRMED, "the unicorn"),
    (ValidateReturnForm, "return_form", "return_bought", {"return_order_id": NO_ORDER}, "hmm"),
    (ValidateReturnForm, "return_form", "return_reason", CONFIRMED, "eh"),
    (ValidateOrderCheckForm, "order_check_form", "order_email", {}, "my mail"),
    (ValidateOrderCheckForm, "order_check_form", "order_postcode", {"order_email": "a@b.co"}, "x"),
]


def test_every_question_of_every_form_is_covered(domain: dict[str, Any]) -> None:
    asked = {(form, slot) for _, form, slot, _, _ in QUESTIONS}
    for form, spec in domain["forms"].items():
        for slot in spec["required_slots"]:
            assert (form, slot) in asked, f"{form}.{slot} has no exit test"


async def run_turn(
    validation: Any, form: str, slot: str, others: dict, intent: str, text: str, history: list
) -> tuple[dict[str, Any], list[str | None], list[dict[str, Any]]]:
    """One answer to `slot`'s question; the slots it set, what was said, and the events the
    turn adds to the form's history."""
    dispatcher = CollectingDispatcher()
    value = "none" if (slot == "return_order_id" and intent == "dont_know") else text
    tracker = make_tracker(
        intent,
        text,
        slots={"requested_slot": slot, slot: value, **others},
        history=history,
        after=[slot_event(slot, value)],
        active_loop=form,
    )
    events = await validation().run(dispatcher, tracker, DOMAIN)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    turn = [
        action_event("action_listen"),
        user_event(intent, text),
        *(bot_said(str(message.get("response"))) for message in dispatcher.messages),
    ]
    return slots, said(dispatcher), turn


def filled(slots: dict[str, Any], slot: str) -> bool:
    return slots.get(slot) is not None or slots.get("return_order_id") == NO_ORDER


@pytest.mark.parametrize(("validation", "form", "slot", "others", "miss"), QUESTIONS)
async def test_i_dont_know_leads_somewhere_at_once(
    domain: dict[str, Any], validation: Any, form: str, slot: str, others: dict, miss: str
) -> None:
    slots, responses, _ = await run_turn(
        validation, form, slot, others, "dont_know", "I don't know", [form_started(form)]
    )
    # Never kept as the answer, never the same question again: the form goes on another way
    # (a value that means "not given", or no order), or offers something the customer can
    # say yes to, or ends for a person.
    assert slots.get(slot) != "I don't know"
    if slot == "return_item" and others is CONFIRMED:  # the order's items are named first
        assert responses == ["utter_explain_item_not_in_order"]
        return
    assert filled(slots, slot) or any(
        response and response.startswith("utter_suggest") for response in responses
    ), (slots, responses)
    assert not any(response and response.startswith("utter_explain") for response in responses)
    assert all(response in domain["responses"] for response in responses)


@pytest.mark.parametrize(("validation", "form", "slot", "others", "miss"), QUESTIONS)
async def test_no_question_is_asked_a_third_time(
    domain: dict[str, Any], validation: Any, form: str, slot: str, others: dict, miss: str
) -> None:
    history: list[dict[str, Any]] = [form_started(form), bot_said(f"utter_ask_{slot}")]
    asks = 1
    for _ in range(4):
        slots, responses, turn = await run_turn(
            validation, form, slot, others, "inform", miss, history
        )
        history += turn
        if filled(slots, slot) or slots.get("requested_slot", "-") is None:
            break  # the form went on without it, or ended for a person
        asks += 1  # the question (or an offer) again
        assert asks < 3 or any(r and r.startswith("utter_suggest") for r in responses), (
            f"{form}.{slot} asked a third time: {responses}"
        )
    else:
        pytest.fail(f"{form}.{slot} never went on")
    assert asks <= 3


async def test_the_second_miss_explained_with_an_example() -> None:
    history = [form_started(), bot_said("utter_ask_repair_problem")]
    _, first, turn = await run_turn(
        ValidateRepairForm, "repair_form", "repair_problem", {}, "inform", "hmm", history
    )
    assert first == [EXITS["repair_problem"].example]
    slots, second, _ = await run_turn(
        ValidateRepairForm, "repair_form", "repair_problem", {}, "inform", "hmm", history + turn
    )
    assert second == [EXITS["repair_problem"].way_out]
    assert slots["repair_problem"] == UNKNOWN


async def test_a_day_nobody_can_name_is_offered_and_a_yes_books_it() -> None:
    history = [form_started()]
    slots, responses, turn = await run_turn(
        ValidateRepairForm, "repair_form", "repair_date", {}, "dont_know", "no idea", history
    )
    assert responses == ["utter_suggest_repair_date"]
    assert slots[OFFERED_DAY_SLOT] == "2026-11-25"  # the next open day after Tuesday
    yes, _, _ = await run_turn(
        ValidateRepairForm,
        "repair_form",
        "repair_date",
        {OFFERED_DAY_SLOT: slots[OFFERED_DAY_SLOT]},
        "affirm",
        "yes",
        history + turn,
    )
    assert yes["repair_date"] == "2026-11-25"


async def test_no_order_details_in_a_return_goes_on_without_the_order() -> None:
    slots, responses, _ = await run_turn(
        ValidateReturnForm,
        "return_form",
        "order_email",
        {"return_order_id": "C3309"},
        "dont_know",
        "I don't know the email",
        [form_started("return_form")],
    )
    assert slots["return_order_id"] == NO_ORDER
    # Not asked again to find the order another way: the customer has just said they can't.
    assert slots["order_email"] == UNKNOWN and slots["order_postcode"] == UNKNOWN
    assert responses == ["utter_return_without_order_details"]


async def test_which_item_nobody_knows_is_answered_with_the_choices_then_a_person() -> None:
    history = [form_started("return_form")]
    args = (ValidateReturnForm, "return_form", "return_item", CONFIRMED, "dont_know")
    _, first, turn = await run_turn(*args, "I don't know which one", history)
    assert first == ["utter_explain_item_not_in_order"]
    slots, second, _ = await run_turn(*args, "no idea", history + turn)
    assert slots["return_item"] == UNKNOWN and second == []  # the submit offers a person


# --- where the forms end when something is unknown ------------------------------------------


async def test_a_booking_without_the_bike_or_problem_is_made_and_nothing_is_remembered(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    slots = {"repair_bike": UNKNOWN, "repair_problem": UNKNOWN, "repair_date": "2026-11-28"}
    events = await ActionSubmitRepair().run(dispatcher, make_tracker("inform", slots=slots), domain)
    assert said(dispatcher) == ["utter_repair_booked"]
    message = dispatcher.messages[0]
    assert message["bike"] == exits.phrase(domain, "utter_name_unknown_bike")
    assert message["problem"] == exits.phrase(domain, "utter_name_unknown_problem")
    assert UNKNOWN not in (message["bike"], message["problem"])
    names = {e["name"] for e in events}
    assert "known_bike" not in names  # "I don't know" is no bike to remember


async def test_a_booking_without_a_day_offers_a_person_and_books_nothing(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    slots = {"repair_bike": "Trek", "repair_problem": "brakes squeal", "repair_date": UNKNOWN}
    events = await ActionSubmitRepair().run(dispatcher, make_tracker("inform", slots=slots), domain)
    assert said(dispatcher) == ["utter_repair_needs_person"]
    assert "order_id" not in {e["name"] for e in events}


async def test_a_return_nobody_can_name_the_item_of_goes_to_a_person(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    slots = {"return_order_id": NO_ORDER, "return_item": UNKNOWN}
    await ActionSubmitReturn().run(dispatcher, make_tracker("inform", slots=slots), domain)
    assert said(dispatcher) == ["utter_return_needs_person"]


async def test_the_return_form_stops_asking_once_the_item_is_unknown(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(slots={"return_order_id": NO_ORDER, "return_item": UNKNOWN})
    required = await ValidateReturnForm().required_slots(
        list(domain["forms"]["return_form"]["required_slots"]), dispatcher, tracker, domain
    )
    assert required[-1] == "return_item"


async def test_order_details_nobody_has_are_not_a_wrong_guess(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    slots = {
        "order_check_reference": "C3309",
        "order_email": UNKNOWN,
        "order_postcode": UNKNOWN,
        "order_check_misses": 0.0,
    }
    events = await ActionCheckOrderDetails().run(
        dispatcher, make_tracker("inform", slots=slots), domain
    )
    assert said(dispatcher) == ["utter_order_details_unknown"]
    assert "order_check_misses" not in {e["name"] for e in events}


# --- never asking for what was already said -------------------------------------------------


def history_of(*messages: tuple[str, str]) -> Any:
    events: list[dict[str, Any]] = [{"event": "session_started"}]
    for intent, text in messages[:-1]:
        events += [action_event("action_listen"), user_event(intent, text)]
    intent, text = messages[-1]
    return make_tracker(intent, text, history=events)


BOOK = "book_repair"
SAID_BEFORE = [
    ([(BOOK, "can I book my bike in, the gears keep slipping")], "the gears keep slipping"),
    ([(BOOK, "I'd like to book a repair because my brakes squeal")], "my brakes squeal"),
    # The repair asked for by its name is the problem (the booking shows its estimate).
    ([(BOOK, "book me in for a puncture repair")], "puncture repair"),
    ([("inform", "my wheel is buckled"), (BOOK, "can you fix it?")], "my wheel is buckled"),
    ([(BOOK, "can I book my bike in")], None),
    ([(BOOK, "can I book my bike in, this Saturday please")], None),
    ([(BOOK, "can I book my bike in, what time do you open")], None),
    # A form answer after the request is never read as the problem.
    ([(BOOK, "can I book a repair"), ("inform", "it's a Trek, the blue one")], None),
]


@pytest.mark.parametrize(("messages", "problem"), SAID_BEFORE)
def test_the_problem_said_before_the_question_is_found(
    messages: list[tuple[str, str]], problem: str | None
) -> None:
    import datetime as dt

    assert problem_said(SHOP, history_of(*messages), dt.date(2026, 11, 24)) == problem


async def test_the_repair_form_does_not_ask_for_a_problem_already_said(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [{"event": "session_started"}]
    tracker = make_tracker(
        "book_repair",
        "can I book my Trek in, the gears keep slipping",
        [entity("product", "Trek")],
        slots={"repair_bike": "Trek"},
        history=history,
        after=[slot_event("repair_bike", "Trek")],
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["repair_problem"] == "the gears keep slipping"
    assert "utter_explain_problem_short" not in said(dispatcher)


async def test_an_order_number_in_the_question_is_not_asked_for(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        "order_status", "my order C3309 hasn't come", [entity("order_id", "C3309")]
    )
    events = await ActionOrderStatus().run(dispatcher, tracker, domain)
    assert "utter_ask_order_number" not in said(dispatcher)
    assert {"event": "slot", "name": "order_check_reference", "value": "C3309"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]


async def test_roughly_when_finds_which_of_a_customers_orders_it_was(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sample_shop: Any
) -> None:
    """Two of a signed-in customer's orders hold the same item: "about 6 weeks ago" picks the
    one placed then; a time near neither finds none, and the return goes on without a number."""
    records = tmp_path / "records.yml"
    records.write_text(
        "orders:\n"
        "  - {order_id: D1001, customer_id: c-9, email: kim@example.com, postcode: BS1 1AA,"
        " placed_days_ago: 40, items: [Giro helmet], status: delivered, status_days_ago: 38}\n"
        "  - {order_id: D1002, customer_id: c-9, email: kim@example.com, postcode: BS1 1AA,"
        " placed_days_ago: 5, items: [Giro helmet], status: delivered, status_days_ago: 3}\n"
        "repairs: []\ncustomers: []\n"
    )
    settings = dataclasses.replace(sample_shop, shop_records_file=records)

    use_settings(monkeypatch, settings)
    slots = {"return_order_id": NO_ORDER, "return_item": "Giro helmet", "customer_id": "c-9"}
    args = (ValidateReturnForm, "return_form", "return_bought", slots, "inform")
    found, _, _ = await run_turn(*args, "about 6 weeks ago", [form_started("return_form")])
    assert (found["return_order_id"], found["return_bought"]) == ("D1001", "42")
    neither, _, _ = await run_turn(*args, "about 4 months ago", [form_started("return_form")])
    assert neither.get("return_order_id") in (None, NO_ORDER) and neither["return_bought"] == "120"


async def test_an_answer_inside_i_dont_know_is_still_taken() -> None:
    """ "not sure, a Trek I think": the model may read it as "I don't know", but the bike it
    names is the answer."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "dont_know",
        "not sure, a Trek I think",
        [entity("product", "Trek")],
        slots={"requested_slot": "repair_bike", "repair_bike": "Trek"},
        history=[form_started()],
        after=[slot_event("repair_bike", "Trek")],
        active_loop="repair_form",
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, DOMAIN)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["repair_bike"] == "Trek"


# --- the order number's way out: a fault, a complaint, a question, no return at all ----------


async def order_number_answered(
    intent: str, text: str, asked: str | None = "return_order_id"
) -> tuple[list[dict[str, Any]], list[str | None]]:
    """The return form's validation of a message given to the order-number question (or, with
    `asked` None, of the message that started the form): its events and what it said."""
    dispatcher = CollectingDispatcher()
    history = [form_started("return_form")]
    if asked is not None:
        history.append(bot_said("utter_ask_return_order_id"))
    tracker = make_tracker(
        intent,
        text,
        slots={"requested_slot": asked, "return_order_id": text if asked else None},
        history=history,
        after=[slot_event("return_order_id", text)] if asked else [],
        active_loop="return_form",
    )
    events = await ValidateReturnForm().run(dispatcher, tracker, DOMAIN)
    return events, said(dispatcher)


def followed_by(events: list[dict[str, Any]]) -> list[str]:
    return [str(event["name"]) for event in events if event.get("event") == "followup"]


def form_stopped(events: list[dict[str, Any]]) -> bool:
    return {"event": "active_loop", "name": None} in [
        {"event": event.get("event"), "name": event.get("name")}
        for event in events
        if event.get("event") == "active_loop"
    ]


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("inform", "the clip on the bottle cage I bought from you has already snapped"),
        ("return_request", "got some lights from you and they stopped working after a week"),
    ],
)
async def test_a_fault_instead_of_the_order_number_is_the_faulty_item_answer(
    intent: str, text: str
) -> None:
    events, responses = await order_number_answered(intent, text)
    assert form_stopped(events) and followed_by(events) == ["action_handle_complaint"]
    assert "utter_explain_order_id_format" not in responses


async def test_a_fault_that_starts_a_return_is_the_faulty_item_answer_not_the_order_number() -> (
    None
):
    text = "picked up a floor pump from you last month and the gauge cracked, bought it online"
    events, responses = await order_number_answered("return_request", text, asked=None)
    assert form_stopped(events) and followed_by(events) == ["action_handle_complaint"]
    assert responses == []


async def test_a_fault_with_a_return_asked_for_stays_a_return() -> None:
    text = "I want to return the lights I bought, they stopped working"
    events, _ = await order_number_answered("return_request", text, asked=None)
    assert not form_stopped(events) and followed_by(events) == []


async def test_a_message_that_asks_for_no_return_is_asked_about_not_sent_down_the_form() -> None:
    events, responses = await order_number_answered(
        "return_request", "someone pinched my bike from the station this morning", asked=None
    )
    assert form_stopped(events) and followed_by(events) == ["action_listen"]
    assert responses == ["utter_fallback_sounds_wrong"]
    assert "return_order_id" not in {
        event["name"] for event in events if event.get("event") == "slot" and event["value"]
    }


@pytest.mark.parametrize(
    ("intent", "text", "then"),
    [
        ("complain", "this is taking ages and nobody replied", "action_handle_complaint"),
        ("redeem_reward", "wait, could I use my points for it instead?", "action_redeem_reward"),
        ("ask_location", "where is the shop, I might just bring it in", "action_tell_location"),
        ("nlu_fallback", "do you lot do bike insurance?", "action_fallback_ladder"),
    ],
)  # fmt: skip
async def test_a_question_or_another_topic_is_a_way_out_of_the_order_number(
    intent: str, text: str, then: str
) -> None:
    events, responses = await order_number_answered(intent, text)
    assert form_stopped(events) and followed_by(events) == [then]
    assert "utter_explain_order_id_format" not in responses


async def test_a_number_or_no_number_still_answers_the_order_number_question() -> None:
    for intent, text in (("inform", "12"), ("dont_know", "I don't have it")):
        events, _ = await order_number_answered(intent, text)
        assert not form_stopped(events) and followed_by(events) == []


def test_the_actions_for_a_way_out_are_those_the_rules_run() -> None:
    import yaml

    from actions.forms import ASIDE_ACTIONS

    ruled: dict[str, set[str]] = {}
    for path in (ROOT / "data" / "rules").glob("*.yml"):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules") or []:
            steps = rule.get("steps") or []
            if rule.get("condition") or len(steps) != 2 or "intent" not in steps[0]:
                continue
            ruled.setdefault(steps[0]["intent"], set()).add(steps[1].get("action"))
    for intent, action in ASIDE_ACTIONS.items():
        assert ruled.get(intent) == {action}, (intent, action, ruled.get(intent))
