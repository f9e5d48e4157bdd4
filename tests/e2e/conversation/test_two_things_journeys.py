"""Two things in one message, and the exact question asked, through the real bot.

Rasa, the action server and the trained model, as in the customer journeys (their `bot`
fixture). Each turn is checked by what the bot understood and did, read from the tracker
store: the intent of the customer's message and the actions that answered it, not the wording.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql
from test_customer_journeys import Bot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def turn(bot: Bot, sender: str, text: str) -> tuple[str, list[str], str]:
    """Send one message; (the intent understood, the actions run after it, the replies)."""
    reply = bot.say(sender, text)
    engine = create_engine(f"sqlite:///{bot.log.parent / 'tracker.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sql(
                    "SELECT type_name, intent_name, action_name FROM events "
                    "WHERE sender_id = :sender ORDER BY id"
                ),
                {"sender": sender},
            ).all()
    finally:
        engine.dispose()
    users = [n for n, row in enumerate(rows) if row.type_name == "user"]
    assert users, f"no message from {sender} in the tracker store"
    last = users[-1]
    actions = [
        row.action_name
        for row in rows[last + 1 :]
        if row.type_name == "action" and row.action_name != "action_listen"
    ]
    return rows[last].intent_name, actions, reply


@pytest.mark.parametrize(
    ("message", "intent", "action"),
    [
        ("hiya, is my bike ready to pick up?", "repair_status", "action_repair_status"),
        ("thanks so much, do you sell bike bells?", "buy_product", "action_buy_product"),
        ("hey, where is my order", "order_status", "action_order_status"),
        ("cheers, and where are you exactly?", "ask_location", "action_tell_location"),
        ("I want a real person, my parcel never turned up", "request_human", "action_handoff"),
        ("thank you but I'd rather talk to a human", "request_human", "action_handoff"),
    ],
)
def test_the_request_wins_and_a_person_wins_over_all(
    bot: Bot, message: str, intent: str, action: str
) -> None:
    sender = f"two-{abs(hash(message))}"
    understood, actions, _ = turn(bot, sender, message)
    assert (understood, actions[:1]) == (intent, [action])


def test_a_question_about_one_day_gets_that_day(bot: Bot) -> None:
    understood, actions, reply = turn(bot, "one-day", "cheers! what time do you close on saturday?")
    assert (understood, actions) == ("ask_hours", ["action_tell_hours"])
    # That day, not the week: Saturday's hours from the business file, no other weekday.
    # The day by its name, or as "Today" or "Tomorrow" when the test runs on a Friday or Saturday.
    assert "08:30–17:00" in reply and any(d in reply for d in ("Saturday", "Today", "Tomorrow"))
    assert not any(day in reply for day in ("Monday", "Tuesday", "Wednesday", "Friday"))


def test_the_returns_policy_is_told_and_a_return_only_offered(bot: Bot) -> None:
    understood, actions, reply = turn(bot, "policy", "what's your returns policy?")
    assert (understood, actions) == ("ask_returns_policy", ["action_tell_returns_policy"])
    assert "30 days" in reply  # the window from the business file
    # Saying yes starts the return form.
    _, actions, _ = turn(bot, "policy", "/affirm")
    assert actions[:1] == ["return_form"]


def test_a_price_question_gets_the_price(bot: Bot) -> None:
    understood, actions, reply = turn(bot, "price", "how much is the trek fx 3?")
    assert (understood, actions) == ("buy_product", ["action_buy_product"])
    assert "£849" in reply
