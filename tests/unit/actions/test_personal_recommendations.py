"""Recommendations that use what the customer told us (dreams, tastes, bikes) and say why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from action_testkit import entity, make_tracker, said
from personal_fakes import DownMemory, FakeMemory, card, fact, use_memory
from rasa_sdk.executor import CollectingDispatcher

from actions import recommend
from actions.shop import ActionRecommendProduct
from voice import business

BUSINESS_FILE = Path(__file__).resolve().parents[3] / "business.yml"


def text_of(domain: dict[str, Any], message: dict[str, Any]) -> str:
    values = {k: v for k, v in message.items() if k not in ("response", "template")}
    return str(domain["responses"][message["response"]][0]["text"]).format(**values)


async def recommend_to(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], interest: str | None
) -> list[dict[str, Any]]:
    entities = [entity("bike_type", interest)] if interest else []
    tracker = make_tracker("product_recommendation", "", entities, sender_id="sam")
    return await ActionRecommendProduct().run(dispatcher, tracker, domain)


async def test_a_dream_picks_the_product_and_says_why(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    use_memory(
        monkeypatch, FakeMemory(card(preferences=(), aspirations=("gravel century in May",)))
    )
    await recommend_to(dispatcher, domain, "gravel")
    assert said(dispatcher) == ["utter_recommendation_why_aspiration", "utter_recommendation"]
    why = text_of(domain, dispatcher.messages[0])
    assert why.startswith("For the gravel century in May you're aiming for, I'd look at the ")
    assert "Specialized Diverge" in why and "gravel" in why


async def test_without_a_kind_of_riding_the_dream_names_it(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    use_memory(monkeypatch, FakeMemory(card(preferences=(), aspirations=("my first century",))))
    events = await recommend_to(dispatcher, domain, None)
    assert said(dispatcher) == ["utter_recommendation_why_aspiration", "utter_recommendation"]
    assert next(event["value"] for event in events if event["name"] == "bike_type") == "century"
    assert "Cannondale Synapse" in text_of(domain, dispatcher.messages[0])


async def test_their_own_bike_is_not_sold_to_them_and_kit_for_it_is(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    use_memory(monkeypatch, FakeMemory(card(aspirations=())))  # Sam rides a Trek FX 3
    await recommend_to(dispatcher, domain, "commuting")
    assert said(dispatcher) == ["utter_recommendation_why_bike", "utter_recommendation"]
    assert "Trek FX 3" not in dispatcher.messages[1]["product_lines"]
    why = text_of(domain, dispatcher.messages[0])
    assert why.startswith("For your Trek FX 3, I'd suggest the ")
    assert "lock" in why.lower() or "light" in why.lower() or "pannier" in why.lower()


async def test_a_taste_is_a_reason(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tastes = (fact("riding_style", "bikepacking"),)
    use_memory(monkeypatch, FakeMemory(card(preferences=tastes, aspirations=())))
    await recommend_to(dispatcher, domain, "gravel")
    assert said(dispatcher)[0] == "utter_recommendation_why_preference"
    assert "You told us you like bikepacking" in text_of(domain, dispatcher.messages[0])


@pytest.mark.parametrize("memory", [FakeMemory(shown=None), DownMemory()])
async def test_someone_unknown_or_a_memory_down_gets_the_plain_recommendation(
    monkeypatch: pytest.MonkeyPatch,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    memory: Any,
) -> None:
    use_memory(monkeypatch, memory)
    await recommend_to(dispatcher, domain, "gravel")
    assert said(dispatcher) == ["utter_recommendation"]


def test_nothing_in_common_gives_no_reason() -> None:
    shop = business.load(BUSINESS_FILE)
    sam = card(preferences=(), aspirations=("learn to bake bread",))
    assert recommend.personal_reason(sam, shop.products_for("road"), shop) is None
    assert recommend.interest_from_card(sam, shop) is None
