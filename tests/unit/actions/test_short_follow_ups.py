"""Short follow-ups the NLU does not place: an order number typed alone right after the bot asked
for one is looked up, never met with "say it another way"."""

from __future__ import annotations

from typing import Any

import pytest
from action_testkit import make_tracker, said
from test_follow_ups import UNSURE, answered

from actions.fallback import ActionFallbackLadder, reference_alone


@pytest.mark.parametrize("text", ["48213", "#A1234", "its A1234", "order 51234 pls"])
@pytest.mark.parametrize("action", ["action_order_status", "action_repair_status"])
async def test_a_reference_alone_after_the_question_is_looked_up(
    dispatcher: Any, domain: dict[str, Any], text: str, action: str
) -> None:
    tracker = make_tracker(
        "nlu_fallback", text, history=answered(action, "where's my order"), ranking=UNSURE
    )
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert events == [{"event": "followup", "timestamp": None, "name": action}]
    assert said(dispatcher) == []


async def test_a_reference_alone_after_anything_else_is_not_looked_up(
    dispatcher: Any, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        "nlu_fallback", "48213", history=answered("action_tell_hours"), ranking=UNSURE
    )
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert not any(event.get("event") == "followup" for event in events)


@pytest.mark.parametrize("text", ["hello", "A1234 and the other one", "12", "no idea"])
def test_more_than_a_reference_is_not_a_reference_alone(text: str) -> None:
    assert not reference_alone(text)
