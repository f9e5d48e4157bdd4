"""A typed answer to the bot's own buttons acts as the button.

A customer who types a button's title ("Book a free check"), or a plain yes ("yep, that's it")
or no ("nah thanks") to a yes-or-no offer with buttons, means that button: the channel hands
Rasa the button's payload in place of the text, so the typed answer goes where the tap would.
The payload is
always one of the bot's own buttons on its latest message, never built from the customer's
words.

The channels note the buttons of each bot message as they send it (`offer`, in the live state
that all Rasa processes share), and each customer message takes them: the conversation's
tracker is not read again for them. The words of a plain yes and no are the customers' language
and come from the business file (`vocabulary.plain_yes`, `vocabulary.plain_no`).
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

__all__ = [
    "TYPED_KEY",
    "Acknowledgement",
    "PlainYes",
    "as_pressed",
    "buttons_of",
    "offer",
    "pressed",
]

_NO_PAYLOAD = "/deny"
_WORD = re.compile(r"[a-z0-9']+")


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


@dataclass(frozen=True)
class PlainYes:
    """What a plain yes is: it starts with one of `words` (or of `phrases`, several words like
    "go on"), then has only words of `words` or `also`. `no` is the plain no, read the same way."""

    words: frozenset[str] = frozenset()
    also: frozenset[str] = frozenset()
    phrases: tuple[tuple[str, ...], ...] = ()
    no: PlainYes | None = None
    # An acknowledgement ("ok thanks"): never a yes, though it starts as one.
    thanks_for_it: Acknowledgement | None = None

    @staticmethod
    def of(shop: Any) -> PlainYes:
        """The plain yes and no of a business file (`voice.business.Business`; none without
        one)."""
        vocabulary = getattr(shop, "vocabulary", None)

        def listed(name: str) -> tuple[str, ...]:
            return tuple(getattr(vocabulary, name, ()))

        no = _plain_yes(listed("no_words"), listed("no_also"), None)
        thanks = Acknowledgement.of(listed("ack_words"), listed("ack_thanks"), listed("ack_also"))
        return _plain_yes(listed("yes_words"), listed("yes_also"), no, thanks)

    def rest(self, words: list[str]) -> list[str] | None:
        """The words after the answer's first word or phrase; None when it starts otherwise."""
        if words and words[0] in self.words:
            return words[1:]
        for phrase in self.phrases:
            if tuple(words[: len(phrase)]) == phrase:
                return words[len(phrase) :]
        return None

    def starts(self, text: str) -> bool:
        """Whether a text starts as this answer does (a button's title: "Yes, reserve it")."""
        return self.rest(words_of(text)) is not None

    def said(self, text: str) -> bool:
        """Whether a message is a plain yes ("yep", "Yes, that's it", "go on then pls")."""
        if self.thanks_for_it is not None and self.thanks_for_it.said(text):
            return False  # "ok thanks" thanks the bot for its answer: it takes nothing up
        rest = self.rest(words_of(text))
        return rest is not None and all(word in self.words or word in self.also for word in rest)

    def said_no(self, text: str) -> bool:
        """Whether a message is a plain no ("nah", "no thanks")."""
        return self.no is not None and self.no.said(text)


@dataclass(frozen=True)
class Acknowledgement:
    """A message that thanks the bot for what it said ("ok thanks", "okay, cheers"): it starts
    with one of `words`, then has one of `thanks` and otherwise only words of `also`."""

    words: frozenset[str] = frozenset()
    thanks: frozenset[str] = frozenset()
    also: frozenset[str] = frozenset()

    @staticmethod
    def of(words: Sequence[str], thanks: Sequence[str], also: Sequence[str]) -> Acknowledgement:
        def split(listed: Sequence[str]) -> frozenset[str]:
            return frozenset(word for phrase in listed for word in words_of(phrase))

        return Acknowledgement(split(words), split(thanks), split(also))

    def said(self, text: str | None) -> bool:
        said = words_of(text or "")
        if len(said) < 2 or said[0] not in self.words:
            return False
        rest = said[1:]
        return any(word in self.thanks for word in rest) and all(
            word in self.thanks or word in self.also for word in rest
        )


@functools.lru_cache(maxsize=16)
def _plain_yes(
    words: tuple[str, ...],
    also: tuple[str, ...],
    no: PlainYes | None,
    thanks_for_it: Acknowledgement | None = None,
) -> PlainYes:
    split = [tuple(words_of(phrase)) for phrase in words]
    return PlainYes(
        frozenset(phrase[0] for phrase in split if len(phrase) == 1),
        frozenset(word for phrase in also for word in words_of(phrase)),
        tuple(phrase for phrase in split if len(phrase) > 1),
        no,
        thanks_for_it,
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
    """The payload of the button a typed message means, or None: a button's own title, a
    plain yes or no to a yes-or-no offer, or, among choices that are not a yes and a no, the
    words of one choice's title only, with a plain yes's words around them.

    An offer is a yes-or-no one when it has two buttons, the second declining (its payload
    `/deny` or its title a no: "No, keep it") or the first accepting (its title a yes: "Yes,
    reserve it for me"); a plain yes takes the first, a plain no the second when it declines.
    Anything else reaches the bot as typed."""
    if not text or text.startswith("/") or not buttons:
        return None
    typed = words_of(text)
    for button in buttons:
        if typed and words_of(str(button.get("title") or "")) == typed:
            return str(button.get("payload") or "") or None
    if len(buttons) != 2:
        return _named_choice(buttons, typed, yes)
    (accept, accepting), (decline, declining) = (
        (str(button.get("payload") or ""), str(button.get("title") or "")) for button in buttons
    )
    if not accept or not decline or accept == _NO_PAYLOAD:
        return None
    declines = decline == _NO_PAYLOAD or (yes.no is not None and yes.no.starts(declining))
    if not (declines or yes.starts(accepting)):
        # Two choices, neither a yes nor a no ("Return or exchange it", "Book a free check").
        return _named_choice(buttons, typed, yes)
    if yes.said(text):
        return accept
    return decline if declines and yes.said_no(text) else None


def _named_choice(
    buttons: Sequence[Mapping[str, Any]], typed: list[str], yes: PlainYes
) -> str | None:
    """The payload of the one button whose title has every word the message says besides a
    plain yes's ("yes the free check please" for "Book a free check"); None when no button or
    more than one has them."""
    after_yes = yes.rest(typed)
    said = {
        word
        for word in (typed if after_yes is None else after_yes)
        if word not in yes.words and word not in yes.also
    }
    if not said:
        return None
    named = [
        str(button.get("payload") or "")
        for button in buttons
        if said <= set(words_of(str(button.get("title") or "")))
    ]
    return named[0] if len(named) == 1 and named[0] else None


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
