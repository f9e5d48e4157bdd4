"""Greeting by relationship: new, returning (one reference, the most important), at risk, loyal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from action_testkit import make_tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import greeting
from voice import business

ROOT = Path(__file__).resolve().parents[3]
KNOWN = {"known_customer": True, "customer_name": "Sam", "relationship_stage": "regular"}


@pytest.fixture(scope="module")
def shop() -> business.Business:
    return business.load(ROOT / "business.yml")


def text_of(domain: dict[str, Any], response: str, values: dict[str, Any]) -> str:
    return str(domain["responses"][response][0]["text"]).format(**values)


async def greet(
    slots: dict[str, Any], dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> str:
    events = await greeting.ActionGreet().run(
        dispatcher, make_tracker("greet", "hi", slots=slots), domain
    )
    assert events == []
    [message] = dispatcher.messages
    return text_of(
        domain, message["response"], {k: v for k, v in message.items() if k != "response"}
    )


async def test_a_new_customer_gets_a_welcome_and_what_the_bot_can_do(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    text = await greet({}, dispatcher, domain)
    assert dispatcher.messages[0]["response"] == "utter_greet_new"
    assert "welcome" in text.lower() and "repairs" in text
    assert "back" not in text.lower()
    assert domain["responses"]["utter_greet_new"][0]["buttons"]


async def test_a_new_customer_is_never_addressed_as_if_known(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    # A name on the slot (just said, or left from an earlier chat) without a memory of them.
    text = await greet({"customer_name": "Sam", "known_customer": False}, dispatcher, domain)
    assert "Lovely to meet you, Sam" in text and "back" not in text.lower()


async def test_a_returning_customer_is_greeted_by_name_with_the_open_issue_first(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    slots = {
        **KNOWN,
        "open_issue": "the brakes still squeal",
        "due_promise": "We'll call you Thursday",
        "aspiration": "gravel century in May",
        "known_bike": "Trek FX 3",
    }
    text = await greet(slots, dispatcher, domain)
    assert text.startswith("Welcome back, Sam")
    assert "the brakes still squeal" in text
    # At most one reference: the promise, the aspiration and the bike wait for another day.
    assert "Thursday" not in text and "century" not in text and "Trek" not in text


@pytest.mark.parametrize(
    ("extra", "response", "expected"),
    [
        ({"due_promise": "the part arrived"}, "utter_greet_returning_promise", "the part arrived"),
        (
            {"idea_update": "a women's ride", "idea_state": "planned", "aspiration": "x"},
            "utter_greet_returning_idea_planned",
            "a women's ride",
        ),
        (
            {"aspiration": "gravel century in May", "known_bike": "Trek FX 3"},
            "utter_greet_returning_aspiration",
            "gravel century in May",
        ),
        ({"known_bike": "Trek FX 3"}, "utter_greet_returning_bike", "Trek FX 3"),
        ({}, "utter_greet_returning", "Sam"),
    ],
)
def test_the_most_important_reference_wins(
    shop: business.Business,
    domain: dict[str, Any],
    extra: dict[str, Any],
    response: str,
    expected: str,
) -> None:
    chosen = greeting.choose_greeting({**KNOWN, **extra}, shop)
    assert chosen.response == response
    assert expected in text_of(domain, chosen.response, chosen.values)


async def test_an_at_risk_customer_hears_sorry_and_is_offered_a_person_first(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    slots = {**KNOWN, "at_risk": True, "open_issue": "the brakes still squeal"}
    text = await greet(slots, dispatcher, domain)
    assert "sorry" in text.lower() and "the brakes still squeal" in text
    buttons = domain["responses"]["utter_greet_at_risk_issue"][0]["buttons"]
    assert buttons[0]["payload"] == "/request_human"


async def test_a_loyal_customer_hears_thanks_and_their_perks(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], shop: business.Business
) -> None:
    text = await greet({**KNOWN, "relationship_stage": "loyal"}, dispatcher, domain)
    assert "thank you" in text.lower() and shop.loyalty.programme in text
    assert "free puncture repair" in text


async def test_a_declined_idea_is_told_with_the_shops_reason(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    slots = {
        **KNOWN,
        "idea_update": "Sunday opening",
        "idea_state": "declined",
        "idea_reason": "we run the repair clinic on Sundays",
    }
    text = await greet(slots, dispatcher, domain)
    assert "Sunday opening" in text and "because we run the repair clinic on Sundays" in text
    without = await greet({**slots, "idea_reason": None}, CollectingDispatcher(), domain)
    assert "because" not in without and "Sunday opening" in without


@pytest.mark.parametrize("said", ["hey it's me again", "hi again!"])
async def test_a_known_customer_greeting_mid_visit_is_greeted_by_name(
    monkeypatch: pytest.MonkeyPatch,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    said: str,
) -> None:
    """The session started before the memory knew them (they told their name in this visit):
    the greeting reads the memory again rather than welcoming them as new."""
    from personal_fakes import FakeMemory, card, use_memory

    use_memory(monkeypatch, FakeMemory(card(name="Tom", preferences=())))
    slots = {"known_customer": False, "relationship_stage": "new"}
    tracker = make_tracker("greet", said, slots=slots)
    events = await greeting.ActionGreet().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_greet_returning_aspiration"
    assert message["name"] == "Tom" and message["aspiration"] == "gravel century in May"
    assert {"event": "slot", "name": "known_customer", "value": True, "timestamp": None} in events


async def test_a_greeting_with_memory_down_still_welcomes(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    from personal_fakes import DownMemory, use_memory

    use_memory(monkeypatch, DownMemory())
    await greeting.ActionGreet().run(dispatcher, make_tracker("greet", "hi again!"), domain)
    assert [message["response"] for message in dispatcher.messages] == ["utter_greet_new"]


async def test_a_customer_introducing_themselves_is_met_not_welcomed_back(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    """The memory may already hold the name they give in this very message."""
    from action_testkit import entity
    from personal_fakes import FakeMemory, card, use_memory

    use_memory(monkeypatch, FakeMemory(card(name="Tom", preferences=())))
    slots = {"known_customer": False, "customer_name": "Tom"}
    tracker = make_tracker("greet", "hi, I'm Tom", entities=[entity("PERSON", "Tom")], slots=slots)
    await greeting.ActionGreet().run(dispatcher, tracker, domain)
    assert [message["response"] for message in dispatcher.messages] == ["utter_greet_new_named"]


@pytest.mark.parametrize("subject", [None, "a quote for a wheel build"])
def test_a_reply_promised_when_the_customer_left_a_message_is_told_to_them(
    shop: business.Business, domain: dict[str, Any], subject: str | None
) -> None:
    # The promise as the memory keeps it: the team's note, which agents read on the card.
    if subject:
        kept = shop.template("promise_reply_about").format(subject=subject)
    else:
        kept = shop.template("promise_reply")
    chosen = greeting.choose_greeting({**KNOWN, "due_promise": kept}, shop)
    text = text_of(domain, chosen.response, chosen.values)
    assert kept not in text  # never the team's note, read out to the customer
    told = shop.template("promise_told_reply_about" if subject else "promise_told_reply")
    assert told.format(subject=subject) in text
    if subject:
        assert subject in text


def test_any_other_promise_is_quoted_as_it_was_made(
    shop: business.Business, domain: dict[str, Any]
) -> None:
    chosen = greeting.choose_greeting({**KNOWN, "due_promise": "Alex follows up on the chat"}, shop)
    text = text_of(domain, chosen.response, chosen.values)
    assert shop.template("promise_told").format(promise="Alex follows up on the chat") in text
