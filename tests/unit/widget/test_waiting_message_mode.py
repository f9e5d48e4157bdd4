"""A chat that left a message for the team, before Rasa handles its next message: a question the
bot answers itself goes back to the bot (resumed, then the listen that precedes any message),
what is meant for the team stays with the waiting reply, and a chat an agent holds is paused
(bot.waiting.before_handling), with a real Rasa tracker store and lock store."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    UserUttered,
)

from bot import waiting

ROOT = Path(__file__).resolve().parents[3]


def parsed(intent: str, confidence: float) -> dict[str, Any]:
    return {"intent": {"name": intent, "confidence": confidence}}


@pytest.mark.parametrize(
    ("intent", "confidence", "back"),
    [
        ("ask_hours", 0.99, True),
        ("what_do_you_know", 0.93, True),
        ("loyalty_balance", 0.9, True),
        ("thank", 0.95, True),
        ("ask_hours", 0.57, False),  # not surely a question: detail for the team
        ("order_status", 0.99, False),  # the team's to answer
        ("book_repair", 0.99, False),
        ("complain", 0.99, False),
        ("request_human", 0.99, False),
        ("inform", 0.99, False),  # a contact, a detail
        ("affirm", 0.99, False),
        ("deny", 0.99, False),  # "no thanks" to the contact question
        ("nlu_fallback", 0.99, False),
    ],
)
def test_only_a_question_the_bot_surely_answers_goes_back_to_the_bot(
    intent: str, confidence: float, back: bool
) -> None:
    assert waiting.answered_while_a_message_waits(parsed(intent, confidence)) is back


def test_small_talk_with_a_person_only_guessed_at_goes_back_to_the_bot() -> None:
    guessed = {
        "intent": {"name": "request_human", "confidence": 0.2},
        "intent_ranking": [
            {"name": "request_human", "confidence": 0.2},
            {"name": "greet", "confidence": 0.64},
        ],
    }
    assert waiting.answered_while_a_message_waits(guessed) is True
    sure = {
        "intent": {"name": "request_human", "confidence": 0.9},
        "intent_ranking": [
            {"name": "request_human", "confidence": 0.9},
            {"name": "greet", "confidence": 0.05},
        ],
    }
    assert waiting.answered_while_a_message_waits(sure) is False


PAUSED = [{"event": "action", "name": "action_handoff"}, {"event": "pause"}]


def test_whose_turn_it_is_comes_from_the_handoff_and_the_pause() -> None:
    assert waiting.turn_for(PAUSED, "waiting", offline=True) == "ask"
    # A person is about to join (in hours): the chat waits for them.
    assert waiting.turn_for(PAUSED, "waiting", offline=False) == "as is"
    resumed = [*PAUSED, {"event": "resume"}]
    assert waiting.turn_for(resumed, "waiting", offline=True) == "as is"
    assert waiting.turn_for(resumed, "claimed", offline=True) == "pause"
    assert waiting.turn_for(PAUSED, "claimed", offline=True) == "as is"
    assert waiting.turn_for([], None, offline=False) == "as is"


@pytest.fixture
def rasa_app() -> Any:
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = InMemoryTrackerStore(domain)
    understood: dict[str, dict[str, Any]] = {}

    async def parse_message(text: str) -> dict[str, Any]:
        return understood[text]

    agent = SimpleNamespace(
        tracker_store=store, lock_store=InMemoryLockStore(), parse_message=parse_message
    )
    return SimpleNamespace(ctx=SimpleNamespace(agent=agent), understood=understood)


async def left_a_message(app: Any, sender: str) -> None:
    store = app.ctx.agent.tracker_store
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    for event in [
        ActionExecuted("action_listen"),
        UserUttered("can I talk to a person", parse_data=parsed("request_human", 0.99)),
        ActionExecuted("action_handoff"),
        BotUttered("Yes, leave your message with me"),
        ConversationPaused(),
    ]:
        tracker.update(event)
    await store.save(tracker)


async def events_of(app: Any, sender: str) -> list[dict[str, Any]]:
    tracker = await app.ctx.agent.tracker_store.retrieve(sender)
    return [event.as_dict() for event in tracker.events]


def with_handoff(monkeypatch: pytest.MonkeyPatch, state: str, offline: bool) -> None:
    handoff = SimpleNamespace(state=state, offline=offline)
    monkeypatch.setattr(waiting, "open_handoff", lambda url, sender: handoff)


async def test_a_question_to_a_waiting_message_resumes_the_chat_before_rasa_reads_it(
    rasa_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_handoff(monkeypatch, "waiting", offline=True)
    await left_a_message(rasa_app, "fay")
    rasa_app.understood["what time do you open tomorrow?"] = parsed("ask_hours", 0.99)
    await waiting.before_handling(rasa_app, "fay", "what time do you open tomorrow?", "db")
    events = await events_of(rasa_app, "fay")
    assert [event["event"] for event in events[-2:]] == ["resume", "action"]
    assert events[-1]["name"] == "action_listen"
    assert not waiting.is_paused(events)


async def test_a_message_for_the_team_leaves_the_chat_paused(
    rasa_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_handoff(monkeypatch, "waiting", offline=True)
    await left_a_message(rasa_app, "gus")
    before = await events_of(rasa_app, "gus")
    rasa_app.understood["my chain slips on hills"] = parsed("book_repair", 0.91)
    await waiting.before_handling(rasa_app, "gus", "my chain slips on hills", "db")
    assert await events_of(rasa_app, "gus") == before


async def test_a_chat_an_agent_holds_is_paused_before_its_message_is_handled(
    rasa_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await left_a_message(rasa_app, "hal")
    with_handoff(monkeypatch, "waiting", offline=True)
    rasa_app.understood["are you open sunday"] = parsed("ask_hours", 0.97)
    await waiting.before_handling(rasa_app, "hal", "are you open sunday", "db")
    with_handoff(monkeypatch, "claimed", offline=True)
    await waiting.before_handling(rasa_app, "hal", "hello? anyone there?", "db")
    events = await events_of(rasa_app, "hal")
    assert events[-1]["event"] == "pause" and waiting.is_paused(events)


async def test_without_the_memorys_queue_nothing_changes(rasa_app: Any) -> None:
    await left_a_message(rasa_app, "ivy")
    before = await events_of(rasa_app, "ivy")
    await waiting.before_handling(rasa_app, "ivy", "what time do you open", "")
    assert await events_of(rasa_app, "ivy") == before


@pytest.mark.parametrize(
    ("intent", "confidence", "asks", "back"),
    [
        ("ask_location", 0.62, True, True),  # "ok what's your phone number"
        ("redeem_reward", 0.7, True, True),  # "can I use my points on ...?"
        ("ask_returns_policy", 0.55, True, True),  # "how many days have I got?"
        ("ask_repair_service", 0.66, True, True),
        ("redeem_reward", 0.7, False, False),  # not asked: more for the team
        ("ask_location", 0.4, True, False),  # not read surely enough
        ("book_repair", 0.95, True, False),  # the team's to act on
        ("order_status", 0.9, True, False),
        ("request_human", 0.9, True, False),
        ("nlu_fallback", 0.9, True, False),
    ],
)
def test_a_question_the_bot_answers_goes_back_to_it_even_read_less_surely(
    intent: str, confidence: float, asks: bool, back: bool
) -> None:
    parse = parsed(intent, confidence)
    assert waiting.answered_while_a_message_waits(parse, asks) is back


def test_whether_a_message_asks_comes_from_the_business_file() -> None:
    from voice import business

    shop = business.load(ROOT / "business.yml")
    assert waiting.asks_something(shop, "ok whats the phone number")
    assert waiting.asks_something(shop, "Hi it's Jo again, can I use my points on gloves?")
    assert not waiting.asks_something(shop, "it's the rear one, by the way")
    assert not waiting.asks_something(None, "what time do you open?")  # no business file
