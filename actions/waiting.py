"""Every message answered while a chat waits for a person.

After `action_handoff` the bot is paused: Rasa logs what the customer writes (the console and
the exchange log show it) but predicts nothing. The widget channel runs `action_waiting_reply`
for each message that reaches a paused chat no agent has claimed (bot/waiting.py), so the
customer is never left without a reply: the first message is acknowledged with the reply time
promised by the handoff, later ones briefly. While an agent holds the chat, the agent answers
and this action stays silent.

Out of hours (a handoff that took a message), the team needs a way to reply: the first
acknowledgement asks for an email address or phone number (a signed-in customer whose shop
record has an email is asked to confirm it instead), a contact that can't be read is explained
once with an example and then left out (never a third identical ask), "no thanks" is accepted,
and the contact given is confirmed back and kept on the conversation's own handoff, where the
agent console shows it. Once the contact is settled (kept, declined or left out), the message
is complete: the conversation goes back to the bot, which answers what it can, and a message it
cannot read is still added for the team (actions/fallback.py).

The state of that exchange is read from the conversation itself: the bot's replies since the
pause name their responses (`utter_action` in their metadata).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import dataclass, field

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, ConversationResumed
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.base import DomainDict, Events, ShopAction
from actions.ownership import email_in
from actions.shop import shop_records
from memory.handoffs import Handoff
from voice.asked import asks_something
from voice.business import Business

NOTED = "utter_waiting_noted"
NOTED_SOON = "utter_waiting_noted_soon"
MORE = "utter_waiting_more"
ASK_CONTACT = "utter_waiting_ask_contact"
CONFIRM_EMAIL = "utter_waiting_confirm_email"
CONTACT_EXAMPLE = "utter_waiting_contact_example"
CONTACT_SAVED = "utter_waiting_contact_saved"
CONTACT_DECLINED = "utter_waiting_contact_declined"
CONTACT_LEFT_OUT = "utter_waiting_contact_left_out"
ASKS = (ASK_CONTACT, CONFIRM_EMAIL, CONTACT_EXAMPLE)
SETTLED = (CONTACT_SAVED, CONTACT_DECLINED, CONTACT_LEFT_OUT)
WAITING_RESPONSES = frozenset({NOTED, NOTED_SOON, MORE, *ASKS, *SETTLED})
# No more than this many asks for a contact (the first, then one with an example).
MAX_CONTACT_ASKS = 2

# A phone number: digits with the usual separators, 10 to 15 digits in all (E.164 allows 15).
_PHONE = re.compile(r"(?<![\w@])[+(]?\d[\d\s().-]{7,22}\d(?![\w@])")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 10, 15
# Something meant as a contact that may not be one: an @, a long run of digits, or a short
# message about an email address or number.
_CONTACT_ATTEMPT = re.compile(r"@|\d[\d\s().-]{4,}\d")
_CONTACT_WORDS = re.compile(r"\b(?:e-?mail|phone|mobile|cell|number|tel|call|text)\b", re.I)
SHORT_MESSAGE_WORDS = 8
_NO_THANKS = re.compile(
    r"^\W*(?:no|nope|nah|no thanks?|no thank you|not now|rather not|i'?d rather not|skip|"
    r"no need|here is fine|here'?s fine|just here|this chat is fine)\b",
    re.I,
)
_YES = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|sure|ok|okay|correct|that'?s (?:right|it|fine))\b", re.I
)


@dataclass(frozen=True)
class WaitingSoFar:
    """What the bot has said since the chat was paused for a person."""

    replies: int = 0  # acknowledgements and contact questions, all of them
    asks: int = 0  # questions for a contact (the first ask, a confirmation, an example)
    settled: bool = False  # a contact was kept, declined or left out
    confirming: bool = False  # the latest ask offered the email of the customer's record


@dataclass(frozen=True)
class Reply:
    """The responses to send, and a contact to keep on the handoff."""

    responses: list[str] = field(default_factory=list)
    contact: str | None = None


def since_pause(events: list[dict]) -> WaitingSoFar:
    """The bot's waiting replies since the latest pause, from the conversation's events."""
    start = 0
    for index, event in enumerate(events):
        if event.get("event") == "pause":
            start = index + 1
    said = [
        str((event.get("metadata") or {}).get("utter_action") or "")
        for event in events[start:]
        if event.get("event") == "bot"
    ]
    waiting = [name for name in said if name in WAITING_RESPONSES]
    asks = [name for name in waiting if name in ASKS]
    return WaitingSoFar(
        replies=len(waiting),
        asks=len(asks),
        settled=any(name in SETTLED for name in waiting),
        confirming=bool(asks) and asks[-1] == CONFIRM_EMAIL,
    )


def phone_in(text: str | None) -> str | None:
    """A phone number in a message (10 to 15 digits with spaces, dots, dashes, brackets or a
    leading +), as written; None when there is none."""
    for found in _PHONE.finditer(text or ""):
        digits = re.sub(r"\D", "", found.group(0))
        if MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
            return found.group(0).strip()
    return None


def contact_in(text: str | None) -> str | None:
    """The email address (lower-cased) or phone number a message gives, or None."""
    email = email_in(text)
    if email is not None:
        return email.lower()
    return phone_in(text)


def tries_a_contact(text: str | None, asks: bool = False) -> bool:
    """Whether a message looks meant as a contact that can't be read as one. A message that
    `asks` something ("what's your phone number?", "can you check order 48213?") is a
    question, not a contact, unless it holds an @."""
    text = text or ""
    if asks:
        return "@" in text
    if _CONTACT_ATTEMPT.search(text):
        return True
    return bool(_CONTACT_WORDS.search(text)) and len(text.split()) <= SHORT_MESSAGE_WORDS


def says_no_thanks(intent: str | None, text: str | None) -> bool:
    return intent == "deny" or bool(_NO_THANKS.match(text or ""))


def says_yes(intent: str | None, text: str | None) -> bool:
    return intent == "affirm" or bool(_YES.match(text or ""))


def plan_reply(
    so_far: WaitingSoFar,
    *,
    wants_contact: bool,
    text: str | None,
    intent: str | None,
    known_email: str | None = None,
    asks: bool = False,
) -> Reply:
    """What to answer one message of a waiting chat.

    `wants_contact`: the handoff took a message for the team (out of hours, nobody online) and
    has no contact yet. `known_email`: the email of a signed-in customer's own shop record.
    `asks`: the message asks something (a question the bot could not answer by itself, added
    to the message): never taken for a try at a contact.
    """
    first = so_far.replies == 0
    opening = [NOTED] if first else []
    if not wants_contact or so_far.settled:
        return Reply([NOTED] if first else [MORE])
    contact = contact_in(text)
    if contact is not None:
        return Reply([*opening, CONTACT_SAVED], contact)
    if so_far.confirming and known_email and says_yes(intent, text):
        return Reply([CONTACT_SAVED], known_email)
    if so_far.asks and says_no_thanks(intent, text):
        return Reply([CONTACT_DECLINED])
    if tries_a_contact(text, asks):
        if so_far.asks >= MAX_CONTACT_ASKS:
            return Reply([*opening, CONTACT_LEFT_OUT])
        return Reply([*opening, CONTACT_EXAMPLE])
    if first:
        return Reply([NOTED, CONFIRM_EMAIL if known_email else ASK_CONTACT])
    return Reply([MORE])


def completes_the_message(reply: Reply) -> bool:
    """Whether the reply settles the contact: the message for the team is complete, and the
    chat goes back to the bot."""
    return any(response in SETTLED for response in reply.responses)


def left_a_message_this_session(events: list[dict]) -> bool:
    """Whether the chat was handed to the team in its current session (a new session is a new
    visit: what is said then is not added to an old message)."""
    start = 0
    for index, event in enumerate(events):
        if event.get("event") == "session_started":
            start = index + 1
    return any(
        event.get("event") == "action" and event.get("name") == "action_handoff"
        for event in events[start:]
    )


async def waiting_message(tracker: Tracker) -> Handoff | None:
    """The chat's handoff when it left a message for the team in this visit that no one has
    taken up yet (what the bot cannot read now is more for that message), else None."""
    if not left_a_message_this_session(list(tracker.events or [])):
        return None
    queue = (await base.store()).handoffs
    handoff: Handoff | None = await asyncio.to_thread(queue.open_for, tracker.sender_id)
    if handoff is None or handoff.state != "waiting" or not handoff.offline:
        return None
    return handoff


async def added_to_the_message(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Add a message the bot cannot act on to the message left for the team in this visit, and
    say so; a contact given late is kept as the team's way to reply. False when no message
    waits (the caller answers as usual)."""
    handoff = await waiting_message(tracker)
    if handoff is None:
        return False
    contact = contact_in((tracker.latest_message or {}).get("text"))
    if contact is not None and not handoff.contact:
        queue = (await base.store()).handoffs
        await asyncio.to_thread(queue.leave_contact, tracker.sender_id, contact)
        dispatcher.utter_message(response=CONTACT_SAVED, contact=contact)
        return True
    dispatcher.utter_message(response=MORE)
    return True


def reply_by_text(shop: Business, reply_by: dt.datetime | None, moment: dt.datetime) -> str | None:
    """The promised reply time the way the shop says it ("09:00 tomorrow"), in the shop's
    time; None when there is none or it has passed."""
    if reply_by is None:
        return None
    local = (
        reply_by.astimezone(moment.tzinfo)
        if moment.tzinfo is not None
        else reply_by.replace(tzinfo=None)
    )
    if local <= moment:
        return None
    return shop.format_moment(local, moment.date())


async def _known_email(tracker: Tracker, shop: Business) -> str | None:
    """The email of the signed-in customer's own shop record (never anyone else's)."""
    customer_id = tracker.get_slot("customer_id")
    if not customer_id:
        return None
    record = (await shop_records(shop)).customer(str(customer_id))
    return (record.email or None) if record is not None else None


class ActionWaitingReply(ShopAction):
    """Acknowledges a message sent while the chat waits for a person; out of hours, asks for a
    contact, validates it, confirms it back and keeps it on the conversation's handoff."""

    def name(self) -> str:
        return "action_waiting_reply"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        queue = (await base.store()).handoffs
        handoff: Handoff | None = await asyncio.to_thread(queue.open_for, tracker.sender_id)
        if handoff is not None and handoff.state == "claimed":
            return []  # a person is talking with the customer: they answer, not the bot
        so_far = since_pause(list(tracker.events or []))
        message = tracker.latest_message or {}
        wants_contact = handoff is not None and handoff.offline and not handoff.contact
        known_email = await _known_email(tracker, shop) if wants_contact else None
        reply = plan_reply(
            so_far,
            wants_contact=wants_contact,
            text=message.get("text"),
            intent=base.latest_intent(tracker),
            known_email=known_email,
            asks=asks_something(shop, message.get("text")),
        )
        contact = reply.contact
        if contact is not None:
            await asyncio.to_thread(queue.leave_contact, tracker.sender_id, contact)
        moment = base.now(shop)
        when = reply_by_text(shop, handoff.reply_by if handoff else None, moment)
        for response in reply.responses:
            if response == NOTED and when is None:
                dispatcher.utter_message(response=NOTED_SOON)
            elif response == NOTED:
                dispatcher.utter_message(response=NOTED, reply_by=when)
            elif response == CONFIRM_EMAIL:
                dispatcher.utter_message(response=CONFIRM_EMAIL, email=known_email)
            elif response == CONTACT_SAVED:
                dispatcher.utter_message(response=CONTACT_SAVED, contact=contact)
            else:
                dispatcher.utter_message(response=response)
        if completes_the_message(reply):
            # The listen that precedes any message, so the next one is predicted as usual.
            return [ConversationResumed(), ActionExecuted("action_listen")]
        return []
