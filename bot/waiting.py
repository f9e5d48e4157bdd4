"""The channel's side of a chat waiting for a person: no customer message goes unanswered.

A handoff pauses the conversation (`ConversationPaused`), and a paused Rasa conversation logs
the customer's messages but runs no action, so without this the customer would write into
silence until an agent claims the chat. After Rasa has handled a message, the channel asks
`answer_if_waiting`: when the chat's handoff is waiting (no agent holds it), the conversation
is paused and its latest customer message has had no reply, it runs `action_waiting_reply`
through Rasa (the way Rasa's own `/conversations/<id>/execute` endpoint does), so the
acknowledgement is sent to the customer, kept in the conversation and logged in the exchange
log like any bot message.

A chat that left a message for the team (out of hours, or nobody free) is not the team's for
good: before Rasa handles a message, `before_handling` reads it, and a question the bot surely
answers by itself ("what time do you open?", "what do you know about me", and, asked as a
question, "ok what's your number?") resumes the conversation, so Rasa answers it as it answers
any message; the handoff stays in the queue and
the team reads the whole chat. What is meant for the team (the message, a contact, "no
thanks", more about the same request) stays with `action_waiting_reply`. A chat an agent holds
is paused before its message is handled, whatever happened before, so the bot stays quiet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from rasa.core.channels.channel import OutputChannel
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ConversationPaused, ConversationResumed, Event

from bot import composition
from bot.two_intents import small_talk_not_a_request
from voice import asked

logger = logging.getLogger(__name__)

WAITING_ACTION = "action_waiting_reply"
# Events after which Rasa no longer treats the conversation as paused.
UNPAUSING = ("resume", "session_started", "restart")
# Questions the bot answers fully by itself, even while a message for the team waits: a
# message read as one of these, surely, goes back to the bot. Anything else (a repair, an
# order, a complaint, a contact, "yes", "no thanks", a detail) is for the team.
ANSWERED_WHILE_A_MESSAGE_WAITS = frozenset(
    {
        "ask_hours",
        "ask_location",
        "ask_returns_policy",
        "buy_product",
        "product_recommendation",
        "price_match",
        "loyalty_balance",
        "community_events",
        "what_do_you_know",
        "export_my_data",
        "bot_challenge",
        "how_are_you",
        "greet",
        "thank",
        "goodbye",
        "praise",
    }
)
# Below this confidence a message is not surely such a question: "it's the rear one" read as
# order_status at 0.57 is detail for the team; "what time do you open?" at 0.99 is answered.
ANSWER_CONFIDENCE = 0.8
# A message that asks something (a question mark, or a question's first word) is a question
# for the bot, not more for the team, when the NLU reads it, even less surely, as one of these:
# what the shop's phone number is, whether points pay for something, how long a return takes.
# What the team is asked to act on (an order, a repair, a complaint, a person) stays theirs.
ANSWERED_WHEN_ASKED = ANSWERED_WHILE_A_MESSAGE_WAITS | {
    "redeem_reward",
    "ask_repair_service",
}
QUESTION_CONFIDENCE = 0.5


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


def is_paused(events: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the conversation is paused after these events."""
    paused = False
    for event in events:
        kind = event.get("event")
        if kind == "pause":
            paused = True
        elif kind in UNPAUSING:
            paused = False
    return paused


def answered_while_a_message_waits(parse: Mapping[str, Any], asks: bool = False) -> bool:
    """Whether a message (Rasa's parse result) to a chat that left a message for the team is a
    question the bot answers itself (`ANSWERED_WHILE_A_MESSAGE_WAITS`, read surely; or, when
    the message `asks` something, `ANSWERED_WHEN_ASKED` read at `QUESTION_CONFIDENCE`)."""
    intent = parse.get("intent") or {}
    name = intent.get("name")
    confidence = float(intent.get("confidence") or 0.0)
    if small_talk_not_a_request(parse):
        return True  # "hi! lovely weather today": small talk, not more for the team
    if asks and name in ANSWERED_WHEN_ASKED and confidence >= QUESTION_CONFIDENCE:
        return True
    return name in ANSWERED_WHILE_A_MESSAGE_WAITS and confidence >= ANSWER_CONFIDENCE


def asks_something(shop: Any, text: str | None) -> bool:
    """Whether a message asks something (`voice.asked.asks_something`); False without the
    business file."""
    return shop is not None and asked.asks_something(shop, text)


def turn_for(events: Sequence[Mapping[str, Any]], state: str | None, offline: bool) -> str:
    """Who takes a conversation's next message, before Rasa handles it: "pause" (an agent holds
    a chat the bot was answering: pause it first), "ask" (a message for the team waits: read
    the message to choose) or "as is" (nothing to change)."""
    if state == "claimed" and not is_paused(events):
        return "pause"
    if state == "waiting" and offline and is_paused(events):
        return "ask"
    return "as is"


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


def open_handoff(database_url: str, conversation_id: str) -> Any:
    """The conversation's open handoff in memory's queue, None when it has none (synchronous:
    run it in a worker thread)."""
    return composition.server().memory(database_url).handoffs.open_for(conversation_id)


async def _append(agent: Any, conversation_id: str, events: list[Event]) -> None:
    """Append events to a conversation (hold its lock)."""
    store = agent.tracker_store

    async def update() -> None:
        tracker = await store.get_or_create_tracker(conversation_id, append_action_listen=False)
        for event in events:
            tracker.update(event)
        await store.save(tracker)

    # The SQL tracker store blocks inside its coroutines: run it on a worker thread.
    await asyncio.to_thread(asyncio.run, update())


async def before_handling(app: Any, conversation_id: str, text: str, database_url: str) -> None:
    """Before Rasa handles a message: a chat that left a message for the team goes back to the
    bot for a question the bot answers itself (resumed, with the listen that precedes any
    message, so Rasa predicts as usual and answers once); a chat an agent holds is paused."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    if agent is None or getattr(agent, "tracker_store", None) is None or not database_url:
        return
    handoff = await asyncio.to_thread(open_handoff, database_url, conversation_id)
    if handoff is None:
        return
    async with agent.lock_store.lock(conversation_id):
        events = await conversation_events(app, conversation_id)
        turn = turn_for(events, str(handoff.state), bool(handoff.offline))
        if turn == "as is":
            return
        if turn == "ask":
            asks = asks_something(composition.server().business(), text)
            if not answered_while_a_message_waits(await agent.parse_message(text), asks):
                return  # for the team: action_waiting_reply adds it to the message
            added: list[Event] = [ConversationResumed(), ActionExecuted(ACTION_LISTEN_NAME)]
            logger.info("%s asks what the bot answers: back to the bot", conversation_id)
        else:
            added = [ConversationPaused()]
            logger.info("%s is held by a person: the bot is paused", conversation_id)
        await _append(agent, conversation_id, added)


def handoff_state(database_url: str, conversation_id: str) -> str | None:
    """The state of the conversation's open handoff in memory's queue ("waiting", "claimed"),
    None when it has none (synchronous: run it in a worker thread)."""
    handoff = open_handoff(database_url, conversation_id)
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
