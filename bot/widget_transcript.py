"""The messages the widget shows, built from Rasa's bot messages and tracker events (pure).

A live bot message and the same message replayed from the tracker get the same id (made from
the event's timestamp, which Rasa passes to output channels), so the server can tell which
messages a reconnecting widget already has in its history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.widget_guards import INTENT_PREFIX
from memory.records import TYPED_KEY

MAX_HISTORY_MESSAGES = 200
_CONTENT_KEYS = ("image", "attachment", "elements")
# Responses after which the widget offers the satisfaction rating (besides a custom payload
# `{"rating_request": true}`, which any response or action can send).
RATING_AFTER_RESPONSES = frozenset({"utter_goodbye"})


def message_id(kind: str, timestamp: object) -> str:
    """A stable id for a message: its kind and its event's timestamp, exactly."""
    return f"{kind}-{timestamp!r}"


def agent_name(message: Mapping[str, Any]) -> str | None:
    """The human agent who wrote a message, when an agent (not the bot) did."""
    metadata = message.get("metadata")
    name = message.get("agent")
    if not name and isinstance(metadata, Mapping):
        name = metadata.get("agent")
    return str(name)[:80] if name else None


def quick_replies(message: Mapping[str, Any]) -> list[dict[str, str]]:
    """A message's buttons or quick replies as socket.io quick replies."""
    buttons = message.get("quick_replies") or message.get("buttons") or []
    replies = []
    for button in buttons:
        if isinstance(button, Mapping) and "payload" in button:
            payload = str(button["payload"])
            title = str(button.get("title") or payload)
            replies.append({"content_type": "text", "title": title, "payload": payload})
    return replies


def bot_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """The widget message for a bot (or agent) message dict as Rasa hands it to channels."""
    timestamp = message.get("timestamp")
    agent = agent_name(message)
    shown: dict[str, Any] = {
        "id": message_id("b", timestamp),
        "timestamp": timestamp,
        "sender": "agent" if agent else "bot",
    }
    if message.get("text"):
        shown["text"] = str(message["text"])
    replies = quick_replies(message)
    if replies:
        shown["quick_replies"] = replies
    if isinstance(message.get("custom"), Mapping):
        shown["custom"] = dict(message["custom"])
    for key in _CONTENT_KEYS:
        if message.get(key):
            shown[key] = message[key]
    if agent:
        shown["agent"] = agent
        shown["metadata"] = {"agent": agent}
    if isinstance(message.get("notice"), str):
        shown["notice"] = message["notice"]  # a line about the chat itself (an agent joined)
    custom = shown.get("custom") or {}
    if custom.get("rating_request") or message.get("utter_action") in RATING_AFTER_RESPONSES:
        shown["rating_request"] = True
    return shown


# What Rasa's own socket.io channel puts at the top of a `bot_uttered` message. Widgets written
# for Rasa (rasa-webchat, for one) drop a message with any other top-level key.
RASA_KEYS = ("text", "quick_replies", "attachment")
# Rapport's extras, which its own widget reads from the message's `metadata`.
EXTRA_KEYS = ("id", "timestamp", "sender", "agent", "rating_request", "notice", "custom")


def on_the_wire(shown: Mapping[str, Any]) -> dict[str, Any]:
    """A widget message as `bot_uttered` carries it: Rasa's shapes (`{text}`,
    `{text, quick_replies}`, `{attachment}`), Rapport's extras under `metadata`.

    An image becomes Rasa's image attachment; a message with nothing but a custom payload is
    sent as the payload itself, the way Rasa sends custom responses.
    """
    wire: dict[str, Any] = {key: shown[key] for key in RASA_KEYS if key in shown}
    if "attachment" not in wire and shown.get("image"):
        wire["attachment"] = {"type": "image", "payload": {"src": shown["image"]}}
    custom = shown.get("custom")
    if not wire and isinstance(custom, Mapping):
        wire.update({key: value for key, value in custom.items() if key != "metadata"})
    metadata = dict(shown.get("metadata") or {})
    metadata.update({key: shown[key] for key in EXTRA_KEYS if key in shown})
    wire["metadata"] = metadata
    return wire


def has_content(message: Mapping[str, Any]) -> bool:
    keys = ("text", "quick_replies", "custom", "rating_request", *_CONTENT_KEYS)
    return any(key in message for key in keys)


def _bot_event_as_message(event: Mapping[str, Any]) -> dict[str, Any]:
    # The same merge as Rasa's BotUttered.message(), so that ids and fields match live ones.
    merged: dict[str, Any] = dict(event.get("data") or {})
    merged["text"] = event.get("text")
    merged["timestamp"] = event.get("timestamp")
    merged.update(event.get("metadata") or {})
    return merged


def _shown_user_text(text: str, last_replies: list[dict[str, str]]) -> str:
    # A clicked quick reply is stored as its payload; show the button's title instead.
    if text.startswith(INTENT_PREFIX):
        for reply in last_replies:
            if reply["payload"] == text:
                return reply["title"]
    return text


def history(
    events: Iterable[Mapping[str, Any]],
    skip_ids: Iterable[str] = (),
    limit: int = MAX_HISTORY_MESSAGES,
) -> list[dict[str, Any]]:
    """The conversation so far, oldest first, from tracker events (as dicts).

    Messages whose id is in `skip_ids` (still waiting to be delivered live) are left out.
    """
    skipped = set(skip_ids)
    shown: list[dict[str, Any]] = []
    last_replies: list[dict[str, str]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user" and event.get("text"):
            text = str(event["text"])
            metadata = event.get("metadata")
            # A typed answer that acted as a button shows as the customer typed it.
            typed = metadata.get(TYPED_KEY) if isinstance(metadata, Mapping) else None
            item = {
                "id": message_id("u", event.get("timestamp")),
                "timestamp": event.get("timestamp"),
                "sender": "customer",
                "text": typed
                if isinstance(typed, str) and typed
                else _shown_user_text(text, last_replies),
            }
        elif kind == "bot":
            item = bot_message(_bot_event_as_message(event))
            if not has_content(item):
                continue
            last_replies = item.get("quick_replies", last_replies)
        else:
            continue
        if item["id"] not in skipped:
            shown.append(item)
    shown = shown[-limit:]
    # Quick replies only make sense on the last message: older buttons are no longer offered.
    for item in shown[:-1]:
        item.pop("quick_replies", None)
        item.pop("rating_request", None)
    return shown
