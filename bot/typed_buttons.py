"""A typed answer to the bot's own buttons acts as the button.

A customer who types a button's title ("Book a free check") or a plain yes ("yep, that's it")
to a yes-or-no question with buttons means that button: the channel hands Rasa the button's
payload in place of the text, so the typed answer goes where the tap would. The payload is
always one of the bot's own buttons on its latest message, never built from the customer's
words.

The channels note the buttons of each bot message as they send it (`offer`, in the live state
that all Rasa processes share), and each customer message takes them: the conversation's
tracker is not read again for them. The words of a plain yes are the customers' language and
come from the business file (`vocabulary.plain_yes`).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from memory.records import TYPED_KEY

if TYPE_CHECKING:
    from bot.live_state import LiveState

logger = logging.getLogger(__name__)

__all__ = ["TYPED_KEY", "PlainYes", "as_pressed", "buttons_of", "offer", "pressed"]

_NO_PAYLOAD = "/deny"
_WORD = re.compile(r"[a-z0-9']+")


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


@dataclass(frozen=True)
class PlainYes:
    """What a plain yes is: a first word of `words`, then only words of `words` or `also`."""

    words: frozenset[str] = frozenset()
    also: frozenset[str] = frozenset()

    @staticmethod
    def of(shop: Any) -> PlainYes:
        """The plain yes of a business file (`voice.business.Business`; none without one)."""
        vocabulary = getattr(shop, "vocabulary", None)
        return _plain_yes(
            tuple(getattr(vocabulary, "yes_words", ())), tuple(getattr(vocabulary, "yes_also", ()))
        )

    def said(self, text: str) -> bool:
        """Whether a message is a plain yes ("yep", "Yes, that's it", "yeah go on pls")."""
        words = words_of(text)
        return (
            bool(words)
            and words[0] in self.words
            and all(word in self.words or word in self.also for word in words)
        )


@functools.lru_cache(maxsize=8)
def _plain_yes(words: tuple[str, ...], also: tuple[str, ...]) -> PlainYes:
    return PlainYes(
        frozenset(word for phrase in words for word in words_of(phrase)),
        frozenset(word for phrase in also for word in words_of(phrase)),
    )


def buttons_of(message: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The buttons of a bot message: Rasa's `buttons` or the widget's `quick_replies`."""
    if not message:
        return []
    buttons = message.get("buttons") or message.get("quick_replies") or []
    return [
        {"title": str(button.get("title") or ""), "payload": str(button.get("payload") or "")}
        for button in buttons
        if isinstance(button, Mapping) and button.get("payload")
    ]


def pressed(buttons: Sequence[Mapping[str, Any]], text: str | None, yes: PlainYes) -> str | None:
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
        return payloads[0] if yes.said(text) else None
    return None


async def offer(live: LiveState, conversation_id: str, message: Mapping[str, Any] | None) -> None:
    """Note the bot's latest message to a conversation (None: it has none since the
    customer's latest message): its buttons are what a typed answer may press next."""
    try:
        await live.offer_buttons(conversation_id, buttons_of(message))
    except Exception:  # a typed answer then reaches the bot as typed
        logger.exception("noting the buttons offered to %s failed", conversation_id)


async def as_pressed(live: LiveState, conversation_id: str, text: str, yes: PlainYes) -> str:
    """The text Rasa should handle for a customer's message: the payload of the button it
    means on the bot's latest message, or the message itself. The message takes the buttons:
    what the customer says next needs the bot's next buttons."""
    if not text:
        return text
    try:
        buttons = await live.take_buttons(conversation_id)
    except Exception:  # the message itself still reaches the bot
        logger.exception("reading the buttons offered to %s failed", conversation_id)
        return text
    return pressed(buttons, text, yes) or text
