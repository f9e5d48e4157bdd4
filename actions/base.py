"""Shared bases for Rapport's actions: the business file, the clock, and never failing silently.

Every action derives from `ShopAction`: it gets the validated business file (read once per
process in a worker thread), and when anything inside it fails, the error is logged and the
customer still gets an answer with a next step (the offer of a person) instead of silence.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.composition import ActionServices, compose
from bot import metrics
from bot import settings as settings_module
from bot.settings import Settings
from voice.asked import points_back_only
from voice.business import Business
from voice.catalogue import words_of
from voice.wording import indefinite, plural  # noqa: F401 (helpers)

logger = logging.getLogger(__name__)

# The events an action returns, and the domain as rasa_sdk passes it.
Events = list[dict[str, Any]]
DomainDict = dict[str, Any]

# What every action says when it cannot finish: an apology and the offer of a person.
SOMETHING_WENT_WRONG = "utter_something_went_wrong"

# The responses a message becomes when the tone guard stops the text an action built: still a
# yes, and still a next step (the message's own buttons, or the response's offer of a person).
SAFE_WITH_BUTTONS = "utter_tone_safe_next_step"
SAFE_ALONE = "utter_tone_safe_offer_person"
# Fill-ins of a response that actions build as whole sentences ("estimate_text", ...).
BUILT_TEXT_SUFFIX = "_text"


# The action server's services (actions.composition), installed by the server at start.
_services: ActionServices | None = None
_services_lock = threading.Lock()


def install(services: ActionServices | None) -> None:
    """Hand the actions of this process the services the composition root built."""
    global _services
    with _services_lock:
        _services = services


def composed() -> ActionServices:
    """The installed services; composed from `.env` on first use when the action server was
    started without them (synchronous: call it in a worker thread)."""
    global _services
    with _services_lock:
        if _services is None:
            _services = compose(settings_module.load())
        return _services


async def services() -> ActionServices:
    return await asyncio.to_thread(composed)


async def settings() -> Settings:
    """Rapport's settings, read once per process (in a worker thread: it reads `.env`)."""
    return (await services()).settings


async def load_business() -> Business:
    """The business file, read and validated once per process, off the event loop."""
    return await asyncio.to_thread((await services()).business)


def now(shop: Business) -> dt.datetime:
    """The shop's local time now: the business's one clock (SHOP_CLOCK sets it for tests and
    demos; unit tests may also replace this function)."""
    return shop.local_now()


def today(shop: Business) -> dt.date:
    return now(shop).date()


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message or {}).get("intent", {}).get("name")


def latest_entity_values(tracker: Tracker, entity: str) -> list[str]:
    entities = (tracker.latest_message or {}).get("entities", []) or []
    return [str(item.get("value")) for item in entities if item.get("entity") == entity]


def named_product(tracker: Tracker) -> str | None:
    """The product the latest message names, else the one the conversation is about."""
    named = latest_entity_values(tracker, "product")
    return named[-1] if named else tracker.get_slot("product")


def previous_turn_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The events between the customer's last two messages (the bot's previous turn), oldest
    first; from the start of the conversation when there is only one message."""
    found: list[dict[str, Any]] = []
    seen_user = False
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            if seen_user:
                break
            seen_user = True
        elif seen_user:
            found.append(event)
    return found[::-1]


def acted_last_turn(tracker: Tracker, name: str) -> bool:
    """Whether the bot ran action `name` in its previous turn (a complaint, then the handoff
    that followed it, say)."""
    return any(
        event.get("event") == "action" and event.get("name") == name
        for event in previous_turn_events(tracker)
    )


def previous_action(tracker: Tracker) -> str | None:
    """The bot's last action before the latest customer message (ignoring listening)."""
    actions = [
        str(event["name"])
        for event in previous_turn_events(tracker)
        if event.get("event") == "action" and event.get("name") not in ("action_listen", None)
    ]
    return actions[-1] if actions else None


def messages_since(tracker: Tracker, intent: str, limit: int = 6) -> list[str]:
    """The customer's typed messages since they last asked with `intent` (that one included),
    oldest first, at most the latest `limit`. Button payloads ("/affirm") are left out."""
    texts: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        text = str(event.get("text") or "")
        if text and not text.startswith("/"):
            texts.append(text)
        asked = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if asked == intent or len(texts) >= limit:
            break
    return texts[::-1]


class ShopAction(Action, ABC):
    """An action that answers from the business file and always leaves the customer a next step.

    An action that only answers (`never_repeats`) never sends its previous reply again, word for
    word, to a different message: the customer asked something new that the answer does not
    cover, so the bot says so and who can tell (`answer_instead_of_repeating`)."""

    never_repeats: ClassVar[bool] = False

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    async def answer(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
        shop: Business,
    ) -> list[dict[str, Any]]:
        """Answer the customer; return the events to apply."""

    def instead_of_repeating(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        shop: Business,
        events: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """What to say instead of the previous reply again (`never_repeats`)."""
        return answer_instead_of_repeating(dispatcher, shop, events)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            shop = await load_business()
            events = await self.answer(dispatcher, tracker, domain, shop)
            if self.never_repeats and repeats_the_previous_reply(
                shop, tracker, dispatcher.messages
            ):
                dispatcher.messages.clear()
                events = self.instead_of_repeating(dispatcher, tracker, shop, events)
        except Exception:  # the customer must still get an answer; the log gets the details
            logger.exception("%s failed for conversation %s", self.name(), tracker.sender_id)
            metrics.action_failed(self.name())
            dispatcher.messages.clear()
            dispatcher.utter_message(response=SOMETHING_WENT_WRONG)
            return []
        await check_tone(dispatcher.messages, f"{self.name()} for {tracker.sender_id}")
        dispatcher.messages[:] = with_content(dispatcher.messages)
        return events


# --- never the same reply twice in a row ------------------------------------------------------

# What the bot says instead of its previous reply again: that reply is all it knows about it,
# and who can tell the rest.
NOTHING_MORE_TO_ADD = "utter_nothing_more_to_add"
# The keys of a message an action sends that are not the words of its reply.
_NOT_FILL_INS = frozenset({"response", "template", "buttons", "text", "json_message", "custom"})


def _previous_customer_text(tracker: Tracker) -> str | None:
    """The customer's message before the latest one."""
    seen_latest = False
    for event in reversed(tracker.events or []):
        if event.get("event") != "user":
            continue
        if seen_latest:
            return str(event.get("text") or "")
        seen_latest = True
    return None


def _same_message(sending: dict[str, Any], sent: dict[str, Any]) -> bool:
    """Whether a message about to be sent says what a bot event of the previous turn said: the
    same text, or the same response with the same fill-ins."""
    metadata = sent.get("metadata") or {}
    shown = str(sent.get("text") or "")
    response = sending.get("response") or sending.get("template")
    if not response:
        return bool(sending.get("text")) and str(sending.get("text")).strip() == shown.strip()
    if metadata.get("utter_action") != response:
        return False
    for key, value in sending.items():
        if key in _NOT_FILL_INS or not value:
            continue  # nothing said by it (Rasa keeps no empty value in the metadata)
        if str(metadata.get(key)) != str(value) and str(value) not in shown:
            return False
    return True


def repeats_the_previous_reply(
    shop: Business, tracker: Tracker, messages: list[dict[str, Any]]
) -> bool:
    """Whether `messages` are the bot's previous reply again, word for word, to a message that
    is not the previous one again nor only points back at it ("?", "and that?") nor a button."""
    if not messages:
        return False
    text = str((tracker.latest_message or {}).get("text") or "")
    before = _previous_customer_text(tracker)
    if before is None or text.startswith("/") or points_back_only(shop, text):
        return False
    if words_of(text) == words_of(before):
        return False  # asked again in the same words: the same answer is the answer
    said = [event for event in previous_turn_events(tracker) if event.get("event") == "bot"]
    if len(said) != len(messages):
        return False
    return all(_same_message(m, e) for m, e in zip(messages, said, strict=True))


def answer_instead_of_repeating(
    dispatcher: CollectingDispatcher, shop: Business, events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The previous reply is all the bot knows about this: it says so and who can tell (the
    phone, the email, or a person now). The slots the answer set are kept; nothing else."""
    place = shop.locations[0]
    dispatcher.utter_message(response=NOTHING_MORE_TO_ADD, phone=place.phone, email=place.email)
    return [event for event in events if event.get("event") == "slot"]


# --- nothing empty is sent ---------------------------------------------------------------------

# A text that is only a missing value turned into words by str().
_NO_WORDS = frozenset({"none", "null"})
# What a message may hold besides its text, each enough to send it.
_CONTENT_KEYS = ("response", "template", "buttons", "custom", "image", "attachment", "elements")


def with_content(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages with something in them. A text that is None, blank or a None written out
    ("None") is no text; a message left with no text, response, buttons or payload is not sent
    (a client that shows every message's text would show the customer "None")."""
    kept = []
    for message in messages:
        text = message.get("text")
        if text is not None and (
            not isinstance(text, str) or not text.strip() or text.strip().lower() in _NO_WORDS
        ):
            message["text"] = None
        if message.get("text") or any(message.get(key) for key in _CONTENT_KEYS):
            kept.append(message)
    return kept


# --- the tone guard on text built at run time ------------------------------------------------


# A message's own safe words for when its text fails the tone guard (never sent as such).
TONE_FALLBACK = "tone_fallback"


def _built_texts(messages: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    """(message index, key, text) of each text an action built: whole messages and fill-ins."""
    found = []
    for index, message in enumerate(messages):
        if isinstance(message.get("text"), str) and message["text"].strip():
            found.append((index, "text", message["text"]))
        if message.get("response"):
            for key, value in message.items():
                if key.endswith(BUILT_TEXT_SUFFIX) and isinstance(value, str) and value.strip():
                    found.append((index, key, value))
    return found


def _verdicts(texts: list[str]) -> list[Any]:
    """The rules' verdicts on texts an action built (synchronous: in a worker thread)."""
    guard = composed().rules_guard()
    return [guard.check(text) for text in texts]


async def check_tone(messages: list[dict[str, Any]], where: str) -> None:
    """Check every text an action built before it is sent; replace what fails, and say why.

    A whole message that fails becomes its own `tone_fallback` when the action gave one (the
    complaint protocol's plain apology), else a safe yes with a next step (a domain response);
    a failing fill-in of a response is left out. The message's `tone` metadata records the
    findings and the original words, so the exchange log shows what was replaced and trainers
    can fix its source.
    """
    fallbacks = {index: message.pop(TONE_FALLBACK, None) for index, message in enumerate(messages)}
    built = _built_texts(messages)
    if not built:
        return
    try:
        verdicts = await asyncio.to_thread(_verdicts, [text for _, _, text in built])
    except Exception:  # the guard failing must not keep the customer waiting
        logger.exception("tone guard unavailable; %s sent unchecked", where)
        return
    for (index, key, text), verdict in zip(built, verdicts, strict=True):
        if verdict.ok:
            continue
        findings = [finding.as_dict() for finding in verdict.findings]
        # The words themselves only at DEBUG: they may quote what the customer said.
        logger.warning("tone guard replaced %s of %s: %s", key, where, findings)
        logger.debug("tone guard replaced %s of %s: %r", key, where, text)
        message = messages[index]
        if key == "text":
            if fallbacks.get(index):
                message["text"] = fallbacks[index]
            else:
                # The domain's safe response, with the message's own buttons (if any) after it.
                message["text"] = None
                message["response"] = SAFE_WITH_BUTTONS if message.get("buttons") else SAFE_ALONE
        else:
            message[key] = ""
        note = message.setdefault("tone", {"replaced": []})
        note["replaced"].append({"field": key, "original": text, "findings": findings})


# --- the relationship memory ----------------------------------------------------------------


async def store() -> Any:
    """The relationship memory of this process (built by the composition root with the
    `RELATIONSHIP_*` rules, the same rules as the Rasa server's: both judge a customer alike)."""
    return await asyncio.to_thread((await services()).memory)


async def with_memory(
    work: Callable[..., Any], *args: Any, conversation: str = "", default: Any = None
) -> Any:
    """`work(store, *args)` in a worker thread; `default` (and a log line) when memory fails.

    Actions use this for every read and write of the memory, so that a database that is down
    or holds bad data costs the customer the personal touch, never the answer.
    """
    try:
        memory = await store()
        return await asyncio.to_thread(work, memory, *args)
    except Exception:  # the conversation goes on without memory; the log gets the details
        logger.exception(
            "relationship memory unavailable for conversation %s (%s)",
            conversation,
            getattr(work, "__name__", "work"),
        )
        return default
