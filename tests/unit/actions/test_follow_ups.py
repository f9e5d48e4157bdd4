"""A follow-up that names nothing keeps the subject: right after a product, "is it in stock",
"got one in a large?", "can you hold one for me" or "can I order it" ask about that product,
whichever intent the NLU read them as, and a wish to reserve it right after the bot offered to
reserve it accepts the offer."""

from __future__ import annotations

from typing import Any

import pytest
from action_testkit import action_event, make_tracker, rendered, response_buttons, said

from actions.complaints import ActionChooseRemedy
from actions.fallback import ActionFallbackLadder
from actions.orders import ActionOrderStatus
from actions.shop import ActionBuyProduct, ActionCommunityEvents, ActionTellRepairService
from bot.settings import ROOT
from voice import business

SHOP = business.load(ROOT / "business.yml")
UNSURE = [
    {"name": "nlu_fallback", "confidence": 0.5},
    {"name": "order_status", "confidence": 0.3},
    {"name": "community_events", "confidence": 0.2},
]
FOLLOW_UP = {"event": "followup", "timestamp": None, "name": "action_buy_product"}
ACCEPT = {"event": "followup", "timestamp": None, "name": "action_accept_offer"}
STOCK_QUESTIONS = ["is that in stock?", "do u have one in a small", "any left?", "r they available"]
RESERVE_QUESTIONS = ["could you hold one for me", "can i order one", "i'll take it", "reserve it"]


def in_stock() -> business.Product:
    return next(product for product in SHOP.products if product.stock > 1)


@pytest.mark.parametrize("text", [*STOCK_QUESTIONS, *RESERVE_QUESTIONS])
async def test_a_follow_up_the_nlu_missed_asks_about_the_product_before(
    dispatcher, domain, text
) -> None:
    product = in_stock()
    tracker = make_tracker("nlu_fallback", text, slots={"product": product.name}, ranking=UNSURE)
    assert await ActionFallbackLadder().run(dispatcher, tracker, domain) == [FOLLOW_UP]
    assert said(dispatcher) == []


@pytest.mark.parametrize(
    ("intent", "action"),
    [("ask_repair_service", ActionTellRepairService), ("order_status", ActionOrderStatus)],
)
@pytest.mark.parametrize("text", ["can i order one", "is that in stock?"])
async def test_a_follow_up_misread_as_another_question_asks_about_the_product_before(
    dispatcher, domain, intent, action, text
) -> None:
    product = in_stock()
    tracker = make_tracker(intent, text, slots={"product": product.name})
    assert await action().run(dispatcher, tracker, domain) == [FOLLOW_UP]
    assert said(dispatcher) == []


@pytest.mark.parametrize("text", STOCK_QUESTIONS)
async def test_the_answer_is_about_the_product_before(dispatcher, domain, text) -> None:
    product = in_stock()
    tracker = make_tracker("buy_product", text, slots={"product": product.name})
    await ActionBuyProduct().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_product_in_stock"]
    assert product.name in rendered(domain, dispatcher.messages[0])


def offered_to_reserve(domain: dict[str, Any], product: business.Product) -> list[dict[str, Any]]:
    buttons = response_buttons(domain, "utter_product_in_stock")
    return [
        action_event("action_buy_product"),
        {"event": "bot", "text": f"Yes! We have the {product.name}", "data": {"buttons": buttons}},
    ]


@pytest.mark.parametrize("text", RESERVE_QUESTIONS)
async def test_a_wish_to_reserve_after_the_offer_to_reserve_accepts_it(
    dispatcher, domain, text
) -> None:
    product = in_stock()
    history = offered_to_reserve(domain, product)
    tracker = make_tracker("buy_product", text, slots={"product": product.name}, history=history)
    assert await ActionBuyProduct().run(dispatcher, tracker, domain) == [ACCEPT]
    # Without the offer just before, the product is answered, with the offer to reserve it.
    tracker = make_tracker("buy_product", text, slots={"product": product.name})
    await ActionBuyProduct().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_product_in_stock"]


@pytest.mark.parametrize(
    "text", ["is the pump in stock", "where is my order", "can i order a bell", "ok thanks"]
)
async def test_a_message_that_names_something_else_is_not_about_the_product_before(
    dispatcher, domain, text
) -> None:
    product = in_stock()
    tracker = make_tracker("order_status", text, slots={"product": product.name})
    events = await ActionOrderStatus().run(dispatcher, tracker, domain)
    assert FOLLOW_UP not in events


async def test_without_a_product_before_a_follow_up_is_not_sent_to_the_product(
    dispatcher, domain
) -> None:
    tracker = make_tracker("nlu_fallback", "is that in stock?", ranking=UNSURE)
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert FOLLOW_UP not in events


def answered(action: str, text: str = "what have you got on") -> list[dict[str, Any]]:
    """A turn the bot answered with `action`."""
    return [
        action_event("action_listen"),
        {"event": "user", "text": text, "parse_data": {"intent": {"name": "x"}, "text": text}},
        action_event(action),
        {"event": "bot", "text": "..."},
    ]


@pytest.mark.parametrize("text", ["?", "and that?", "that one?", "  ??"])
@pytest.mark.parametrize(
    "action", ["action_tell_hours", "action_buy_product", "action_community_events"]
)
async def test_a_lone_question_after_an_answer_gets_its_subject_again(
    dispatcher, domain, text, action
) -> None:
    tracker = make_tracker(
        "nlu_fallback", text, slots={"product": in_stock().name}, history=answered(action)
    )
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert events == [{"event": "followup", "timestamp": None, "name": action}]
    assert said(dispatcher) == []


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("ok", "action_tell_hours"),  # no question: not a follow-up
        ("?", "action_handle_complaint"),  # never done twice: a complaint is recorded
        ("?", "action_submit_repair"),
        ("and the blorp?", "action_tell_hours"),  # names something the bot doesn't know
    ],
)
async def test_a_lone_question_never_repeats_what_does_more_than_answer(
    dispatcher, domain, text, action
) -> None:
    tracker = make_tracker("nlu_fallback", text, history=answered(action), ranking=UNSURE)
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert {"event": "followup", "timestamp": None, "name": action} not in events


@pytest.mark.parametrize(
    "text", ["ok for a beginner?", "is it hard", "how far is it?", "how long r they"]
)
async def test_a_question_about_the_rides_just_listed_is_answered_from_them(
    dispatcher, domain, text
) -> None:
    tracker = make_tracker(
        "nlu_fallback", text, history=answered("action_community_events"), ranking=UNSURE
    )
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert events == [{"event": "followup", "timestamp": None, "name": "action_community_events"}]
    await ActionCommunityEvents().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_events_asked"]
    words = rendered(domain, dispatcher.messages[0])
    for event in SHOP.events:
        assert event.name in words and event.level in words
        assert f"{event.distance_km:g} km" in words


async def test_a_ride_question_without_rides_just_listed_is_not_answered_as_one(
    dispatcher, domain
) -> None:
    tracker = make_tracker(
        "nlu_fallback", "is it hard", history=answered("action_tell_hours"), ranking=UNSURE
    )
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert {"event": "followup", "timestamp": None, "name": "action_community_events"} not in events
    assert "utter_events_asked" not in said(dispatcher)


def saddle() -> business.Product:
    return next(product for product in SHOP.products if "saddle" in product.name.lower())


@pytest.mark.parametrize(
    "text",
    ["how much is the brooks saddle", "brooks saddle in stock?", "can i reserve a brooks saddle"],
)
async def test_a_clear_product_question_the_nlu_missed_is_answered_not_asked_back(
    dispatcher, domain, text
) -> None:
    tracker = make_tracker("nlu_fallback", text, ranking=UNSURE)
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert events == [
        {"event": "slot", "timestamp": None, "name": "product", "value": saddle().name},
        FOLLOW_UP,
    ]
    assert said(dispatcher) == []
    answered = make_tracker("nlu_fallback", text, slots={"product": saddle().name})
    await ActionBuyProduct().run(dispatcher, answered, domain)
    words = rendered(domain, dispatcher.messages[-1])
    assert saddle().name in words and SHOP.format_price(saddle().price) in words


@pytest.mark.parametrize(
    "text",
    ["hmm is the brooks seat comfy", "how much is the brooks sadle", "is the abus lock in stock"],
)
async def test_an_unclear_product_question_is_still_asked_back(dispatcher, domain, text) -> None:
    tracker = make_tracker("nlu_fallback", text, ranking=UNSURE)
    await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fallback_did_you_mean"]


def complained(buttons: list[dict[str, str]]) -> list[dict[str, Any]]:
    """A complaint answered with its remedies as buttons."""
    return [
        action_event("action_listen"),
        {"event": "user", "text": "my brakes squeal since the service you did"},
        action_event("action_handle_complaint"),
        {"event": "bot", "text": "I'm so sorry...", "data": {}},
        {"event": "bot", "text": "Here's what I can do...", "data": {"buttons": buttons}},
    ]


async def test_a_bare_yes_to_a_complaints_remedies_asks_which_one_with_them(
    dispatcher, domain
) -> None:
    remedies = [
        {"title": "Return or exchange it", "payload": "/return_request"},
        {"title": "Book a free check", "payload": "/book_repair"},
    ]
    tracker = make_tracker("affirm", "yes please", history=complained(remedies))
    assert await ActionChooseRemedy().run(dispatcher, tracker, domain) == []
    [message] = dispatcher.messages
    assert message["text"] == SHOP.template("complaint_detail_choose")
    assert message["buttons"] == remedies


async def test_a_yes_after_a_complaint_without_remedies_asks_how_to_help(
    dispatcher, domain
) -> None:
    tracker = make_tracker("affirm", "yes", history=complained([]))
    await ActionChooseRemedy().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_how_can_i_help"]
