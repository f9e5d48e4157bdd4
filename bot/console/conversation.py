"""What the console does to a Rasa conversation: read its transcript, add an agent's message,
hand it back to the bot (ConversationResumed, then a warm close that asks for a rating).

These go through the running Rasa agent's processor and lock store, the way Rasa's own
`/conversations/<id>/tracker/events` endpoint does, so the event broker logs every agent
message into the relationship memory (bot events whose metadata names the agent).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed, Event
from sanic import Sanic

from bot import widget_transcript

RESUMED_RESPONSE = "utter_handoff_resumed"


class ConsoleUnavailable(RuntimeError):
    """The Rasa agent (model, tracker store) is not ready yet."""


def _rasa_agent(app: Sanic) -> Any:
    agent = getattr(app.ctx, "agent", None)
    if agent is None or getattr(agent, "tracker_store", None) is None:
        raise ConsoleUnavailable("the bot is still loading its model; try again in a moment")
    return agent


async def transcript(app: Sanic, sender_id: str) -> list[dict[str, Any]]:
    """The conversation's messages (customer, bot, agents), oldest first, every session."""
    store = _rasa_agent(app).tracker_store

    def read() -> list[dict[str, Any]]:
        # Rasa's SQL tracker store blocks inside its coroutines: read on a worker thread.
        tracker = asyncio.run(store.retrieve_full_tracker(sender_id))
        return [] if tracker is None else [event.as_dict() for event in tracker.events]

    events = await asyncio.to_thread(read)
    return widget_transcript.history(events)


async def is_paused(app: Sanic, sender_id: str) -> bool:
    store = _rasa_agent(app).tracker_store
    tracker = await asyncio.to_thread(lambda: asyncio.run(store.retrieve(sender_id)))
    return bool(tracker is not None and tracker.is_paused())


async def _append(app: Sanic, sender_id: str, events: list[Event]) -> None:
    """Append events under the conversation's lock, so no customer message interleaves."""
    agent = _rasa_agent(app)
    store = agent.tracker_store

    async def update() -> None:
        tracker = await store.get_or_create_tracker(sender_id, append_action_listen=False)
        for event in events:
            tracker.update(event)
        await store.save(tracker)  # the event broker logs the new events into memory

    async with agent.lock_store.lock(sender_id):
        # The SQL tracker store blocks inside its coroutines: run it on a worker thread.
        await asyncio.to_thread(asyncio.run, update())


async def _deliver(app: Sanic, sender_id: str, message: dict[str, Any]) -> None:
    hub = getattr(app.ctx, "rapport_widget", None)
    if hub is not None:
        await hub.deliver(sender_id, message)


async def send_agent_message(app: Sanic, sender_id: str, agent: str, text: str) -> float:
    """Show an agent's reply in the customer's widget and log it; returns its timestamp."""
    event = BotUttered(text, metadata={"agent": agent}, timestamp=time.time())
    # The widget first: the customer should not wait for the database.
    await _deliver(app, sender_id, {"text": text, "agent": agent, "timestamp": event.timestamp})
    await _append(app, sender_id, [event])
    return float(event.timestamp)


async def agent_typing(app: Sanic, sender_id: str, agent: str, typing: bool) -> None:
    hub = getattr(app.ctx, "rapport_widget", None)
    if hub is not None:
        await hub.typing(sender_id, typing, agent)


async def customer_typing(app: Sanic, sender_id: str) -> bool:
    """Whether the conversation's customer is typing now (their widget says so, on this
    process or, with Redis, on another)."""
    hub = getattr(app.ctx, "rapport_widget", None)
    return bool(hub is not None and await hub.is_customer_typing(sender_id))


def response_text(app: Sanic, name: str, required: bool = True, **values: str) -> str:
    """The first text of the domain's response `name` with `{values}` filled in.

    When the loaded model's domain has no such response: "" if it is not `required`, else
    ConsoleUnavailable (the agent is told, and the chat stays with them rather than go back
    to the bot without a word)."""
    domain = getattr(_rasa_agent(app), "domain", None)
    responses = getattr(domain, "responses", {}) or {}
    text = next(
        (
            str(variant["text"])
            for variant in responses.get(name, [])
            if isinstance(variant, dict) and variant.get("text")
        ),
        None,
    )
    if text is None:
        if not required:
            return ""
        raise ConsoleUnavailable(f"the bot's domain has no response {name}; retrain the bot")
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def warm_close_text(app: Sanic, agent: str) -> str:
    """The domain's `utter_handoff_resumed` text, with the agent's name."""
    return response_text(app, RESUMED_RESPONSE, agent=agent)


async def send_notice(app: Sanic, sender_id: str, notice: str, text: str) -> None:
    """Tell the customer something about the chat itself (`notice`: agent_joined, agent_left,
    agent_transferred, follow_up_promised), in their widget and in the conversation's history."""
    event = BotUttered(text, metadata={"notice": notice}, timestamp=time.time())
    await _deliver(app, sender_id, {"text": text, "notice": notice, "timestamp": event.timestamp})
    await _append(app, sender_id, [event])


async def resume_bot(app: Sanic, sender_id: str, agent: str) -> None:
    """Hand the conversation back to the bot, which closes warmly and asks for a rating."""
    text = warm_close_text(app, agent)
    custom = {"rating_request": True}
    close = BotUttered(text, data={"custom": custom}, timestamp=time.time())
    # Pausing stopped the bot before it listened; without `action_listen` the policies would
    # not read the customer's next message as a new turn (rules need it) and stay silent.
    listen = ActionExecuted(ACTION_LISTEN_NAME, timestamp=time.time())
    await _append(app, sender_id, [ConversationResumed(), close, listen])
    await _deliver(app, sender_id, {"text": text, "custom": custom, "timestamp": close.timestamp})
