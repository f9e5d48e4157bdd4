"""A short message read in the context of the previous turn, and never the same reply twice.

"budget about 800" after bikes, a size after a product, "how many days?" after a repair, a test
ride "tomorrow", a time of day to come in, a fault in the customer's own words: answered from
what was just talked about, not met with "say it another way". An answer that would be the
previous reply again, word for word, to a different question says instead that it is all the
bot knows, and who can tell. Thanks are thanks: never a yes to a person, never an idea.
"""

from __future__ import annotations

from typing import Any

import pytest
from action_testkit import action_event, make_tracker, rendered, said, user_event
from rasa_sdk.executor import CollectingDispatcher
from test_follow_ups import UNSURE, answered

from actions.base import ShopAction
from actions.connection import ActionNoteFeedback
from actions.details import ActionUseDetails
from actions.fallback import ActionFallbackLadder
from actions.handoff import ActionHandoff
from actions.shop import ActionRecommendProduct, ActionTellHours, ActionTellRepairService
from bot.settings import ROOT
from voice import business

SHOP = business.load(ROOT / "business.yml")


def followup(name: str) -> dict[str, Any]:
    return {"event": "followup", "timestamp": None, "name": name}


async def ladder(dispatcher: Any, domain: dict[str, Any], tracker: Any) -> list[dict[str, Any]]:
    return await ActionFallbackLadder().run(dispatcher, tracker, domain)


def cheapest_bike_of(kind: str) -> business.Product:
    return min((p for p in SHOP.products if p.bike_type == kind), key=lambda p: p.price)


@pytest.mark.parametrize("text", ["budget about 800", "my budget is around 600", "spend 900 max"])
async def test_a_budget_after_bikes_is_for_those_bikes(dispatcher, domain, text) -> None:
    tracker = make_tracker(
        "nlu_fallback",
        text,
        history=answered("action_recommend_product", "any road bikes?"),
        slots={"bike_type": "road"},
        ranking=UNSURE,
    )
    assert await ladder(dispatcher, domain, tracker) == [followup("action_recommend_product")]
    assert said(dispatcher) == []


async def test_the_recommendation_keeps_to_a_budget_written_without_its_currency(
    dispatcher, domain
) -> None:
    road = cheapest_bike_of("road")
    budget = int(road.price) - 100  # below every road bike: the nearest, said as a yes
    tracker = make_tracker(
        "product_recommendation", f"budget about {budget}", slots={"bike_type": "road"}
    )
    await ActionRecommendProduct().run(dispatcher, tracker, domain)
    assert said(dispatcher)[-1] == "utter_recommendation_over_budget"
    assert SHOP.format_price(budget) in rendered(domain, dispatcher.messages[-1])


@pytest.mark.parametrize("text", ["about 10 years old", "under 20 inch wheels", "my 5-year-old"])
async def test_a_number_that_is_no_sum_is_no_budget(dispatcher, domain, text) -> None:
    tracker = make_tracker("nlu_fallback", text, slots={"bike_type": "kids"}, ranking=UNSURE)
    events = await ladder(dispatcher, domain, tracker)
    assert followup("action_recommend_product") not in events


def product_answered(name: str) -> list[dict[str, Any]]:
    return answered("action_buy_product", f"do you have {name}s?")


@pytest.mark.parametrize("text", ["700x28 presta", "the 29 inch one", "26 x 2.1"])
async def test_a_size_right_after_a_product_is_about_that_product(dispatcher, domain, text) -> None:
    product = next(p for p in SHOP.products if not p.is_bike)
    tracker = make_tracker(
        "nlu_fallback",
        text,
        history=product_answered(product.name),
        slots={"product": product.name},
        ranking=UNSURE,
    )
    await ladder(dispatcher, domain, tracker)
    assert said(dispatcher) == ["utter_product_spec"]
    shown = rendered(domain, dispatcher.messages[0])
    assert product.name in shown and SHOP.locations[0].phone in shown


async def test_a_size_read_as_a_detail_is_about_the_product_too(dispatcher, domain) -> None:
    product = next(p for p in SHOP.products if not p.is_bike)
    tracker = make_tracker(
        "inform",
        "700x28 presta",
        history=product_answered(product.name),
        slots={"product": product.name},
    )
    await ActionUseDetails().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_product_spec"]  # not "not sure what that goes with"


async def test_a_size_after_something_else_is_not_about_a_product(dispatcher, domain) -> None:
    product = next(p for p in SHOP.products if not p.is_bike)
    tracker = make_tracker(
        "nlu_fallback",
        "700x28 presta",
        history=answered("action_tell_hours"),
        slots={"product": product.name},
        ranking=UNSURE,
    )
    await ladder(dispatcher, domain, tracker)
    assert "utter_product_spec" not in said(dispatcher)


def repair_talked_about() -> tuple[business.RepairService, list[dict[str, Any]]]:
    service = next(s for s in SHOP.repairs if s.lead_time_days > 1)
    return service, answered("action_tell_repair_service", f"how much is a {service.name}")


@pytest.mark.parametrize(
    "text", ["how many days?", "how long will it take", "when will it be ready"]
)
async def test_how_long_after_a_repair_is_that_repairs_time(dispatcher, domain, text) -> None:
    service, history = repair_talked_about()
    tracker = make_tracker("nlu_fallback", text, history=history, ranking=UNSURE)
    assert await ladder(dispatcher, domain, tracker) == [followup("action_tell_repair_service")]
    tracker = make_tracker("ask_repair_service", text, history=history)
    await ActionTellRepairService().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_time"]
    shown = rendered(domain, dispatcher.messages[0])
    assert service.name in shown and f"{service.lead_time_days} days" in shown


async def test_how_long_with_no_repair_talked_about_lists_them_all(dispatcher, domain) -> None:
    tracker = make_tracker("ask_repair_service", "how long do repairs take")
    await ActionTellRepairService().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_services"]


@pytest.mark.parametrize("intent", ["nlu_fallback", "ask_hours"])
async def test_trying_a_bike_tomorrow_is_a_test_ride(dispatcher, domain, intent) -> None:
    tracker = make_tracker(
        intent,
        "could I try it tomorrow",
        history=product_answered("Trek FX 3"),
        slots={"product": "Trek FX 3"},
        ranking=UNSURE if intent == "nlu_fallback" else None,
    )
    action = ActionFallbackLadder() if intent == "nlu_fallback" else ActionTellHours()
    assert await action.run(dispatcher, tracker, domain) == [followup("action_buy_product")]


@pytest.mark.parametrize("text", ["i can come after 4 o'clock is ok?", "is 5pm alright to pop in?"])
async def test_a_time_to_come_in_is_answered_with_the_hours(dispatcher, domain, text) -> None:
    tracker = make_tracker("nlu_fallback", text, ranking=UNSURE)
    assert await ladder(dispatcher, domain, tracker) == [followup("action_tell_hours")]


@pytest.mark.parametrize(
    "text",
    [
        "my chain keeps slipping when i push hard, it clunks and skips. whats causing that",
        "the back brake is squeaking",
    ],
)
async def test_a_fault_in_the_customers_words_needs_a_mechanic(dispatcher, domain, text) -> None:
    tracker = make_tracker("nlu_fallback", text, ranking=UNSURE)
    await ladder(dispatcher, domain, tracker)
    assert said(dispatcher) == ["utter_fault_needs_a_look"]  # what the workshop does, a booking


# --- never the same reply twice -------------------------------------------------------------


def as_sent(domain: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    """A message as the tracker holds it once Rasa sent it: its text, and the response and
    fill-ins in the metadata."""
    fill_ins = {k: v for k, v in message.items() if k not in ("response", "buttons", "text")}
    return {
        "event": "bot",
        "text": rendered(domain, message),
        "metadata": {"utter_action": message["response"], **fill_ins},
    }


async def answer_twice(
    domain: dict[str, Any], action: ShopAction, intent: str, first: str, then: str
) -> CollectingDispatcher:
    before = CollectingDispatcher()
    await action.run(before, make_tracker(intent, first), domain)
    assert said(before) == ["utter_repair_services"]  # every service: the block to repeat
    history = [
        action_event("action_listen"),
        user_event(intent, first),
        action_event(action.name()),
        *(as_sent(domain, message) for message in before.messages),
    ]
    after = CollectingDispatcher()
    await action.run(after, make_tracker(intent, then, history=history), domain)
    return after


async def test_the_same_answer_to_a_new_question_says_what_the_bot_does_not_know(domain) -> None:
    again = await answer_twice(
        domain,
        ActionTellRepairService(),
        "ask_repair_service",
        "do you fix bikes?",
        "whats included in that",
    )
    assert said(again) == ["utter_nothing_more_to_add"]
    assert SHOP.locations[0].phone in rendered(domain, again.messages[0])


@pytest.mark.parametrize("then", ["do you fix bikes?", "?"])
async def test_the_same_question_again_gets_the_same_answer(domain, then) -> None:
    again = await answer_twice(
        domain, ActionTellRepairService(), "ask_repair_service", "do you fix bikes?", then
    )
    assert said(again) == ["utter_repair_services"]


async def test_a_different_answer_is_never_held_back(domain) -> None:
    service = SHOP.repairs[0]
    again = await answer_twice(
        domain,
        ActionTellRepairService(),
        "ask_repair_service",
        "do you fix bikes?",
        f"how much is a {service.name}",
    )
    assert said(again) == ["utter_repair_service"]


# --- thanks are thanks ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ok thanks", "okay, thank you very much"])
async def test_thanks_after_the_offer_of_a_person_brings_nobody(dispatcher, domain, text) -> None:
    tracker = make_tracker("affirm", text, history=answered("action_fallback_ladder"))
    events = await ActionHandoff().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_youre_welcome"]
    assert not any(event.get("event") == "pause" for event in events)


async def test_thanks_and_a_plan_to_visit_is_not_an_idea(dispatcher, domain) -> None:
    text = "Thanks so much, that's been really helpful. We may come by on saturday with my son."
    events = await ActionNoteFeedback().run(dispatcher, make_tracker("give_feedback", text), domain)
    assert said(dispatcher) == ["utter_youre_welcome_see_you"]
    assert not any(event.get("name") == "ideas" for event in events)


async def test_thanks_with_an_idea_is_an_idea(dispatcher, domain) -> None:
    text = "thanks! you should do a ladies only ride"
    await ActionNoteFeedback().run(dispatcher, make_tracker("give_feedback", text), domain)
    assert said(dispatcher) == ["utter_noted_idea"]
