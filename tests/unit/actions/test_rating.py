"""The widget's stars: a rating is kept with the customer's relationship, and a low one is met
with an apology and the offer of a person (never a bare thank-you)."""

from __future__ import annotations

import pytest
from action_testkit import entity, make_tracker, said

from actions import base
from actions.connection import ActionRateConversation

WIDGET_TEXT = "I rate this conversation {n} out of 5"


def rated(n: int, text: str | None = None, metadata: bool = True):
    tracker = make_tracker("rate_conversation", text or WIDGET_TEXT.format(n=n))
    if metadata:
        tracker.latest_message["metadata"] = {"rating": n}
    return tracker


async def ratings_of(sender_id: str) -> tuple[int, ...]:
    store = await base.store()
    card = store.cards.card_for_sender(sender_id)
    return () if card is None else card.recent_ratings


async def test_a_good_rating_is_kept_and_thanked(dispatcher, domain) -> None:
    tracker = rated(5)
    await ActionRateConversation().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_rating_thanks"]
    assert dispatcher.messages[0]["stars"] == "5 stars"
    assert await ratings_of(tracker.sender_id) == (5,)


async def test_a_low_rating_is_kept_and_a_person_offered(dispatcher, domain) -> None:
    tracker = rated(1)
    await ActionRateConversation().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_rating_low"]
    assert dispatcher.messages[0]["stars"] == "1 star"
    assert await ratings_of(tracker.sender_id) == (1,)
    buttons = domain["responses"]["utter_rating_low"][0]["buttons"]
    assert buttons[0]["payload"] == "/request_human"


@pytest.mark.parametrize(
    ("text", "score"),
    [("I'd give you 4 stars", 4), ("two stars", 2), ("3/5", 3), ("solid 4 out of five", 4)],
)
async def test_a_typed_rating_is_understood(dispatcher, domain, text, score) -> None:
    tracker = rated(score, text, metadata=False)
    await ActionRateConversation().run(dispatcher, tracker, domain)
    assert await ratings_of(tracker.sender_id) == (score,)


async def test_a_rating_button_carries_its_score(dispatcher, domain) -> None:
    tracker = make_tracker(
        "rate_conversation", '/rate_conversation{"rating": 4}', [entity("rating", "4")]
    )
    await ActionRateConversation().run(dispatcher, tracker, domain)
    assert await ratings_of(tracker.sender_id) == (4,)


async def test_a_rating_without_a_score_asks_for_one(dispatcher, domain) -> None:
    tracker = make_tracker("rate_conversation", "let me rate this chat")
    await ActionRateConversation().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_ask_rating"]
    assert await ratings_of(tracker.sender_id) == ()
