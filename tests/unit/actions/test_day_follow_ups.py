"""A day asked about right after an hours answer ("and sunday?", "what about boxing day") gets
that day's hours, with the real domain and the sample shop."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from action_testkit import TUESDAY_MORNING, action_event, entity, make_tracker, said, user_event
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.details import ActionUseDetails
from actions.fallback import ActionFallbackLadder
from voice import business
from voice.asked import days_asked

ROOT = Path(__file__).resolve().parents[3]
HOURS = FollowupAction("action_tell_hours")
AFTER_HOURS = [user_event("ask_hours", "yo wot time u open sat"), action_event("action_tell_hours")]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("what about boxing day", dt.date(2026, 12, 26)),
        ("are you open christmas eve?", dt.date(2026, 12, 24)),
        ("and sunday?", dt.date(2026, 11, 29)),
        ("ok what about tmrw", dt.date(2026, 11, 25)),
    ],
)
def test_a_holiday_or_a_day_is_the_day_asked(text: str, day: dt.date) -> None:
    shop = business.load(ROOT / "business.yml")
    assert days_asked(shop, text, TUESDAY_MORNING.date()) == [day]


@pytest.mark.parametrize(
    ("intent", "text", "entities"),
    [
        ("inform", "and sunday?", [entity("DATE", "sunday")]),
        ("inform", "what about boxing day", []),
    ],
)
async def test_a_day_after_the_hours_is_answered_with_that_days_hours(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    intent: str,
    text: str,
    entities: list[dict[str, Any]],
) -> None:
    tracker = make_tracker(intent, text, entities=entities, history=AFTER_HOURS)
    assert await ActionUseDetails().run(dispatcher, tracker, domain) == [HOURS]
    assert dispatcher.messages == []  # no "not sure yet what that goes with"


async def test_a_day_missed_by_the_classifier_after_the_hours_gets_the_hours(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("out_of_scope", "ok what about tmrw", history=AFTER_HOURS)
    assert await ActionFallbackLadder().run(dispatcher, tracker, domain) == [HOURS]
    assert dispatcher.messages == []


async def test_a_day_out_of_the_blue_is_still_asked_about(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("inform", "and sunday?", entities=[entity("DATE", "sunday")])
    await ActionUseDetails().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_details_unclear"]
