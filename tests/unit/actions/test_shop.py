"""Shop facts actions: hours, location, buying, recommendations, rides, loyalty."""

from __future__ import annotations

import datetime as dt

import pytest
from action_testkit import entity, make_tracker, rendered, said, set_clock, use_settings

from actions.shop import (
    ActionBuyProduct,
    ActionCommunityEvents,
    ActionLoyaltyBalance,
    ActionRecommendProduct,
    ActionRedeemReward,
    ActionTellHours,
    ActionTellLocation,
)
from bot import metrics


async def test_hours_list_the_week_and_say_we_are_open_now(dispatcher, domain) -> None:
    events = await ActionTellHours().run(dispatcher, make_tracker("ask_hours"), domain)
    assert events == []
    assert said(dispatcher) == ["utter_hours_open_now"]
    message = dispatcher.messages[0]
    assert "Monday: closed" in message["hours_lines"]
    assert "Tuesday: 09:00–18:00" in message["hours_lines"]
    assert "Christmas Day (Friday 25 December): closed" in message["hours_lines"]
    assert "\nWe're open right now, until 18:00 today. Would" in rendered(domain, message)


async def test_hours_on_a_holiday_say_when_we_open_again(dispatcher, domain, monkeypatch) -> None:
    set_clock(monkeypatch, dt.datetime(2026, 12, 25, 12, 0))
    await ActionTellHours().run(dispatcher, make_tracker("ask_hours"), domain)
    assert said(dispatcher) == ["utter_hours_closed_for_holiday"]
    assert (
        "We're closed today for Christmas Day, and we open again Sunday 27 December at 10:00."
        in rendered(domain, dispatcher.messages[0])
    )


@pytest.mark.parametrize(
    ("moment", "state", "words"),
    [
        (dt.datetime(2026, 11, 24, 8, 0), "opens_later", "Today we open at 09:00."),
        (
            dt.datetime(2026, 11, 24, 19, 0),
            "closed_for_the_day",
            "We've closed for today, and we open again tomorrow at 09:00.",
        ),
        (
            dt.datetime(2026, 11, 23, 12, 0),
            "closed_today",
            "We're closed today, and we open again tomorrow at 09:00.",
        ),
    ],
)
async def test_hours_say_when_we_open_at_any_moment(
    dispatcher, domain, monkeypatch, moment, state, words
) -> None:
    set_clock(monkeypatch, moment)
    await ActionTellHours().run(dispatcher, make_tracker("ask_hours"), domain)
    assert said(dispatcher) == [f"utter_hours_{state}"]
    assert words in rendered(domain, dispatcher.messages[0])


async def test_location_comes_from_the_business_file(dispatcher, domain) -> None:
    await ActionTellLocation().run(dispatcher, make_tracker("ask_location"), domain)
    assert said(dispatcher) == ["utter_location"]
    assert dispatcher.messages[0]["address"] == "14 Mill Lane, Riverside, Bristol BS3 4AB"
    assert dispatcher.messages[0]["phone"] == "0117 496 0321"


async def test_buying_a_product_in_stock_says_yes(dispatcher, domain) -> None:
    tracker = make_tracker("buy_product", "I'd like a Trek FX 3", [entity("product", "trek fx 3")])
    events = await ActionBuyProduct().run(dispatcher, tracker, domain)
    assert events == [{"event": "slot", "timestamp": None, "name": "product", "value": "Trek FX 3"}]
    assert said(dispatcher) == ["utter_product_in_stock"]
    assert dispatcher.messages[0]["price"] == "£849"
    assert "in stock (3 in the shop) at £849" in rendered(domain, dispatcher.messages[0])


async def test_buying_without_a_product_asks_which(dispatcher, domain) -> None:
    await ActionBuyProduct().run(dispatcher, make_tracker("buy_product", "I want to buy"), domain)
    assert said(dispatcher) == ["utter_ask_which_product"]


@pytest.mark.parametrize(
    ("interest", "expected_response", "expected_text"),
    [
        ("gravel", "utter_recommendation", "Specialized Diverge"),
        ("commuter", "utter_recommendation", "Trek FX 3"),
        ("bmx", "utter_recommendation_none", None),
    ],
)
async def test_recommendations_fit_the_riding(
    dispatcher, domain, interest, expected_response, expected_text
) -> None:
    tracker = make_tracker("product_recommendation", "", [entity("bike_type", interest)])
    events = await ActionRecommendProduct().run(dispatcher, tracker, domain)
    assert said(dispatcher) == [expected_response]
    assert events[0]["name"] == "bike_type" and events[0]["value"] == interest
    if expected_text:
        assert expected_text in dispatcher.messages[0]["product_lines"]


async def test_a_recommendation_without_a_kind_of_riding_asks_for_one(dispatcher, domain) -> None:
    events = await ActionRecommendProduct().run(
        dispatcher, make_tracker("product_recommendation"), domain
    )
    assert events == []
    assert said(dispatcher) == ["utter_ask_riding_type"]


async def test_events_list_the_next_rides_and_the_clinics(dispatcher, domain) -> None:
    await ActionCommunityEvents().run(dispatcher, make_tracker("community_events"), domain)
    message = dispatcher.messages[0]
    lines = message["event_lines"].splitlines()
    assert lines[0].startswith("• Thursday Evening Chaingang: Thursday 26 November at 18:30")
    assert "Saturday Coffee Ride" in lines[1]
    assert said(dispatcher) == ["utter_events"]
    assert "Free repair clinics: Fix a puncture, every Wednesday at 18:30" in rendered(
        domain, message
    )


async def test_a_ride_that_set_off_earlier_today_is_not_the_next_one(
    dispatcher, domain, monkeypatch
) -> None:
    set_clock(monkeypatch, dt.datetime(2026, 11, 26, 21, 45))  # the Thursday ride left at 18:30
    await ActionCommunityEvents().run(dispatcher, make_tracker("community_events"), domain)
    lines = dispatcher.messages[0]["event_lines"].splitlines()
    assert "Saturday Coffee Ride" in lines[0]
    assert not any("Chaingang: today" in line for line in lines)
    chaingang = [line for line in lines if "Chaingang" in line]
    assert chaingang and "Thursday 3 December at 18:30" in chaingang[0]


async def test_a_ride_asked_by_name_after_it_set_off_is_next_weeks(
    dispatcher, domain, monkeypatch
) -> None:
    set_clock(monkeypatch, dt.datetime(2026, 11, 26, 22, 5))
    tracker = make_tracker("community_events", "whats the chaingang like")
    await ActionCommunityEvents().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_events_asked"]
    assert "Thursday 3 December at 18:30" in dispatcher.messages[0]["lines"]


async def test_loyalty_balance_of_a_signed_in_customer(dispatcher, domain) -> None:
    tracker = make_tracker("loyalty_balance", slots={"customer_id": "c-1001"})
    await ActionLoyaltyBalance().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_loyalty_balance_enough"]
    assert dispatcher.messages[0]["points"] == 320
    assert "That's enough for a £10 off any accessory already!" in rendered(
        domain, dispatcher.messages[0]
    )


async def test_loyalty_balance_of_an_anonymous_customer_explains_points(dispatcher, domain) -> None:
    await ActionLoyaltyBalance().run(dispatcher, make_tracker("loyalty_balance"), domain)
    assert said(dispatcher) == ["utter_loyalty_how_it_works"]
    assert dispatcher.messages[0]["points_rule"] == "1 point for every £1"


@pytest.mark.parametrize("text", ["how would i go about joining the points card", "sign me up pls"])
async def test_asked_how_to_join_the_card_says_what_joining_brings(
    dispatcher, domain, text
) -> None:
    await ActionLoyaltyBalance().run(dispatcher, make_tracker("loyalty_balance", text), domain)
    assert said(dispatcher) == ["utter_loyalty_join"]
    text = rendered(domain, dispatcher.messages[0])
    assert "Spoke Points" in text and "50 points just for joining" in text
    assert "1 point for every £1" in text and "sign in" not in text


async def test_a_balance_question_is_not_taken_for_joining(dispatcher, domain) -> None:
    tracker = make_tracker("loyalty_balance", "how many points have i got")
    await ActionLoyaltyBalance().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_loyalty_how_it_works"]


async def test_rewards_say_which_the_customer_can_choose(dispatcher, domain) -> None:
    tracker = make_tracker("redeem_reward", slots={"customer_id": "c-1002"})
    await ActionRedeemReward().run(dispatcher, tracker, domain)
    message = dispatcher.messages[0]
    assert "• free tune-up for 500 points" in message["reward_lines"]
    assert said(dispatcher) == ["utter_rewards_choose"]
    assert "points you can choose" in rendered(domain, message)
    assert "20% off a new bike" in message["choices"]


async def test_a_broken_business_file_still_gets_the_customer_an_answer(
    dispatcher, domain, sample_shop, tmp_path, monkeypatch
) -> None:
    from bot.settings import Settings

    bad = tmp_path / "broken.yml"
    bad.write_text("shop: [", encoding="utf-8")

    use_settings(monkeypatch, Settings(business_file=bad))
    failed = {"action": ActionTellHours().name()}
    before = metrics.ACTIONS.get_sample_value("rapport_action_errors_total", failed) or 0.0
    events = await ActionTellHours().run(dispatcher, make_tracker("ask_hours"), domain)
    assert events == []
    assert said(dispatcher) == ["utter_something_went_wrong"]
    # Operators see it in the action server's metrics.
    assert metrics.ACTIONS.get_sample_value("rapport_action_errors_total", failed) == before + 1


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("are u open sunday 27th december", "Sunday 27 December"),
        ("and the 24th?", "Christmas Eve (Thursday 24 December): 09:00–13:00"),
        ("what are your hours on 29/11", "Sunday 29 November: 10:00–16:00"),
    ],
)
async def test_hours_of_a_day_asked_by_its_number_are_that_days(
    dispatcher, domain, monkeypatch, text, line
) -> None:
    set_clock(monkeypatch, dt.datetime(2026, 11, 26, 21, 45))
    await ActionTellHours().run(dispatcher, make_tracker("ask_hours", text), domain)
    assert said(dispatcher) == ["utter_hours_day"]
    assert line in dispatcher.messages[0]["day_hours"]


async def test_a_weekday_that_is_not_the_dates_is_asked_back(
    dispatcher, domain, monkeypatch
) -> None:
    set_clock(monkeypatch, dt.datetime(2026, 11, 26, 21, 45))
    await ActionTellHours().run(dispatcher, make_tracker("ask_hours", "open sunday 28th?"), domain)
    assert said(dispatcher) == ["utter_day_and_date_disagree"]
    text = rendered(domain, dispatcher.messages[0])
    assert "Saturday 28 November" in text and "Sunday 29 November" in text


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("do you open on new years day", "New Year's Day (Friday 1 January): closed"),
        ("xmas eve opening times?", "Christmas Eve (Thursday 24 December): 09:00–13:00"),
        ("are you open easter monday", "Monday 29 March: closed"),
        ("what about bank holiday monday", "Monday 29 March: closed"),
        ("open good friday?", "Good Friday (Friday 26 March): 10:00–16:00"),
    ],
)
async def test_hours_of_a_named_day_are_that_dates(
    dispatcher, domain, monkeypatch, text, line
) -> None:
    set_clock(monkeypatch, dt.datetime(2026, 11, 26, 21, 45))
    await ActionTellHours().run(dispatcher, make_tracker("ask_hours", text), domain)
    assert said(dispatcher) == ["utter_hours_day"]
    assert line in dispatcher.messages[0]["day_hours"]


async def test_a_test_ride_of_a_named_bike_is_a_yes_and_the_bike_s_stock(
    dispatcher, domain
) -> None:
    text = "could I try the Trek FX 3 before buying"
    tracker = make_tracker("buy_product", text, [entity("product", "trek fx 3")])
    await ActionBuyProduct().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_test_ride", "utter_product_in_stock"]
    assert "try before you buy" in rendered(domain, dispatcher.messages[0])


async def test_a_test_ride_of_no_bike_in_particular_asks_which(dispatcher, domain) -> None:
    tracker = make_tracker("buy_product", "can I test ride one at the weekend")
    events = await ActionBuyProduct().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_test_ride_which"]
    assert events == []  # nothing booked, no bike kept as theirs
    assert "Which bike would you like to try?" in rendered(domain, dispatcher.messages[0])
