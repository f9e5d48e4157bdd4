"""`action_handoff` with the real domain and a real (SQLite) memory: the reason recorded, what the
customer is told with and without an agent online, the follow-up promise, the pause."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk.executor import CollectingDispatcher

import memory
from actions import base
from actions.handoff import ActionHandoff
from bot.settings import Settings
from memory.agents import AgentAccounts
from memory.store import MemoryStore

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "actions"))
from action_testkit import action_event, make_tracker, rendered, use_settings, user_event  # noqa: E402

TUESDAY_MORNING = dt.datetime(2026, 11, 24, 10, 0)
TUESDAY_NIGHT = dt.datetime(2026, 11, 24, 23, 0)


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    return Domain.load(str(ROOT / "domain.yml")).as_dict()


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    memory.migrate(url)
    config = Settings(business_file=ROOT / "business.yml", database_url=url)

    use_settings(monkeypatch, config)
    monkeypatch.setattr(base, "now", lambda shop: TUESDAY_MORNING)
    return url


async def hand_off(domain: dict[str, Any], tracker: Any) -> tuple[list, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff().run(dispatcher, tracker, domain)
    return events, dispatcher


async def test_with_an_agent_online_the_customer_hears_the_wait(
    database: str, domain: dict[str, Any]
) -> None:
    accounts = AgentAccounts(database)
    accounts.add("Alex", "a long enough password")
    accounts.heartbeat("Alex")
    tracker = make_tracker("request_human", "can I talk to a human", sender_id="anna")
    events, dispatcher = await hand_off(domain, tracker)
    [message] = dispatcher.messages
    assert message["response"] == "utter_handoff_queued_next"
    text = rendered(domain, message)
    assert "you're next, so it should be about 6 minutes." in text
    assert [event["event"] for event in events] == ["slot", "pause"]
    handoff = MemoryStore(database).handoffs.open_for("anna")
    assert handoff is not None
    assert (handoff.reason, handoff.detail, handoff.offline) == (
        "customer_asked",
        "can I talk to a human",
        False,
    )


async def test_out_of_hours_a_message_is_taken_and_a_follow_up_promised(
    database: str, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "now", lambda shop: TUESDAY_NIGHT)
    accounts = AgentAccounts(database)
    accounts.add("Alex", "a long enough password")
    accounts.heartbeat("Alex")  # online, but the shop is closed
    events, dispatcher = await hand_off(domain, make_tracker("request_human", sender_id="ben"))
    [message] = dispatcher.messages
    assert "leave your message with me" in message["text"]
    assert "reply by 09:00 tomorrow, when the team is back" in message["text"]
    assert "best way to reach you" in message["text"]
    assert message["say_yes"]["reason_code"] == "out_of_hours_contact.with_condition"
    assert events[-1]["event"] == "pause"
    card = MemoryStore(database).cards.card_for_sender("ben")
    assert card is not None and len(card.promises_due) == 1
    assert MemoryStore(database).handoffs.open_for("ben").offline  # type: ignore[union-attr]


async def test_out_of_hours_something_urgent_gets_its_options_and_safety_first(
    database: str, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "now", lambda shop: TUESDAY_NIGHT)
    tracker = make_tracker("request_human", "I crashed and my friend is injured", sender_id="cy")
    events, dispatcher = await hand_off(domain, tracker)
    [message] = dispatcher.messages
    assert message["say_yes"]["rung"] == "yes_alternative"
    assert "emergency services" in message["text"]
    assert "first thing at 09:00 tomorrow" in message["text"]
    assert "buttons" not in message or not message["buttons"]  # the chat waits for the team
    assert events[-1]["event"] == "pause"


async def test_just_before_opening_the_team_is_back_within_the_hour(
    database: str, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "now", lambda shop: dt.datetime(2026, 11, 24, 8, 30))
    _, dispatcher = await hand_off(domain, make_tracker("request_human", sender_id="di"))
    [message] = dispatcher.messages
    assert message["say_yes"]["rung"] == "yes"
    assert message["text"].startswith("Yes, our team is back within the hour")


@pytest.mark.parametrize(
    ("previous", "reason"),
    [
        ("action_fallback_ladder", "fallback"),
        ("action_handle_complaint", "complaint"),
        ("action_buy_product", "say_yes"),
        ("utter_greet", "customer_asked"),
    ],
)
async def test_the_reason_comes_from_how_the_chat_got_here(
    database: str, domain: dict[str, Any], previous: str, reason: str
) -> None:
    history = [action_event("action_listen"), user_event("greet"), action_event(previous)]
    if previous == "action_fallback_ladder":  # the ladder's rung that offers a person
        history.append(
            {"event": "bot", "metadata": {"utter_action": "utter_fallback_offer_person"}}
        )
    tracker = make_tracker("affirm", "yes please", history=history, sender_id=f"c-{previous}")
    await hand_off(domain, tracker)
    assert MemoryStore(database).handoffs.open_for(f"c-{previous}").reason == reason  # type: ignore[union-attr]


async def test_an_unhappy_customer_at_risk_is_escalated_as_at_risk(
    database: str, domain: dict[str, Any]
) -> None:
    store = MemoryStore(database)
    customer = store.customers.customer_for_sender("cleo")
    store.issues.open_issue(customer, "complaint", "late delivery")
    store.issues.open_issue(customer, "complaint", "wrong size")
    assert store.cards.card(customer).at_risk
    await hand_off(domain, make_tracker("request_human", sender_id="cleo"))
    assert MemoryStore(database).handoffs.open_for("cleo").reason == "at_risk"  # type: ignore[union-attr]


async def test_a_complaint_handed_over_makes_no_second_promise(
    database: str, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        "complain",
        "second time it broke",
        after=[action_event("action_handle_complaint")],
        sender_id="dora",
    )
    await hand_off(domain, tracker)
    assert MemoryStore(database).handoffs.open_for("dora").reason == "complaint"  # type: ignore[union-attr]
    card = MemoryStore(database).cards.card_for_sender("dora")
    assert card is None or not card.promises_due


async def test_with_the_queue_unreachable_the_customer_still_gets_the_contacts(
    database: str, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Settings(
        business_file=ROOT / "business.yml", database_url="sqlite:////nonexistent/x/m.db"
    )

    use_settings(monkeypatch, config)
    events, dispatcher = await hand_off(domain, make_tracker("request_human", sender_id="eve"))
    assert dispatcher.messages[0]["response"] == "utter_handoff"
    assert [event["event"] for event in events] == ["slot"]  # not paused: the bot stays there


async def test_handoffs_from_one_client_beyond_its_limit_are_not_queued(
    database: str, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Settings(
        business_file=ROOT / "business.yml", database_url=database, handoffs_per_address_per_hour=2
    )

    use_settings(monkeypatch, config)

    def asking(sender_id: str, client: str | None) -> Any:
        tracker = make_tracker("request_human", "can I talk to a human", sender_id=sender_id)
        if client is not None:
            tracker.latest_message["metadata"] = {"client": client}
        return tracker

    for sender_id in ("one", "two", "three"):
        events, dispatcher = await hand_off(domain, asking(sender_id, "client-a"))
    queue = MemoryStore(database).handoffs
    assert queue.open_for("one") is not None and queue.open_for("two") is not None
    assert queue.open_for("three") is None
    # Not queued, not paused, and told how to reach the team directly.
    assert [event["event"] for event in events] == ["slot"]
    assert dispatcher.messages[0]["response"] == "utter_handoff"
    # A chat already in the queue keeps its place; other clients and other channels are queued.
    events, _ = await hand_off(domain, asking("one", "client-a"))
    assert [event["event"] for event in events] == ["slot", "pause"]
    await hand_off(domain, asking("four", "client-b"))
    await hand_off(domain, asking("five", None))
    assert queue.open_for("four") is not None and queue.open_for("five") is not None


def promised(database: str, sender: str) -> list[str]:
    card = MemoryStore(database).cards.card_for_sender(sender)
    assert card is not None
    return [promise.text for promise in card.promises_due]


async def test_the_promise_records_what_was_asked_not_the_request_for_a_person(
    database: str, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "now", lambda shop: TUESDAY_NIGHT)
    history = [
        action_event("action_listen"),
        user_event("order_status", "my order A1234 still hasn't arrived"),
        action_event("action_order_status"),
    ]
    tracker = make_tracker(
        "request_human", "can I talk to a person please", history=history, sender_id="eve"
    )
    await hand_off(domain, tracker)
    [text] = promised(database, "eve")
    assert text.endswith("about: my order A1234 still hasn't arrived")
    assert "person please" not in text
    handoff = MemoryStore(database).handoffs.open_for("eve")
    assert handoff is not None and handoff.detail == "my order A1234 still hasn't arrived"


async def test_a_bare_request_for_a_person_promises_a_reply_about_nothing_in_particular(
    database: str, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "now", lambda shop: TUESDAY_NIGHT)
    tracker = make_tracker("request_human", "can I talk to a person please", sender_id="fay")
    await hand_off(domain, tracker)
    [text] = promised(database, "fay")
    assert "about" not in text and "person please" not in text


def test_what_was_asked_skips_requests_for_a_person_and_memory_requests() -> None:
    from actions.handoff import asked_about

    history = [
        user_event("order_status", "where is my order A1234"),
        user_event("forget_fact", "forget my bike"),
    ]
    tracker = make_tracker("request_human", "can I speak to someone", history=history)
    assert asked_about(tracker) == "where is my order A1234"
    # Taken for a request for a person, yet naming nobody: that message is the question.
    tracker = make_tracker("request_human", "can I get store credit instead", history=history)
    assert asked_about(tracker) == "can I get store credit instead"


def test_what_was_asked_is_the_request_not_the_answer_to_a_forms_question() -> None:
    from actions.handoff import asked_about

    history = [
        user_event("return_request", "I want a refund on the panniers, they leak"),
        {"event": "active_loop", "name": "return_form"},
        action_event("return_form"),
        user_event("order_status", "1234-5678"),  # answers "what's the order number?"
        user_event("inform", "BS1 5TR"),  # answers "and the postcode?"
        {"event": "active_loop", "name": None},
    ]
    tracker = make_tracker("request_human", "can I talk to someone", history=history)
    assert asked_about(tracker) == "I want a refund on the panniers, they leak"
    # A bare detail given without a form asking is an answer too.
    history = [
        user_event("product_recommendation", "a bike for my daughter"),
        user_event("inform", "shes 7"),
    ]
    tracker = make_tracker("request_human", "get me a human", history=history)
    assert asked_about(tracker) == "a bike for my daughter"
    # With only answers, the latest answer is still better than nothing.
    tracker = make_tracker(
        "request_human", "a person please", history=[user_event("inform", "shes 7")]
    )
    assert asked_about(tracker) == "shes 7"


async def test_with_nobody_online_in_working_hours_a_message_is_taken_and_promised(
    database: str, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("request_human", "my wheel wobbles", sender_id="eve")
    _, dispatcher = await hand_off(domain, tracker)
    [message] = dispatcher.messages
    assert message["response"] == "utter_handoff_take_message"
    assert "best way to reach you" in rendered(domain, message)
    card = MemoryStore(database).cards.card_for_sender("eve")
    assert card is not None
    # The promise reads in the business file's words, with what the customer asked.
    assert [promise.text for promise in card.promises_due] == [
        "A person from the team gets back to the customer about: my wheel wobbles"
    ]


async def test_second_in_line_hears_the_place_and_the_wait(
    database: str, domain: dict[str, Any]
) -> None:
    accounts = AgentAccounts(database)
    accounts.add("Alex", "a long enough password")
    accounts.heartbeat("Alex")
    MemoryStore(database).handoffs.enqueue("first", "customer_asked")
    _, dispatcher = await hand_off(domain, make_tracker("request_human", sender_id="fred"))
    [message] = dispatcher.messages
    assert message["response"] == "utter_handoff_queued" and message["position"] == 2
    assert "you're number 2 in line, so it should be about 12 minutes." in rendered(domain, message)


def small_talk(text: str, sender: str) -> Any:
    """A greeting with small talk, where the classifier only guessed at a person (the two
    intents' rules put the person first)."""
    ranking = [
        {"name": "request_human", "confidence": 0.18},
        {"name": "greet", "confidence": 0.71},
        {"name": "out_of_scope", "confidence": 0.06},
    ]
    return make_tracker("request_human", text, ranking=ranking, sender_id=sender)


async def test_out_of_hours_small_talk_is_greeted_not_taken_as_a_message(
    database: str, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "now", lambda shop: TUESDAY_NIGHT)
    tracker = small_talk("hi! lovely weather today isn't it", "cleo")
    tracker.latest_message["intent"] = {"name": "request_human", "confidence": 0.18}
    events, dispatcher = await hand_off(domain, tracker)
    assert dispatcher.messages == []
    assert events == [{"event": "followup", "name": "action_greet", "timestamp": None}]
    assert MemoryStore(database).handoffs.open_for("cleo") is None  # no message mode


async def test_a_person_asked_for_surely_is_handed_over_even_with_a_greeting(
    database: str, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "now", lambda shop: TUESDAY_NIGHT)
    ranking = [{"name": "request_human", "confidence": 0.82}, {"name": "greet", "confidence": 0.1}]
    tracker = make_tracker("request_human", "hi, can I speak to someone", ranking=ranking)
    tracker.latest_message["intent"] = {"name": "request_human", "confidence": 0.82}
    events, _ = await hand_off(domain, tracker)
    assert events[-1]["event"] == "pause"
