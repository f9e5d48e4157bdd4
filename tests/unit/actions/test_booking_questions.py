"""A booking question that is not about a repair: "do I need to book?" right after the rides is
answered about the rides; one that names a repair or the bike still books the repair."""

from __future__ import annotations

from typing import Any

import pytest
from action_testkit import make_tracker, said
from test_follow_ups import answered

from actions.shop import ActionCommunityEvents


@pytest.mark.parametrize("text", ["do I need to book", "do i have to book a place?"])
async def test_a_booking_question_after_the_rides_is_about_the_rides(
    dispatcher: Any, domain: dict[str, Any], text: str
) -> None:
    tracker = make_tracker(
        "book_repair", text, history=answered("action_community_events", "any group rides?")
    )
    events = await ActionCommunityEvents().run(dispatcher, tracker, domain)
    assert events == []
    assert said(dispatcher) == ["utter_events_booking"]


@pytest.mark.parametrize("text", ["can I book my bike in", "can i book a tune up for friday"])
async def test_a_repair_named_after_the_rides_books_the_repair(
    dispatcher: Any, domain: dict[str, Any], text: str
) -> None:
    tracker = make_tracker(
        "book_repair", text, history=answered("action_community_events", "any group rides?")
    )
    events = await ActionCommunityEvents().run(dispatcher, tracker, domain)
    assert events == [{"event": "followup", "timestamp": None, "name": "repair_form"}]
    assert said(dispatcher) == []
