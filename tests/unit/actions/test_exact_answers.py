"""Answer the question asked: one day's hours, the returns policy, a product's price."""

from __future__ import annotations

import datetime as dt

import pytest
from action_testkit import entity, make_tracker, rendered, said, set_clock

from actions.shop import ActionBuyProduct, ActionTellHours, ActionTellReturnsPolicy


async def hours_for(dispatcher, domain, text: str) -> dict:
    await ActionTellHours().run(dispatcher, make_tracker("ask_hours", text), domain)
    assert len(dispatcher.messages) == 1
    return dispatcher.messages[0]


@pytest.mark.parametrize(
    ("text", "day_hours"),
    [
        # The sample shop's clock is Tuesday 24 November 2026, 10:00.
        ("are you open sunday?", "Sunday 29 November: 10:00–16:00"),
        ("what time do you shut on saturday", "Saturday 28 November: 08:30–17:00"),
        ("r u open thurs", "Thursday 26 November: 09:00–20:00"),
        ("open tmrw?", "Tomorrow: 09:00–18:00"),
        (
            "are you open on saturdy and sunday",
            ("Saturday 28 November: 08:30–17:00\nSunday 29 November: 10:00–16:00"),
        ),
    ],
)
async def test_one_days_hours_get_that_day_only(dispatcher, domain, text, day_hours) -> None:
    message = await hours_for(dispatcher, domain, text)
    assert said(dispatcher) == ["utter_hours_day"]
    assert message["day_hours"] == day_hours


async def test_a_closed_day_is_followed_by_the_next_day_we_open(dispatcher, domain) -> None:
    message = await hours_for(dispatcher, domain, "can I come in on monday")
    assert message["day_hours"] == ("Monday 30 November: closed\nTuesday 1 December: 09:00–18:00")


async def test_today_says_whether_we_are_open_now(dispatcher, domain) -> None:
    message = await hours_for(dispatcher, domain, "are you open today")
    assert said(dispatcher) == ["utter_hours_today_and_day_open_now"]
    assert message["day_hours"] == "Today: 09:00–18:00"
    assert "We're open right now, until 18:00 today." in rendered(domain, message)


async def test_a_holiday_asked_about_gets_its_special_hours(
    dispatcher, domain, monkeypatch
) -> None:
    set_clock(monkeypatch, dt.datetime(2026, 12, 21, 11, 0))  # a Monday
    message = await hours_for(dispatcher, domain, "what are your hours on thursday")
    assert message["day_hours"] == "Christmas Eve (Thursday 24 December): 09:00–13:00"


async def test_special_hours_today_come_with_any_day(dispatcher, domain, monkeypatch) -> None:
    set_clock(monkeypatch, dt.datetime(2026, 12, 24, 10, 0))  # Christmas Eve, 09:00-13:00
    message = await hours_for(dispatcher, domain, "open sunday?")
    assert said(dispatcher) == ["utter_hours_today_and_day_open_now"]
    assert message["day_hours"] == "Sunday 27 December: 10:00–16:00"
    assert "We're open right now, until 13:00 today." in rendered(domain, message)


async def test_no_day_named_gets_the_whole_week(dispatcher, domain) -> None:
    message = await hours_for(dispatcher, domain, "what are your opening hours")
    assert said(dispatcher) == ["utter_hours_open_now"]
    assert message["hours_lines"].count("\n") >= 6


async def test_the_returns_policy_comes_from_the_business_file(dispatcher, domain) -> None:
    tracker = make_tracker("ask_returns_policy", "what's your returns policy?")
    events = await ActionTellReturnsPolicy().run(dispatcher, tracker, domain)
    assert events == []  # no form, no slot: the return is only offered
    assert said(dispatcher) == ["utter_returns_policy"]
    message = dispatcher.messages[0]
    assert (message["returns_window_days"], message["refund_days"]) == (30, 5)
    assert message["refund_method"] == "the original payment method"
    offer = domain["responses"]["utter_returns_policy"][0]
    assert "/return_request" in [button["payload"] for button in offer["buttons"]]


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("how much is the trek fx 3", "utter_product_price"),
        ("hw much r the fx3", "utter_product_price"),
        ("what does the trek fx 3 cost", "utter_product_price"),
        ("I'd like a Trek FX 3", "utter_product_in_stock"),
    ],
)
async def test_a_price_question_gets_the_price_first(dispatcher, domain, text, response) -> None:
    tracker = make_tracker("buy_product", text, [entity("product", "Trek FX 3")])
    await ActionBuyProduct().run(dispatcher, tracker, domain)
    assert said(dispatcher) == [response]
    assert dispatcher.messages[0]["price"] == "£849"
