"""Two requests in one message: the answer to the first, then the second one answered (a repair's
price) or offered as a button, from the sample shop's catalogue (actions/two_things.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from action_testkit import entity, make_tracker, rendered, said
from rasa_sdk.executor import CollectingDispatcher

from actions.shop import ActionBuyProduct
from actions.two_things import later_parts, second_thing
from bot.typed_buttons import PlainYes, pressed
from voice.business import load

SHOP = load(Path(__file__).resolve().parents[3] / "business.yml")
YES = PlainYes.of(SHOP)


@pytest.mark.parametrize(
    ("text", "later"),
    [
        (
            "do u sell helmets and also how much is a puncture repair",
            " how much is a puncture repair",
        ),
        ("have you got lights? what about a lock", " what about a lock"),
        ("do you sell helmets", ""),
        ("/buy_product", ""),
    ],
)
def test_the_second_request_starts_after_a_joining_word(text: str, later: str) -> None:
    assert later_parts(text)[1] == later


def test_only_a_different_thing_in_the_later_part_is_a_second_request() -> None:
    helmet = "do u sell helmets and also how much is a puncture repair"
    [giro] = [product.name for product in SHOP.products if "helmet" in product.name.lower()]
    found = second_thing(SHOP, helmet, {giro})
    assert found is not None and found.item.kind == "repair"
    assert (
        second_thing(SHOP, "do you sell the giro helmet? and is the giro helmet in stock", {giro})
        is None
    )
    assert second_thing(SHOP, "do you sell helmets", {giro}) is None


async def test_a_product_question_with_a_repair_price_gets_both_answers(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    text = "do u sell helmets and also how much is a puncture repair"
    tracker = make_tracker("buy_product", text, [entity("product", "helmets")])
    await ActionBuyProduct().run(dispatcher, tracker, domain)
    [puncture] = [repair for repair in SHOP.repairs if repair.name == "puncture repair"]
    answers = [rendered(domain, message) for message in dispatcher.messages]
    assert len(answers) == 2, answers
    assert "helmet" in answers[0].lower()
    assert puncture.name in answers[1] and SHOP.format_price(puncture.price) in answers[1]


async def test_a_second_product_is_offered_as_a_button_a_typed_yes_takes(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    text = "do you have the giro helmet and a lock"
    tracker = make_tracker("buy_product", text, [entity("product", "giro helmet")])
    await ActionBuyProduct().run(dispatcher, tracker, domain)
    assert said(dispatcher)[-1] == "utter_also_asked"
    buttons = dispatcher.messages[-1]["buttons"]
    [lock] = [product.name for product in SHOP.products if "lock" in product.name.lower()]
    assert buttons[0]["title"] == lock and buttons[0]["payload"].startswith("/buy_product")
    assert pressed(buttons, "yes please", YES) == buttons[0]["payload"]


async def test_one_request_gets_one_answer(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("buy_product", "do you sell helmets?", [entity("product", "helmets")])
    await ActionBuyProduct().run(dispatcher, tracker, domain)
    assert "utter_also_asked" not in said(dispatcher) and len(dispatcher.messages) == 1


async def test_a_recommendation_with_a_repair_after_it_answers_both_with_a_next_step(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    """Lights recommended, and the gears asked about in the same message: the tune-up's price
    and time with an offer to book it, never dropped."""
    from actions.shop import ActionRecommendProduct

    text = "which lights would you go for, and could someone sort my gears out too"
    await ActionRecommendProduct().run(
        dispatcher, make_tracker("product_recommendation", text), domain
    )
    [tune_up] = [repair for repair in SHOP.repairs if repair.name == "tune-up"]
    assert said(dispatcher) == ["utter_recommendation", "utter_also_asked_repair"]
    answer = rendered(domain, dispatcher.messages[-1])
    assert tune_up.name in answer and SHOP.format_price(tune_up.price) in answer
    assert [button["payload"] for button in dispatcher.messages[-1]["buttons"]] == [
        "/book_repair",
        "/deny",
    ]
