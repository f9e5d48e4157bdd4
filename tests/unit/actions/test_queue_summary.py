"""The agents' queue line names what the customer asked: the item of a say-yes decision, or
the customer's own words for a plain offer, never the bot's sentence."""

from __future__ import annotations

from pathlib import Path

from action_testkit import action_event, entity, make_tracker, user_event

from actions.requests import request_summary
from actions.shop import ActionBuyProduct
from voice.business import load as load_business

SHOP = load_business(Path(__file__).resolve().parents[3] / "business.yml")


def _yes_after(asked: str, bot_messages: list[dict]) -> object:
    history = [
        action_event("action_listen"),
        user_event("buy_product", asked),
        action_event("action_buy_product"),
        *({"event": "bot", **message} for message in bot_messages),
    ]
    return make_tracker("affirm", "yes please", history=history)


async def test_a_decision_on_an_item_names_the_item_first(dispatcher, domain) -> None:
    asked = "can I get a Giant Talon 2"
    tracker = make_tracker("buy_product", asked, [entity("product", "Giant Talon 2")])
    await ActionBuyProduct().run(dispatcher, tracker, domain)
    answer = dispatcher.messages[-1]
    assert answer["say_yes"]["item"] == "Giant Talon 2"
    # The bot's message as the tracker holds it (buttons under data, the decision as metadata).
    said = {
        "text": answer["text"],
        "data": {"buttons": answer["buttons"]},
        "metadata": {"say_yes": answer["say_yes"]},
    }
    summary = request_summary(_yes_after(asked, [said]), SHOP, asked)
    assert summary is not None
    assert summary.startswith("Giant Talon 2: out of stock, yes with condition"), summary


async def test_a_plain_offer_shows_the_customer_s_words(dispatcher, domain) -> None:
    asked = "my lights I bought on saturday stopped charging"
    offer = {
        "text": "Yes! They are in stock. Would you like a person to reserve them?",
        "data": {"buttons": [{"title": "Yes, reserve one", "payload": "/affirm"}]},
        "metadata": {},
    }
    assert request_summary(_yes_after(asked, [offer]), SHOP, asked) == asked
    # Without the customer's words, the offer is still named.
    assert "in stock" in (request_summary(_yes_after(asked, [offer]), SHOP) or "")
