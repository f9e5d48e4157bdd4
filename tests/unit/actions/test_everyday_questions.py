"""Everyday questions answered from the business file: a repair's price and time with an offer
to book (never the booking form), parts recommended as parts, a present within a budget no bike
fits, a question the bot cannot answer, and product sentences that read right for any name."""

from __future__ import annotations

import pytest
from action_testkit import entity, make_tracker, rendered, said

from actions.fallback import ActionFallbackLadder
from actions.shop import (
    TODAY_AND_DAY_RESPONSES,
    ActionBuyProduct,
    ActionRecommendProduct,
    ActionTellHours,
    ActionTellRepairService,
)
from bot.settings import ROOT
from voice import business
from voice.asked import is_question

SHOP = business.load(ROOT / "business.yml")
UNSURE = [
    {"name": "nlu_fallback", "confidence": 0.5},
    {"name": "order_status", "confidence": 0.3},
    {"name": "community_events", "confidence": 0.2},
]


def service(name: str) -> business.RepairService:
    return next(found for found in SHOP.repairs if found.name == name)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("what do you charge for an electric bike service", "e-bike service"),
        ("how long would truing my wheel take, and the cost?", "wheel true"),
        ("price of fixing a puncture?", "puncture repair"),
        ("do you lot do tune ups", "tune-up"),
    ],
)
async def test_a_question_about_a_service_gets_its_price_and_time_and_an_offer(
    dispatcher, domain, text, name
) -> None:
    events = await ActionTellRepairService().run(
        dispatcher, make_tracker("ask_repair_service", text), domain
    )
    assert events == []  # no form, no slot: only a yes books
    assert said(dispatcher) == ["utter_repair_service"]
    message = dispatcher.messages[0]
    found = service(name)
    assert message["service"] == found.name
    assert message["price"] == SHOP.format_price(found.price)
    words = rendered(domain, message)
    assert SHOP.format_price(found.price) in words and "book" in words
    offer = domain["responses"]["utter_repair_service"][0]["buttons"]
    assert [button["payload"] for button in offer] == ["/book_repair", "/deny"]


async def test_a_question_naming_no_service_lists_them_all(dispatcher, domain) -> None:
    tracker = make_tracker("ask_repair_service", "do u do bike fitting")
    await ActionTellRepairService().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_services"]
    lines = dispatcher.messages[0]["service_lines"].splitlines()
    assert len(lines) == len(SHOP.repairs)
    for line, found in zip(lines, SHOP.repairs, strict=True):
        assert found.name in line and SHOP.format_price(found.price) in line
    assert "a person from our team" in rendered(domain, dispatcher.messages[0])


@pytest.mark.parametrize(
    ("text", "category"),
    [("which tyres would you go for", "tyres"), ("lights for my ride home in the dark", "lights")],
)
async def test_parts_asked_for_are_recommended_not_bikes(
    dispatcher, domain, text, category
) -> None:
    await ActionRecommendProduct().run(
        dispatcher, make_tracker("product_recommendation", text), domain
    )
    assert said(dispatcher) == ["utter_recommendation"]
    lines = dispatcher.messages[0]["product_lines"]
    named = [product for product in SHOP.products if product.name in lines]
    assert named and all(product.category == category for product in named)


async def test_parts_within_a_budget_and_for_the_riding_named(dispatcher, domain) -> None:
    tracker = make_tracker(
        "product_recommendation",
        "tyres for my road bike under £55",
        [entity("bike_type", "road")],
    )
    await ActionRecommendProduct().run(dispatcher, tracker, domain)
    lines = dispatcher.messages[0]["product_lines"]
    prices = [p.price for p in SHOP.products if p.name in lines]
    assert prices and all(price <= 55 for price in prices)


async def test_a_present_within_a_budget_no_bike_fits_is_not_a_bike(dispatcher, domain) -> None:
    tracker = make_tracker(
        "product_recommendation",
        "a present for my sister, she rides road, about 100 quid",
        [entity("bike_type", "road")],
    )
    await ActionRecommendProduct().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_recommendation_within_budget"]
    lines = dispatcher.messages[0]["product_lines"]
    named = [product for product in SHOP.products if product.name in lines]
    assert named and not any(product.is_bike for product in named)
    assert all(product.price <= 100 for product in named)


async def test_a_bike_above_the_budget_is_still_the_nearest_one(dispatcher, domain) -> None:
    tracker = make_tracker(
        "product_recommendation", "gravel bike under £1500", [entity("bike_type", "gravel")]
    )
    await ActionRecommendProduct().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_recommendation_over_budget"]
    assert "Specialized Diverge" in dispatcher.messages[0]["product_lines"]


@pytest.mark.parametrize(
    "text", ["any student discount?", "do you do the cycle to work scheme", "what colours"]
)
async def test_a_question_the_bot_cannot_answer_gets_who_can(dispatcher, domain, text) -> None:
    tracker = make_tracker("nlu_fallback", text, ranking=UNSURE)
    await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fallback_dont_know"]
    words = rendered(domain, dispatcher.messages[0])
    assert SHOP.locations[0].phone in words and SHOP.locations[0].email in words
    offer = domain["responses"]["utter_fallback_dont_know"][0]["buttons"]
    assert offer[0]["payload"] == "/request_human"


def test_a_question_is_told_from_a_statement() -> None:
    assert is_question(SHOP, "u open sunday?") and is_question(SHOP, "whats the wifi password")
    assert not is_question(SHOP, "blorp") and not is_question(SHOP, "my saddle squeaks")
    assert not is_question(SHOP, "/ask_hours")


@pytest.mark.parametrize("name", [p.name for p in SHOP.products])
async def test_a_product_sentence_reads_right_for_a_plural_name(dispatcher, domain, name) -> None:
    """'The Ortlieb panniers is £129' read wrong: the sentences name a product without a verb
    that must agree with it."""
    tracker = make_tracker("buy_product", f"how much is the {name}", [entity("product", name)])
    await ActionBuyProduct().run(dispatcher, tracker, domain)
    words = " ".join(rendered(domain, message) for message in dispatcher.messages)
    assert f"{name} is " not in words and f"{name} are " not in words


async def test_a_bike_asked_for_is_not_mixed_with_parts(dispatcher, domain) -> None:
    tracker = make_tracker(
        "product_recommendation", "a road bike for a beginner", [entity("bike_type", "road")]
    )
    await ActionRecommendProduct().run(dispatcher, tracker, domain)
    lines = dispatcher.messages[0]["product_lines"]
    named = [product for product in SHOP.products if product.name in lines]
    assert named and all(product.is_bike for product in named)


async def test_closing_time_tonight_is_about_today_not_the_week(dispatcher, domain) -> None:
    tracker = make_tracker("ask_hours", "wen do u shut 2nite")
    await ActionTellHours().run(dispatcher, tracker, domain)
    assert said(dispatcher)[0] in TODAY_AND_DAY_RESPONSES.values()
    assert "hours_lines" not in dispatcher.messages[0]


@pytest.mark.parametrize("text", ["how much is that", "how much r they", "how much", "price?"])
async def test_a_bare_price_question_after_a_product_asks_that_products_price(
    dispatcher, domain, text
) -> None:
    """'how much is that' right after a product got "I don't know that one" or the workshop's
    price list: it asks the price of the product just talked about."""
    lock = next(p for p in SHOP.products if "lock" in p.name.lower())
    unsure = make_tracker("nlu_fallback", text, slots={"product": lock.name}, ranking=UNSURE)
    events = await ActionFallbackLadder().run(dispatcher, unsure, domain)
    assert events == [{"event": "followup", "timestamp": None, "name": "action_buy_product"}]
    misread = make_tracker("ask_repair_service", text, slots={"product": lock.name})
    events = await ActionTellRepairService().run(dispatcher, misread, domain)
    assert events == [{"event": "followup", "timestamp": None, "name": "action_buy_product"}]
    assert said(dispatcher) == []
    answered = make_tracker("nlu_fallback", text, slots={"product": lock.name})
    await ActionBuyProduct().run(dispatcher, answered, domain)
    assert SHOP.format_price(lock.price) in rendered(domain, dispatcher.messages[-1])


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("ask_repair_service", "what are your repair prices"),
        ("ask_repair_service", "how much is it to fix a puncture"),
        ("nlu_fallback", "how much is a student membership?"),
    ],
)
async def test_a_price_question_that_names_something_is_not_about_the_product_before(
    dispatcher, domain, intent, text
) -> None:
    lock = next(p for p in SHOP.products if "lock" in p.name.lower())
    tracker = make_tracker(intent, text, slots={"product": lock.name}, ranking=UNSURE)
    action = ActionTellRepairService() if intent == "ask_repair_service" else ActionFallbackLadder()
    events = await action.run(dispatcher, tracker, domain)
    assert {"event": "followup", "timestamp": None, "name": "action_buy_product"} not in events
    assert said(dispatcher)


@pytest.mark.parametrize(
    "text",
    ["only got about 120 quid, what bikes do you do", "have you a bicycle for £90 or so"],
)
async def test_bikes_asked_for_below_every_bikes_price_are_the_nearest_bikes_said_plainly(
    dispatcher, domain, text
) -> None:
    """A budget no bike fits, for a bike: the cheapest bikes, said to be over that budget,
    never tubes and lube."""
    await ActionRecommendProduct().run(
        dispatcher, make_tracker("product_recommendation", text), domain
    )
    assert said(dispatcher) == ["utter_recommendation_over_budget"]
    lines = dispatcher.messages[0]["product_lines"]
    named = [product for product in SHOP.products if product.name in lines]
    cheapest = min((product for product in SHOP.products if product.is_bike), key=lambda p: p.price)
    assert named and all(product.is_bike for product in named)
    assert cheapest in named
    assert "nothing within" in rendered(domain, dispatcher.messages[0])


async def test_a_budget_written_as_a_bare_number_is_kept_to(dispatcher, domain) -> None:
    """ "around 1200" is a budget: no bike above it is offered without saying so."""
    tracker = make_tracker(
        "product_recommendation", "a road bike, around 1200 if poss", [entity("bike_type", "road")]
    )
    await ActionRecommendProduct().run(dispatcher, tracker, domain)
    message = dispatcher.messages[-1]
    shown = [p for p in SHOP.products if p.name in message["product_lines"]]
    if any(p.price > 1200 for p in shown):
        assert said(dispatcher)[-1] == "utter_recommendation_over_budget"
    else:
        assert said(dispatcher)[-1] == "utter_recommendation_within_budget"
    assert SHOP.format_price(1200) in rendered(domain, message)


@pytest.mark.parametrize("text", ["how much is it", "whats the price"])
async def test_a_bare_price_question_with_nothing_talked_about_asks_which_not_the_price_list(
    dispatcher, domain, text
) -> None:
    await ActionTellRepairService().run(
        dispatcher, make_tracker("ask_repair_service", text), domain
    )
    assert said(dispatcher) == ["utter_ask_which_price"]


async def test_another_thing_asked_for_while_a_product_is_talked_about_is_a_buying_question(
    dispatcher, domain
) -> None:
    helmet = next(p for p in SHOP.products if "helmet" in p.name.lower())
    tracker = make_tracker(
        "ask_repair_service",
        "a medium please. and do you do winter gloves as well",
        slots={"product": helmet.name},
    )
    events = await ActionTellRepairService().run(dispatcher, tracker, domain)
    assert events == [{"event": "followup", "timestamp": None, "name": "action_buy_product"}]
    assert said(dispatcher) == []


async def test_a_repair_asked_about_while_a_product_is_talked_about_is_still_the_workshop(
    dispatcher, domain
) -> None:
    helmet = next(p for p in SHOP.products if "helmet" in p.name.lower())
    tracker = make_tracker(
        "ask_repair_service", "and do you do repairs too", slots={"product": helmet.name}
    )
    events = await ActionTellRepairService().run(dispatcher, tracker, domain)
    assert events == [] and said(dispatcher) == ["utter_repair_services"]


async def test_a_follow_up_to_a_question_the_bot_did_not_know_is_not_a_recommendation(
    dispatcher, domain
) -> None:
    """'I don't know that one' about a scheme, then "and can I get it on an e-bike": still about
    the scheme, which the bot does not know; never an e-bike recommended."""
    from action_testkit import action_event, user_event

    history = [
        user_event("nlu_fallback", "do you take the bike to work voucher thing"),
        action_event("action_fallback_ladder"),
        {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_fallback_dont_know"}},
    ]
    tracker = make_tracker(
        "product_recommendation",
        "and could i get it on an electric bike or just ordinary ones",
        [entity("bike_type", "e-bike")],
        history=history,
    )
    await ActionRecommendProduct().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fallback_dont_know_follow_up"]
    words = rendered(domain, dispatcher.messages[0])
    assert SHOP.locations[0].phone in words


async def test_a_recommendation_asked_after_i_dont_know_is_still_a_recommendation(
    dispatcher, domain
) -> None:
    from action_testkit import action_event, user_event

    history = [
        user_event("nlu_fallback", "any student discount"),
        action_event("action_fallback_ladder"),
        {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_fallback_dont_know"}},
    ]
    tracker = make_tracker(
        "product_recommendation",
        "ok, what e-bike would you suggest",
        [entity("bike_type", "e-bike")],
        history=history,
    )
    await ActionRecommendProduct().run(dispatcher, tracker, domain)
    assert said(dispatcher)[0].startswith("utter_recommendation")


@pytest.mark.parametrize("intent", ["ask_repair_service", "nlu_fallback"])
async def test_how_much_right_after_a_product_was_named_is_that_products_price(
    dispatcher, domain, intent
) -> None:
    """A product named in passing (no slot kept it), then "how much is it": that product."""
    from action_testkit import action_event, user_event

    bike = next(p for p in SHOP.products if p.is_bike)
    history = [
        user_event("share_preference", f"love the look of the {bike.name} in your window"),
        action_event("action_note_preference"),
    ]
    tracker = make_tracker(intent, "how much is it", history=history, ranking=UNSURE)
    action = ActionTellRepairService() if intent == "ask_repair_service" else ActionFallbackLadder()
    events = await action.run(dispatcher, tracker, domain)
    assert events == [
        {"event": "slot", "timestamp": None, "name": "product", "value": bike.name},
        {"event": "followup", "timestamp": None, "name": "action_buy_product"},
    ]
