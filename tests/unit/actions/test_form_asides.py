"""The forms and what customers say beside their questions: a question of its own is answered
and the form's question put again; a booking request that wishes no repair starts no repair
form; what was said earlier in the chat (the bike, the day) is not asked again; a time is a
time, never the repair; and a name put right in a form is put right, never a no.

Each test plays the turn through the real validation with the real domain, business file and
rules of this repository.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from action_testkit import action_event, make_tracker, said, user_event
from rasa_sdk.executor import CollectingDispatcher

from actions import asides, base
from actions.forms import ValidateRepairForm, booking_time_said, describes_fault
from actions.orders import ActionSubmitRepair
from voice.business import load

ROOT = Path(__file__).parents[3]
SHOP = load(ROOT / "business.yml")
ANSWERS = asides.rule_answers(asides.read_rules(ROOT / "data" / "rules"))
FRIDAY = dt.datetime(2026, 11, 27, 10, 0)


@pytest.fixture(autouse=True)
def friday(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "now", lambda shop: FRIDAY)


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def followups(events: list[dict[str, Any]]) -> list[str]:
    return [e["name"] for e in events if e.get("event") == "followup"]


def bot_said(response: str) -> dict[str, Any]:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


def in_form(
    slot: str,
    text: str,
    intent: str,
    confidence: float = 0.9,
    ranking: list[tuple[str, float]] | None = None,
    **slots: Any,
) -> Any:
    """`text` (read as `intent`, or as `ranking`) given to the repair form's question for `slot`."""
    tracker = make_tracker(
        intent,
        text,
        ranking=[{"name": name, "confidence": value} for name, value in ranking or []] or None,
        slots={"requested_slot": slot, slot: text, **slots},
        history=[
            {"event": "session_started"},
            action_event("action_listen"),
            user_event("book_repair", "I'd like to book my bike in for a repair"),
            {"event": "active_loop", "name": "repair_form"},
            bot_said(f"utter_ask_{slot}"),
        ],
        after=[{"event": "slot", "name": slot, "value": text}],
        active_loop="repair_form",
    )
    tracker.latest_message["intent"]["confidence"] = confidence
    return tracker


def starting(text: str, ranking: list[tuple[str, float]], history: list[dict] | None = None) -> Any:
    """`text`, read as a booking request, starting the repair form."""
    return make_tracker(
        "book_repair",
        text,
        ranking=[{"name": name, "confidence": value} for name, value in ranking],
        history=history or [{"event": "session_started"}],
    )


# --- which action answers an intent: the content's rules ---------------------------------------


def test_the_answer_to_an_intent_is_its_rule_without_conditions() -> None:
    rules = [
        {"rule": "a", "steps": [{"intent": "community_events"}, {"action": "action_rides"}]},
        {
            "rule": "b",
            "condition": [{"active_loop": "repair_form"}],
            "steps": [{"intent": "ask_hours"}, {"action": "action_in_form"}],
        },
        {"rule": "c", "steps": [{"intent": "ask_hours"}, {"action": "action_tell_hours"}]},
        {
            "rule": "d",
            "steps": [{"intent": "book_repair"}, {"action": "repair_form"}, {"active_loop": "x"}],
        },
    ]
    assert asides.rule_answers(rules) == {
        "community_events": "action_rides",
        "ask_hours": "action_tell_hours",
    }


def test_this_repositorys_rules_answer_the_questions_asked_in_forms() -> None:
    assert ANSWERS["community_events"] == "action_community_events"
    assert ANSWERS["buy_product"] == "action_buy_product"
    assert "book_repair" not in ANSWERS  # starts a form: no one-step answer


# --- a question of its own inside the form: answered, and the question put again ----------------


@pytest.mark.parametrize(
    ("slot", "text", "intent", "answer"),
    [
        (
            "repair_bike",
            "when's the next group ride?",
            "community_events",
            "action_community_events",
        ),
        ("repair_date", "do you sell child seats?", "buy_product", "action_buy_product"),
        (
            "repair_problem",
            "how many points have I got?",
            "loyalty_balance",
            "action_loyalty_balance",
        ),
    ],
)
async def test_a_question_in_the_form_is_answered_and_the_question_kept_for_after(
    monkeypatch: pytest.MonkeyPatch,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    slot: str,
    text: str,
    intent: str,
    answer: str,
) -> None:
    services = await base.services()
    monkeypatch.setattr(services, "rule_answers", lambda: ANSWERS)
    events = await ValidateRepairForm().run(dispatcher, in_form(slot, text, intent), domain)
    assert followups(events) == [answer]
    assert slot_values(events)[slot] is None
    assert slot_values(events)["form_hint_for"] == slot  # asked again after the answer
    assert said(dispatcher) == []  # no "could you tell me a bit more" before the answer


async def test_a_request_that_starts_its_own_form_keeps_its_ladder(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = in_form("repair_bike", "where is my order?", "order_status")
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert followups(events) == []
    assert said(dispatcher) == ["utter_explain_bike_short"]


async def test_a_question_read_as_a_booking_is_answered_as_its_next_reading(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    services = await base.services()
    monkeypatch.setattr(services, "rule_answers", lambda: ANSWERS)
    text = "can I come in for a fitting too?"
    ranking = [("book_repair", 0.7), ("order_status", 0.2), ("buy_product", 0.1)]
    tracker = in_form("repair_problem", text, "book_repair", 0.7, ranking, repair_bike="hybrid")
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert followups(events) == ["action_buy_product"]  # never one that starts its own form
    assert slot_values(events)["repair_problem"] is None


async def test_a_question_that_wishes_no_repair_is_never_the_problem(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    text = "can it be done while I wait?"
    tracker = in_form("repair_problem", text, "inform", repair_bike="hybrid")
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["repair_problem"] is None
    assert said(dispatcher) == ["utter_explain_problem_short"]


# --- only a wish for a repair starts the repair form -------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "do I need to book or just turn up? and is there a coffee stop",
        "can I come in for a fitting",
        "could I book a test ride on a gravel bike",
        "do you put child seats on, need to book?",
    ],
)
def test_a_booking_question_that_wishes_no_repair_is_not_a_repair(text: str) -> None:
    named = SHOP.repair_service(text) is not None
    assert not asides.wishes_repair(SHOP.vocabulary.repair_wish, text, named)


@pytest.mark.parametrize(
    "text",
    [
        "can I book my bike in",
        "I need my brakes looked at",
        "book me in for a tune up on saturday",
        "my gears keep slipping, when can you fit me in",
        "/book_repair",
    ],
)
def test_a_wish_for_a_repair_or_service_is_one(text: str) -> None:
    named = SHOP.repair_service(text) is not None
    assert asides.wishes_repair(SHOP.vocabulary.repair_wish, text, named)


async def test_a_booking_question_about_a_ride_starts_no_form_and_is_answered_as_one(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    services = await base.services()
    monkeypatch.setattr(services, "rule_answers", lambda: ANSWERS)
    tracker = starting(
        "do I need to book or just turn up",
        [("book_repair", 0.6), ("community_events", 0.3), ("ask_hours", 0.1)],
    )
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert followups(events) == ["action_community_events"]
    assert slot_values(events)["requested_slot"] is None  # the form ends before asking
    assert said(dispatcher) == []


async def test_a_repair_request_starts_the_form(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = starting("can I book my bike in for a service", [("book_repair", 0.9)])
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert followups(events) == []


# --- what was said earlier in the chat is taken ------------------------------------------------


async def test_the_bike_said_earlier_in_the_chat_is_not_asked_again(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [
        {"event": "session_started"},
        action_event("action_listen"),
        user_event("inform", "its a hybrid, the back wheel rubs"),
        bot_said("utter_how_can_i_help"),
    ]
    tracker = starting("can I book it in", [("book_repair", 0.9)], history)
    extracted = await ValidateRepairForm().extract_repair_bike(dispatcher, tracker, domain)
    assert extracted == {"repair_bike": "hybrid"}


async def test_a_bike_of_a_booking_already_made_is_not_taken(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [
        {"event": "session_started"},
        action_event("action_listen"),
        user_event("inform", "its a hybrid"),
        action_event("action_submit_repair"),
    ]
    tracker = starting("can I book another one in", [("book_repair", 0.9)], history)
    extracted = await ValidateRepairForm().extract_repair_bike(dispatcher, tracker, domain)
    assert extracted == {}


async def test_the_day_said_earlier_in_the_chat_is_not_asked_again(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [
        {"event": "session_started"},
        action_event("action_listen"),
        user_event("ask_hours", "could I bring it in on saturday, are you open?"),
        action_event("action_tell_hours"),
    ]
    tracker = starting("ok can I book a service then", [("book_repair", 0.9)], history)
    extracted = await ValidateRepairForm().extract_repair_date(dispatcher, tracker, domain)
    assert extracted == {"repair_date": "2026-11-28"}


async def test_a_day_before_work_is_the_drop_off_day_not_a_deadline(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = in_form("repair_bike", "tuesday morning before work? like 8", "inform")
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["repair_date"] == "2026-12-01"
    assert said(dispatcher) == ["utter_bike_after_day"]


# --- a time is a time, never the repair --------------------------------------------------------


async def test_a_drop_off_time_given_for_the_problem_is_not_the_problem(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    text = "I'll drop it at 9 if that works"
    tracker = in_form("repair_problem", text, "inform", repair_bike="hybrid")
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["repair_problem"] is None
    assert said(dispatcher) == ["utter_problem_after_time"]


@pytest.mark.parametrize(
    "clause", ["I'll drop it at 9 if that works", "after 4 o'clock", "can do 10:30"]
)
def test_a_time_never_describes_a_fault(clause: str) -> None:
    assert not describes_fault(SHOP, clause, FRIDAY.date())


async def test_a_time_without_a_day_asks_for_the_day(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = in_form("repair_date", "i can come after 4 o'clock is ok?", "inform")
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["repair_date"] is None
    assert said(dispatcher) == ["utter_date_after_time"]


async def test_a_time_said_once_booked_is_any_time_that_day(domain: dict[str, Any]) -> None:
    sender = "time-after-booking"
    slots = {
        "repair_bike": "hybrid",
        "repair_problem": "the brakes rub",
        "repair_date": "2026-12-01",
    }
    events = await ActionSubmitRepair().run(
        CollectingDispatcher(), make_tracker("inform", slots=slots, sender_id=sender), domain
    )
    [reference] = [e["value"] for e in events if e.get("name") == "order_id"]
    made = [{"event": "session_started"}, {"event": "slot", "name": "order_id", "value": reference}]
    text = "i can come after 4 o'clock is ok?"
    tracker = make_tracker("nlu_fallback", text, history=made, sender_id=sender)
    dispatcher = CollectingDispatcher()
    assert await booking_time_said(dispatcher, tracker, SHOP)
    [message] = dispatcher.messages
    assert message["response"] == "utter_booking_any_time"
    assert (message["close"], message["reference"]) == ("18:00", reference)


async def test_a_time_without_a_booking_in_the_chat_is_not_answered_as_one() -> None:
    tracker = make_tracker("nlu_fallback", "after 4 o'clock ok?")
    assert not await booking_time_said(CollectingDispatcher(), tracker, SHOP)


# --- a name put right in a form ----------------------------------------------------------------


async def test_a_name_put_right_in_the_form_is_put_right_and_the_question_asked_again(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = in_form("repair_problem", "no it's Jo not Joe", "correct_fact", customer_name="Joe")
    events = await ValidateRepairForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["customer_name"] == "Jo"
    assert slot_values(events)["repair_problem"] is None
    assert said(dispatcher) == ["utter_name_put_right_in_form"]
