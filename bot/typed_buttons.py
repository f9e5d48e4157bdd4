"""A typed answer to the bot's own buttons acts as the button.

A customer who types a button's title ("Book a free check") or a plain yes ("yep, that's it")
to a yes-or-no question with buttons means that button: the channel hands Rasa the button's
payload in place of the text, so the typed answer goes where the tap would. The payload is
always one of the bot's own buttons on its latest message, never built from the customer's
words.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

logger = logging.getLogger(__name__)

# A plain yes: a yes word first, then only words that say yes again or please.
_YES_FIRST = frozenset({"yes", "yeah", "yea", "yep", "yup", "ya", "sure", "ok", "okay", "aye"})
_YES_MORE = frozenset(
    {
        *_YES_FIRST,
        "please",
        "pls",
        "plz",
        "thanks",
        "thank",
        "you",
        "go",
        "on",
        "ahead",
        "that's",
        "thats",
        "it",
        "is",
        "right",
        "correct",
        "exactly",
        "that",
        "one",
        "do",
    }
)
_NO_PAYLOAD = "/deny"
# The message metadata key that keeps the customer's own words when they act as a button: the
# relationship memory logs what the customer wrote, not the button's payload.
TYPED_KEY = "typed"
_WORD = re.compile(r"[a-z0-9']+")


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def says_plain_yes(text: str) -> bool:
    """Whether a message is a plain yes ("yep", "Yes, that's it", "yeah go on pls")."""
    words = words_of(text)
    return bool(words) and words[0] in _YES_FIRST and all(word in _YES_MORE for word in words)


def latest_buttons(events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The buttons of the bot's latest message, when nothing the customer said came after it."""
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            return []
        if kind == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            return [button for button in buttons if isinstance(button, dict)]
    return []


def pressed(buttons: Sequence[Mapping[str, Any]], text: str | None) -> str | None:
    """The payload of the button a typed message means, or None: a button's own title, or a
    plain yes to a question whose buttons are one yes and one no."""
    if not text or text.startswith("/") or not buttons:
        return None
    typed = words_of(text)
    for button in buttons:
        if typed and words_of(str(button.get("title") or "")) == typed:
            return str(button.get("payload") or "") or None
    payloads = [str(button.get("payload") or "") for button in buttons]
    if len(payloads) == 2 and payloads[1] == _NO_PAYLOAD and payloads[0] != _NO_PAYLOAD:
        return payloads[0] if says_plain_yes(text) else None
    return None


async def as_pressed(app: Any, conversation_id: str, text: str) -> str:
    """The text Rasa should handle for a customer's message: the payload of the button it
    means on the bot's latest message, or the message itself."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None or not text or text.startswith("/"):
        return text

    def read() -> list[dict[str, Any]]:
        # Rasa's SQL tracker store blocks inside its coroutines: read on a worker thread.
        tracker = asyncio.run(store.retrieve(conversation_id))
        return [] if tracker is None else [event.as_dict() for event in tracker.events]

    try:
        events = await asyncio.to_thread(read)
    except Exception:  # the message itself still reaches the bot
        logger.exception("reading the buttons offered to %s failed", conversation_id)
        return text
    return pressed(latest_buttons(events), text) or text
