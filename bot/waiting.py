"""The channel's side of a chat waiting for a person: no customer message goes unanswered.

A handoff pauses the conversation (`ConversationPaused`), and a paused Rasa conversation logs
the customer's messages but runs no action, so without this the customer would write into
silence until an agent claims the chat. After Rasa has handled a message, the channel asks
`answer_if_waiting`: when the chat's handoff is waiting (no agent holds it), the conversation
is paused and its latest customer message has had no reply, it runs `action_waiting_reply`
through Rasa (the way Rasa's own `/conversations/<id>/execute` endpoint does), so the
acknowledgement is sent to the customer, kept in the conversation and logged in the exchange
log like any bot message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot import composition

logger = logging.getLogger(__name__)

WAITING_ACTION = "action_waiting_reply"
# Events after which Rasa no longer treats the conversation as paused.
UNPAUSING = ("resume", "session_started", "restart")


def unanswered_while_paused(events: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the conversation is paused and its latest customer message came after the pause
    and has no reply yet (from the bot or an agent)."""
    paused, paused_at, latest_user, latest_reply = False, -1, -1, -1
    for index, event in enumerate(events):
        kind = event.get("event")
        if kind == "pause":
            paused, paused_at = True, index
        elif kind in UNPAUSING:
            paused = False
        elif kind == "user":
            latest_user = index
        elif kind == "bot":
            latest_reply = index
    return paused and latest_user > paused_at and latest_reply < latest_user


def unanswered_while_running(events: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the conversation is not paused and its latest customer message has no reply:
    Rasa ran the actions it predicted and none said anything (an action server that is down,
    an action that crashed)."""
    paused, latest_user, latest_reply = False, -1, -1
    for index, event in enumerate(events):
        kind = event.get("event")
        if kind == "pause":
            paused = True
        elif kind in UNPAUSING:
            paused = False
        elif kind == "user":
            latest_user = index
        elif kind == "bot":
            latest_reply = index
    return not paused and latest_user >= 0 and latest_reply < latest_user


def from_the_console(event: Mapping[str, Any]) -> bool:
    """Whether a bot event was written by the console (an agent's reply, a notice such as
    "Alex has joined", the warm close when the chat goes back to the bot), not by an action."""
    metadata = event.get("metadata") or {}
    custom = (event.get("data") or {}).get("custom") or {}
    return bool(metadata.get("agent") or metadata.get("notice") or custom.get("rating_request"))


def console_messages_before_latest(events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The console's messages written between the customer's previous message and their latest
    one: a channel that cannot push (REST) has not delivered them yet, and each falls in one
    such gap only, so each is delivered once. Rasa's message shape; an agent's name under
    `metadata`."""
    users = [index for index, event in enumerate(events) if event.get("event") == "user"]
    if not users:
        return []
    start = users[-2] + 1 if len(users) > 1 else 0
    found: list[dict[str, Any]] = []
    for event in events[start : users[-1]]:
        if event.get("event") != "bot" or not from_the_console(event) or not event.get("text"):
            continue
        message: dict[str, Any] = {"text": str(event["text"])}
        agent = (event.get("metadata") or {}).get("agent")
        if agent:
            message["metadata"] = {"agent": str(agent)}
        found.append(message)
    return found


def as_rest_messages(kept: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The widget channel's kept messages (the console's, for a conversation with no widget)
    in Rasa's message shape, as `console_messages_before_latest` gives them."""
    found: list[dict[str, Any]] = []
    for shown in kept:
        if not shown.get("text"):
            continue
        message: dict[str, Any] = {"text": str(shown["text"])}
        if shown.get("agent"):
            message["metadata"] = {"agent": str(shown["agent"])}
        found.append(message)
    return found


async def conversation_events(app: Any, conversation_id: str) -> list[dict[str, Any]]:
    """The conversation's events as dicts ([] without a tracker store or a conversation)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if agent is None or store is None:
        return []

    def read() -> list[dict[str, Any]]:
        # Rasa's SQL tracker store blocks inside its coroutines: read on a worker thread.
        tracker = asyncio.run(store.retrieve(conversation_id))
        return [] if tracker is None else [event.as_dict() for event in tracker.events]

    return await asyncio.to_thread(read)


async def went_unanswered(app: Any, conversation_id: str) -> bool:
    """True when the conversation's latest customer message got no reply although the chat is
    not paused: the channel then tells the customer itself (`unanswered_while_running`)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if agent is None or store is None:
        return False

    def read() -> list[dict[str, Any]]:
        tracker = asyncio.run(store.retrieve(conversation_id))
        return [] if tracker is None else [event.as_dict() for event in tracker.events]

    events = await asyncio.to_thread(read)
    return unanswered_while_running(events)


def handoff_state(database_url: str, conversation_id: str) -> str | None:
    """The state of the conversation's open handoff in memory's queue ("waiting", "claimed"),
    None when it has none (synchronous: run it in a worker thread)."""
    handoff = composition.server().memory(database_url).handoffs.open_for(conversation_id)
    return None if handoff is None else str(handoff.state)


async def answer_if_waiting(
    app: Any, conversation_id: str, output_channel: OutputChannel, database_url: str = ""
) -> bool:
    """Run `action_waiting_reply` for the conversation's latest message when it reached a
    paused chat that no agent holds and nothing has answered it; True when it ran.

    With the memory's queue (`database_url`), only a chat whose handoff is waiting is read
    further (one indexed query per message, the tracker only then); without it, every paused
    chat is, and the action itself stays silent for a chat an agent holds.
    """
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if agent is None or store is None:
        return False
    if database_url:
        state = await asyncio.to_thread(handoff_state, database_url, conversation_id)
        if state != "waiting":
            return False  # no one waits, or the agent answers and sees it in the console
    async with agent.lock_store.lock(conversation_id):

        def read() -> list[dict[str, Any]]:
            # Rasa's SQL tracker store blocks inside its coroutines: read on a worker thread.
            tracker = asyncio.run(store.retrieve(conversation_id))
            return [] if tracker is None else [event.as_dict() for event in tracker.events]

        events = await asyncio.to_thread(read)
        if not unanswered_while_paused(events):
            return False
        logger.info("acknowledging a message to %s while it waits for a person", conversation_id)
        await agent.execute_action(conversation_id, WAITING_ACTION, output_channel, None, 1.0)
    return True
