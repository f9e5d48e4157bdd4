"""The catalogue in the actions: buying what the customer called it, budgets and purposes in
recommendations, and the fallback's first look (the shipped shop and a small in-test shop)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from action_testkit import action_event, entity, make_tracker, said, user_event

from actions.fallback import ActionFallbackLadder
from actions.shop import ActionBuyProduct, ActionRecommendProduct
from bot.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "voice"))
from small_shop import SMALL_SHOP

RANKING = [
    {"name": "nlu_fallback", "confidence": 0.7},
    {"name": "ask_hours", "confidence": 0.2},
    {"name": "book_repair", "confidence": 0.1},
]


@pytest.fixture
def small(sample_shop: Settings, tmp_path: Path) -> None:
    """The actions read the small in-test shop instead of the shipped one."""
    path = tmp_path / "small" / "business.yml"
    path.parent.mkdir()
    path.write_text(SMALL_SHOP, encoding="utf-8")
    object.__setattr__(sample_shop, "business_file", path)


async def fallback(dispatcher, domain, text: str, history=()) -> list[dict]:
    tracker = make_tracker("nlu_fallback", text, history=history, ranking=RANKING)
    await ActionFallbackLadder().run(dispatcher, tracker, domain)
    return dispatcher.messages


async def test_before_giving_up_the_bot_asks_about_the_product_named(dispatcher, domain) -> None:
    [message] = await fallback(dispatcher, domain, "hmm is the brooks seat comfy")
    assert message["response"] == "utter_fallback_did_you_mean"
    assert message["item"] == "Brooks saddle"
    assert message["buttons"] == [
        {"title": "Yes, that's it", "payload": '/buy_product{"product": "Brooks saddle"}'},
        {"title": "No, something else", "payload": "/deny"},
    ]


async def test_a_model_the_shop_does_not_have_is_not_guessed(dispatcher, domain) -> None:
    await fallback(dispatcher, domain, "got a Trek Marlin?")
    assert said(dispatcher) == ["utter_fallback_dont_know"]  # a question: a person can tell
    await fallback(dispatcher, domain, "a Trek Marlin then")
    assert said(dispatcher)[-1] == "utter_fallback_rephrase"


async def test_the_look_is_on_any_miss_not_only_the_first(dispatcher, domain) -> None:
    """A message that names something of the shop's is asked about whatever came before."""
    history = [action_event("action_listen"), user_event("nlu_fallback", "blorp")]
    await fallback(dispatcher, domain, "brooks seat", history)
    assert said(dispatcher) == ["utter_fallback_did_you_mean"]
    history = [action_event("action_listen"), user_event("nlu_fallback", "flibber")]
    await fallback(dispatcher, domain, "blorp again", history)
    assert said(dispatcher)[-1] == "utter_fallback_menu"


@pytest.mark.usefixtures("small")
@pytest.mark.parametrize(
    ("text", "item", "payload"),
    [
        ("the sunday ride?", "Sunday Hills Loop", "/community_events"),
        ("u open sat", "opening hours", "/ask_hours"),
        ("my slipping gears again", "gear service", "/book_repair"),
        ("stormy pump", "Stormy track pump", '/buy_product{"product": "Stormy track pump"}'),
    ],
)
async def test_the_first_look_covers_the_shops_facts_and_services(
    dispatcher, domain, text: str, item: str, payload: str
) -> None:
    [message] = await fallback(dispatcher, domain, text)
    assert message["item"] == item
    assert message["buttons"][0]["payload"] == payload


def slots_of(events: list[dict]) -> dict:
    """The slots the events set, and nothing else the events do."""
    assert all(event["event"] == "slot" for event in events)
    return {event["name"]: event["value"] for event in events}


async def recommend(dispatcher, domain, text: str, bike_type: str | None = None) -> list[dict]:
    entities = [entity("bike_type", bike_type)] if bike_type else []
    tracker = make_tracker("product_recommendation", text, entities)
    return await ActionRecommendProduct().run(dispatcher, tracker, domain)


async def test_a_budget_filters_the_recommendation(dispatcher, domain) -> None:
    events = await recommend(dispatcher, domain, "what can I get under £500?")
    [message] = dispatcher.messages
    assert message["response"] == "utter_recommendation_within_budget"
    assert message["budget"] == "£500"
    assert "Frog 55" in message["product_lines"] and "Trek" not in message["product_lines"]
    # What was listed is kept for the follow-up ("is that in stock?"), and nothing else.
    assert slots_of(events) == {"recommended": ["Frog 55"], "product": "Frog 55"}


async def test_nothing_within_the_budget_offers_the_nearest_as_a_yes(dispatcher, domain) -> None:
    events = await recommend(dispatcher, domain, "a road bike for a couple of hundred", "road")
    [message] = dispatcher.messages
    assert message["response"] == "utter_recommendation_over_budget"
    assert "Cannondale Synapse" in message["product_lines"]
    assert events[0]["value"] == "road"


async def test_a_purpose_in_words_is_understood(dispatcher, domain) -> None:
    events = await recommend(dispatcher, domain, "something for my 5-year-old")
    [message] = dispatcher.messages
    assert message["response"] == "utter_recommendation"
    assert message["interest"] == "a kids' bike" and "Frog 55" in message["product_lines"]
    assert events[0]["value"] == "kids"


@pytest.mark.usefixtures("small")
async def test_cheap_and_the_best_order_the_in_test_shops_bikes(dispatcher, domain) -> None:
    await recommend(dispatcher, domain, "the best you've got for racing")
    assert dispatcher.messages[0]["product_lines"].startswith("- Acme Roadster 9")
    dispatcher.messages.clear()
    await recommend(dispatcher, domain, "something cheap to commute")
    assert dispatcher.messages[0]["interest"] == "commuting"
    assert "Commuto 3" in dispatcher.messages[0]["product_lines"]


async def buy(dispatcher, domain, named: str) -> list[dict]:
    tracker = make_tracker("buy_product", f"do you have {named}", [entity("product", named)])
    return await ActionBuyProduct().run(dispatcher, tracker, domain)


async def test_buying_by_another_name_finds_the_item(dispatcher, domain) -> None:
    events = await buy(dispatcher, domain, "U-lock")
    assert dispatcher.messages[0]["response"] == "utter_product_in_stock"
    assert events[0]["value"] == "Kryptonite lock"


async def test_a_kind_with_several_items_lists_them(dispatcher, domain) -> None:
    assert slots_of(await buy(dispatcher, domain, "tyres")) == {
        "recommended": ["Continental GP5000", "Schwalbe G-One"],
        "product": None,  # several listed: none of them is the one talked about yet
    }
    [message] = dispatcher.messages
    assert message["response"] == "utter_recommendation"
    assert "GP5000" in message["product_lines"] and "G-One" in message["product_lines"]


async def test_what_the_shop_does_not_stock_climbs_the_special_order_ladder(
    dispatcher, domain
) -> None:
    assert await buy(dispatcher, domain, "Trek Marlin") == []
    [answer] = dispatcher.messages
    assert answer["say_yes"]["kind"] == "special_order"
    assert "Trek Marlin" in answer["text"] and "Trek FX 3" not in answer["text"]


async def ask(dispatcher, domain, text: str) -> list[dict]:
    """A buying question in which the NLU found no product."""
    return await ActionBuyProduct().run(dispatcher, make_tracker("buy_product", text), domain)


async def test_a_product_described_without_an_entity_is_found_in_the_words(
    dispatcher, domain
) -> None:
    events = await ask(dispatcher, domain, "I'd like a fender for my bike, the spray soaks me")
    assert dispatcher.messages[0]["response"] == "utter_product_in_stock"
    assert events[0]["value"] == "SKS Bluemels mudguards"


async def test_a_kind_asked_for_without_an_entity_lists_the_kind(dispatcher, domain) -> None:
    events = await ask(dispatcher, domain, "do you have 700c tyres in stock?")
    assert slots_of(events)["product"] is None
    [message] = dispatcher.messages
    assert message["response"] == "utter_recommendation"
    assert "GP5000" in message["product_lines"] and "G-One" in message["product_lines"]


async def test_a_thing_not_stocked_without_an_entity_gets_the_special_order(
    dispatcher, domain
) -> None:
    assert await ask(dispatcher, domain, "do you sell bmx bikes") == []
    [answer] = dispatcher.messages
    assert answer["say_yes"]["kind"] == "special_order"
    assert "bmx bikes" in answer["text"]


async def test_a_buying_question_naming_nothing_asks_which(dispatcher, domain) -> None:
    assert await ask(dispatcher, domain, "can I buy it here?") == []
    assert said(dispatcher) == ["utter_ask_which_product"]


async def test_a_new_thing_asked_for_is_answered_not_the_product_talked_about_before(
    dispatcher, domain
) -> None:
    tracker = make_tracker(
        "buy_product", "cool. do you sell cargo bikes too?", slots={"product": "Lezyne lights"}
    )
    assert await ActionBuyProduct().run(dispatcher, tracker, domain) == []
    [answer] = dispatcher.messages
    assert answer["say_yes"]["kind"] == "special_order"
    assert "cargo bikes" in answer["text"] and "Lezyne" not in answer["text"]


async def test_a_question_naming_nothing_is_about_the_product_talked_about(
    dispatcher, domain
) -> None:
    tracker = make_tracker("buy_product", "is it in stock?", slots={"product": "Giro helmet"})
    events = await ActionBuyProduct().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["product"] == "Giro helmet"
    assert events[0]["value"] == "Giro helmet"


async def events(dispatcher, domain, text: str) -> dict:
    from actions.shop import ActionCommunityEvents

    tracker = make_tracker("community_events", text)
    assert await ActionCommunityEvents().run(dispatcher, tracker, domain) == []
    [message] = dispatcher.messages
    return message


async def test_a_ride_asked_about_by_its_kind_and_day_is_the_answer(dispatcher, domain) -> None:
    message = await events(dispatcher, domain, "how far is the fast one on thursdays")
    assert message["response"] == "utter_events_asked"
    assert "Chaingang" in message["lines"] and "45 km" in message["lines"]
    assert "Coffee Ride" not in message["lines"]


async def test_a_clinic_asked_about_is_the_answer(dispatcher, domain) -> None:
    message = await events(dispatcher, domain, "is there a puncture clinic?")
    assert message["response"] == "utter_events_asked"
    assert message["lines"].count("•") == 1 and "Wednesday" in message["lines"]


async def test_a_ride_named_by_its_tag(dispatcher, domain) -> None:
    message = await events(dispatcher, domain, "wots the social ride like, is it slow?")
    assert "Coffee Ride" in message["lines"] and "Chaingang" not in message["lines"]


async def test_a_question_about_rides_in_general_gets_them_all(dispatcher, domain) -> None:
    message = await events(dispatcher, domain, "what rides have you got on?")
    assert message["response"] == "utter_events"
    assert "Coffee Ride" in message["event_lines"] and "Chaingang" in message["event_lines"]
