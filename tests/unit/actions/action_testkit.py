"""Helpers for action tests: trackers built from dicts, a fixed clock, what the bot said."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.composition import ActionServices, compose
from bot.settings import Settings

# A Tuesday, mid-morning: the sample shop is open 09:00-18:00.
TUESDAY_MORNING = dt.datetime(2026, 11, 24, 10, 0)


def set_clock(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(base, "now", lambda shop: moment)


def user_event(
    intent: str | None, text: str = "", entities: Iterable[dict[str, Any]] = (), ranking=None
) -> dict[str, Any]:
    parse = {
        "intent": {"name": intent, "confidence": 0.9},
        "entities": list(entities),
        "text": text,
        "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}],
    }
    return {"event": "user", "text": text, "parse_data": parse}


def action_event(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def make_tracker(
    intent: str | None = None,
    text: str = "",
    entities: Iterable[dict[str, Any]] = (),
    slots: dict[str, Any] | None = None,
    history: Iterable[dict[str, Any]] = (),
    after: Iterable[dict[str, Any]] = (),
    ranking: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    sender_id: str = "test-customer",
) -> Tracker:
    """A tracker whose latest message is (intent, text, entities); `history` comes before it
    and `after` (slot events of this turn) after it."""
    latest = user_event(intent, text, entities, ranking)
    events = [*history, action_event("action_listen"), latest, *after]
    return Tracker(
        sender_id=sender_id,
        slots=dict(slots or {}),
        latest_message=latest["parse_data"],
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value}


def said(dispatcher: CollectingDispatcher) -> list[str | None]:
    """The responses the action uttered, in order."""
    return [message.get("response") for message in dispatcher.messages]


def rendered(domain: dict[str, Any], message: dict[str, Any]) -> str:
    """What the customer reads: the message's own text, else its domain response's first
    variation with the message's values filled in (the way Rasa's templated NLG does)."""
    if message.get("text"):
        return str(message["text"])
    [first, *_] = domain["responses"][message["response"]]
    return re.sub(
        r"\{(\w+)\}",
        lambda found: str(message.get(found.group(1), found.group(0))),
        str(first["text"]),
    )


def response_buttons(domain: dict[str, Any], response: str) -> list[dict[str, Any]]:
    """The buttons of a domain response's first variation."""
    return list(domain["responses"][response][0].get("buttons") or [])


def use_settings(monkeypatch: pytest.MonkeyPatch, config: Settings) -> ActionServices:
    """The action server's services composed from `config`, installed for this test only."""
    services = compose(config)
    monkeypatch.setattr(base, "_services", services)
    return services
