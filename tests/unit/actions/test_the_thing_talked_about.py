"""The thing being talked about, as the actions keep it: a recommendation leaves the items it
listed (one of them the product talked about when it listed one), a follow-up after several
picks one ("the cheaper one") or is asked which, naming them, "Are you asking about our ...?"
makes its product the one talked about, and the customer's own bike said in passing is kept as
theirs and never answered as something to sell."""

from __future__ import annotations

from typing import Any

from action_testkit import make_tracker, rendered, said

from actions import base
from actions.details import ActionUseDetails
from actions.fallback import ActionFallbackLadder
from actions.shop import ActionBuyProduct, ActionRecommendProduct
from bot.settings import ROOT
from voice import business

SHOP = business.load(ROOT / "business.yml")
EBIKE = next(product for product in SHOP.products if product.bike_type == "e-bike")
HYBRID = next(product for product in SHOP.products if product.bike_type == "hybrid")
GRAVEL = next(product for product in SHOP.products if product.bike_type == "gravel")
UNSURE = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "ask_hours", "confidence": 0.2}]


def slots_set(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


async def test_a_recommendation_of_one_item_makes_it_the_product(dispatcher, domain) -> None:
    entities = [{"entity": "bike_type", "value": "e-bike"}]
    tracker = make_tracker("product_recommendation", "recommend an e-bike", entities)
    events = await ActionRecommendProduct().run(dispatcher, tracker, domain)
    assert slots_set(events)["product"] == EBIKE.name
    assert slots_set(events)["recommended"] == [EBIKE.name]


async def test_a_recommendation_of_several_lists_them_and_picks_none(dispatcher, domain) -> None:
    tracker = make_tracker(
        "product_recommendation", "a bike for commuting", slots={"product": "Brooks saddle"}
    )
    events = await ActionRecommendProduct().run(dispatcher, tracker, domain)
    listed = slots_set(events)["recommended"]
    assert HYBRID.name in listed and GRAVEL.name in listed
    assert slots_set(events)["product"] is None  # not the saddle talked about before


LISTED = {"recommended": [HYBRID.name, GRAVEL.name], "product": None}


async def test_a_follow_up_after_several_that_picks_none_asks_which(dispatcher, domain) -> None:
    tracker = make_tracker("buy_product", "is it in stock?", slots=LISTED)
    await ActionBuyProduct().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_ask_which_of_them"]
    text = rendered(domain, dispatcher.messages[0])
    assert HYBRID.name in text and GRAVEL.name in text
    titles = [button["title"] for button in dispatcher.messages[0]["buttons"]]
    assert titles == [HYBRID.name, GRAVEL.name]


async def test_the_cheaper_one_after_several_is_the_cheaper_of_them(dispatcher, domain) -> None:
    tracker = make_tracker("buy_product", "how much is the cheaper one", slots=LISTED)
    events = await ActionBuyProduct().run(dispatcher, tracker, domain)
    cheaper = min((HYBRID, GRAVEL), key=lambda product: product.price)
    assert slots_set(events)["product"] == cheaper.name
    assert SHOP.format_price(cheaper.price) in rendered(domain, dispatcher.messages[0])


async def test_the_first_one_the_nlu_missed_picks_the_first_listed(dispatcher, domain) -> None:
    tracker = make_tracker("nlu_fallback", "the first one", slots=LISTED, ranking=UNSURE)
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert slots_set(events) == {"product": HYBRID.name}
    assert events[-1]["name"] == "action_buy_product"


async def test_are_you_asking_about_our_product_makes_it_the_product(dispatcher, domain) -> None:
    tracker = make_tracker("nlu_fallback", "any electric bikes?", ranking=UNSURE)
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fallback_did_you_mean"]
    assert slots_set(events) == {"product": EBIKE.name}


def bikes_remembered(store: Any, sender: str) -> list[str]:
    card = store.cards.card_for_sender(sender)
    return [fact.value for fact in card.preferences if fact.kind == "bike"]


async def test_their_own_bike_the_nlu_read_as_a_product_is_never_sold(dispatcher, domain) -> None:
    text = "I ride a Diverge, what tyres do you have?"
    entities = [{"entity": "product", "value": "Diverge"}]
    tracker = make_tracker("buy_product", text, entities, slots={"product": "Diverge"})
    events = await ActionBuyProduct().run(dispatcher, tracker, domain)
    answer = "\n".join(rendered(domain, message) for message in dispatcher.messages)
    assert GRAVEL.name not in answer and "Diverge" not in answer
    assert "utter_recommendation" in said(dispatcher)  # the tyres
    assert slots_set(events)["product"] is None and slots_set(events)["known_bike"] == "Diverge"
    assert await base.with_memory(bikes_remembered, tracker.sender_id) == ["Diverge"]


async def test_their_own_bike_with_a_fault_is_noted_not_asked_about(dispatcher, domain) -> None:
    text = "its a trek fx3 that's making the noise"
    tracker = make_tracker("nlu_fallback", text, ranking=UNSURE)
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_own_bike_noted"]
    assert "product" not in slots_set(events)
    assert slots_set(events)["known_bike"] == HYBRID.name


async def test_the_first_one_read_as_a_detail_picks_the_first_listed(dispatcher, domain) -> None:
    tracker = make_tracker("inform", "the first one", slots=LISTED)
    events = await ActionUseDetails().run(dispatcher, tracker, domain)
    assert slots_set(events) == {"product": HYBRID.name}
    assert events[-1]["name"] == "action_buy_product"


async def test_their_own_bike_read_as_a_detail_is_noted_not_sold(dispatcher, domain) -> None:
    text = "I ride a Diverge, the brakes squeal"
    entities = [{"entity": "product", "value": GRAVEL.name}]
    tracker = make_tracker("inform", text, entities, slots={"product": GRAVEL.name})
    events = await ActionUseDetails().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_own_bike_noted"]
    assert slots_set(events)["product"] is None


async def test_a_follow_up_read_as_dont_know_is_about_the_product(dispatcher, domain) -> None:
    ranking = [{"name": "dont_know", "confidence": 0.6}]
    tracker = make_tracker(
        "dont_know", "is it in stock", slots={"product": EBIKE.name}, ranking=ranking
    )
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert events[-1]["name"] == "action_buy_product" and said(dispatcher) == []
