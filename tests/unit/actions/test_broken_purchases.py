"""A fault with something bought from us is a complaint, not a stock question (the real domain
and the sample shop's business file)."""

from __future__ import annotations

from typing import Any

import pytest
from action_testkit import entity, make_tracker, said
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.details import ActionUseDetails
from actions.shop import ActionBuyProduct

COMPLAINT = FollowupAction("action_handle_complaint")


@pytest.mark.parametrize(
    ("action", "intent", "text"),
    [
        (
            ActionBuyProduct,
            "buy_product",
            "hi, the lezyne lights I bought on saturday stopped charging after 3 days",
        ),
        (
            ActionUseDetails,
            "inform",
            "hiya, my lezyne light set wont charge anymore, got it last saturday",
        ),
        (ActionBuyProduct, "buy_product", "the lezyne lights you sold me have broken already"),
    ],
)
async def test_a_fault_with_a_bought_product_goes_to_the_complaint_protocol(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], action: Any, intent: str, text: str
) -> None:
    tracker = make_tracker(intent, text, entities=[entity("product", "Lezyne lights")])
    events = await action().run(dispatcher, tracker, domain)
    assert events == [COMPLAINT]
    assert dispatcher.messages == []  # no "in stock ... reserve it?"


async def test_a_product_broken_by_the_customer_is_still_a_stock_question(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    text = "I've broken my lezyne lights, do you have another set?"
    tracker = make_tracker("buy_product", text, entities=[entity("product", "Lezyne lights")])
    events = await ActionBuyProduct().run(dispatcher, tracker, domain)
    assert COMPLAINT not in events
    assert said(dispatcher) and "Lezyne" in str(dispatcher.messages[0])
