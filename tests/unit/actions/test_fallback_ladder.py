"""The fallback ladder with the real domain and the sample shop: a clear question is answered
whatever came before, and a message in another language is told the chat is in English."""

from __future__ import annotations

from typing import Any

import pytest
from action_testkit import action_event, make_tracker, rendered, said, user_event
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallbackLadder
from voice.other_language import looks_foreign

MISSES = [
    user_event("nlu_fallback", "Hola, ¿tienen bicicletas eléctricas?"),
    action_event("action_fallback_ladder"),
    action_event("action_listen"),
    user_event("nlu_fallback", "Bonjour, vous êtes ouverts dimanche ?"),
    action_event("action_fallback_ladder"),
]


async def ladder(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    text: str,
    history: list[dict[str, Any]] | None = None,
    intent: str = "nlu_fallback",
) -> None:
    tracker = make_tracker(intent, text, history=history or [])
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    # Answered here, never handed on; only the product asked about may be kept as the subject.
    assert [event for event in events if event.get("name") != "product"] == []


async def test_a_named_thing_after_two_misses_is_asked_about_not_handed_to_a_person(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    await ladder(dispatcher, domain, "sorry, english: do you have electric bikes?", MISSES)
    assert said(dispatcher) == ["utter_fallback_did_you_mean"]
    assert "Gazelle" in rendered(domain, dispatcher.messages[0])
    assert "/buy_product" in dispatcher.messages[0]["buttons"][0]["payload"]


async def test_three_plain_misses_still_offer_a_person(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [
        user_event("nlu_fallback", "flibber the wotsit"),
        action_event("action_fallback_ladder"),
        action_event("action_listen"),
        user_event("nlu_fallback", "grommets and whatnot"),
        action_event("action_fallback_ladder"),
    ]
    await ladder(dispatcher, domain, "the thingy with the doodah", history)
    assert said(dispatcher) == ["utter_fallback_offer_person"]


@pytest.mark.parametrize(
    "text",
    [
        "Hola, ¿tienen bicicletas eléctricas?",
        "Bonjour, vous êtes ouverts dimanche ?",
        "Hallo, haben Sie heute geöffnet?",
        "Buongiorno, avete delle biciclette per bambini?",
    ],
)
async def test_a_message_in_another_language_is_told_the_chat_is_in_english(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], text: str
) -> None:
    await ladder(dispatcher, domain, text)
    assert said(dispatcher) == ["utter_fallback_english_only"]
    words = rendered(domain, dispatcher.messages[0])
    assert "English" in words
    assert "0117 496 0321" in words and "hello@spokeandchain.example" in words


async def test_another_language_is_told_even_after_misses(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    await ladder(dispatcher, domain, "¿hablan español?", MISSES)
    assert said(dispatcher) == ["utter_fallback_english_only"]


@pytest.mark.parametrize(
    "text",
    [
        "flibber the wotsit",
        "I rode the Tour de France route in the rain",
        "a café latte and a cake please",
        "what do you think of the la vuelta",
        "tell me a joke",
    ],
)
def test_english_is_not_taken_for_another_language(text: str) -> None:
    assert not looks_foreign(text)


@pytest.mark.parametrize(
    "text",
    [
        "hi, the front light i bought here last week stopped charging",
        "really not happy, the pump I bought here has a cracked handle",
    ],
)
async def test_a_fault_with_something_bought_here_goes_to_the_complaint_not_the_item(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], text: str
) -> None:
    """The classifier unsure of "the lights I bought ... stopped charging": still a complaint,
    never "Are you asking about our lights?", nor "is it something that went wrong with us?"
    when it also sounds unhappy."""
    tracker = make_tracker("nlu_fallback", text)
    tracker.latest_message["feeling"] = {"negative": True}  # as the feeling check reads both
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert events == [{"event": "followup", "timestamp": None, "name": "action_handle_complaint"}]
    assert dispatcher.messages == []


def bot_said(response: str, buttons: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "event": "bot",
        "text": "...",
        "metadata": {"utter_action": response},
        "data": {"buttons": buttons or []},
    }


GUESSED = [
    {"title": "Opening hours", "payload": "/ask_hours"},
    {"title": "Book a repair", "payload": "/book_repair"},
]


async def test_a_typed_yes_to_the_rephrasing_asks_again_and_brings_no_person(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    from actions.handoff import ActionHandoff

    history = [
        user_event("nlu_fallback", "flibber the wotsit"),
        action_event("action_fallback_ladder"),
        bot_said("utter_fallback_rephrase", GUESSED),
    ]
    tracker = make_tracker("affirm", "yep", history=history)
    events = await ActionHandoff().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_try_again"]
    assert dispatcher.messages[0]["buttons"] == GUESSED  # the same choices again
    assert not [event for event in events if event.get("event") == "pause"]


def test_a_yes_to_the_ladders_offer_of_a_person_still_brings_one() -> None:
    from actions.fallback import yes_to_no_offer_of_a_person

    offered = [
        user_event("nlu_fallback", "the thingy with the doodah"),
        action_event("action_fallback_ladder"),
        bot_said("utter_fallback_offer_person"),
    ]
    assert not yes_to_no_offer_of_a_person(make_tracker("affirm", "yes", history=offered))
    rephrased = [*offered[:2], bot_said("utter_fallback_rephrase", GUESSED)]
    assert yes_to_no_offer_of_a_person(make_tracker("affirm", "yep", history=rephrased))
    asked = [user_event("request_human", "a person please"), action_event("action_handoff")]
    assert not yes_to_no_offer_of_a_person(make_tracker("affirm", "yes", history=asked))


async def test_a_repair_guessed_from_a_price_question_comes_with_its_price_and_time(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    from pathlib import Path

    from voice.business import load

    shop = load(Path(__file__).resolve().parents[3] / "business.yml")
    [wheel] = [repair for repair in shop.repairs if "wheel truing" in repair.synonyms]
    await ladder(dispatcher, domain, "wheel truing price")
    assert said(dispatcher) == ["utter_fallback_did_you_mean_repair"]
    words = rendered(domain, dispatcher.messages[0])
    assert wheel.name in words and shop.format_price(wheel.price) in words
    yes, no = dispatcher.messages[0]["buttons"]
    assert (yes["title"], yes["payload"]) == (shop.template("did_you_mean_book"), "/book_repair")
    assert no["payload"] == "/deny"


# A product the bot has just asked about ("Are you asking about our <gravel bike>?").
ASKED_ABOUT_GRAVEL = [
    user_event("nlu_fallback", "and the gravel kind"),
    action_event("action_fallback_ladder"),
    {
        "event": "bot",
        "text": "Are you asking about our Specialized Diverge?",
        "metadata": {"utter_action": "utter_fallback_did_you_mean"},
    },
]


@pytest.mark.parametrize(
    "text",
    [
        "is one of the gravel ones much heavier than a road one",
        "any money off if I get lights with it",
    ],
)
async def test_right_after_are_you_asking_about_the_bot_answers_never_asks_again(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], text: str
) -> None:
    """A question the bot cannot answer, about a thing the bot just asked about: it says it does
    not know and who can tell, never "Are you asking about our ...?" twice in a row."""
    tracker = make_tracker(
        "nlu_fallback", text, history=ASKED_ABOUT_GRAVEL, slots={"product": "Specialized Diverge"}
    )
    await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fallback_dont_know"]


async def test_another_thing_named_right_after_are_you_asking_about_is_asked_about(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        "nlu_fallback",
        "what about a d-lock",
        history=ASKED_ABOUT_GRAVEL,
        slots={"product": "Specialized Diverge"},
    )
    await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fallback_did_you_mean"]
    assert "lock" in dispatcher.messages[0]["item"].lower()


async def test_a_test_ride_of_the_kind_just_recommended_is_the_shops_yes_with_that_bike(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    from bot.settings import ROOT
    from voice import business

    shop = business.load(ROOT / "business.yml")
    listed = ["Trek FX 3", "Specialized Diverge"]
    text = "could i have a go on one of the gravel ones first"
    tracker = make_tracker("nlu_fallback", text, slots={"recommended": listed})
    await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert said(dispatcher)[0] == "utter_test_ride", said(dispatcher)
    assert "utter_fallback_did_you_mean" not in said(dispatcher)
    words = " ".join(rendered(domain, message) for message in dispatcher.messages)
    assert "Specialized Diverge" in words and shop.policies.test_rides in words


async def test_a_kind_named_for_the_first_time_is_still_asked_about(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    await ladder(dispatcher, domain, "whats the story with gravel")
    assert said(dispatcher) == ["utter_fallback_did_you_mean"]


@pytest.mark.parametrize("intent", ["nlu_fallback", "provide_details"])
async def test_a_test_ride_of_a_bike_just_recommended_is_decided_once_for_every_path(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], intent: str
) -> None:
    """Read as a miss or as details given, a test ride of one of the bikes just recommended
    gets the same answer: the one decision of a test ride after a product."""
    from actions.details import ActionUseDetails

    listed = ["Trek FX 3", "Specialized Diverge"]
    text = "could i have a go on one of the gravel ones first"
    tracker = make_tracker(intent, text, slots={"recommended": listed})
    action = ActionFallbackLadder() if intent == "nlu_fallback" else ActionUseDetails()
    await action.run(dispatcher, tracker, domain)
    assert said(dispatcher)[0] == "utter_test_ride", said(dispatcher)
    assert "Specialized Diverge" in " ".join(rendered(domain, m) for m in dispatcher.messages)
