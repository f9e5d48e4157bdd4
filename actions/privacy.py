"""The customer's privacy: what the bot remembers about them, forgetting it, and a copy of it.

The answers come from the relationship memory (memory/privacy.py does the forgetting and the
export) and from this conversation's slots. When the memory cannot be reached the customer is
told so honestly, with what this conversation holds and the offer of a person.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.base import DomainDict, Events, ShopAction
from actions.greeting import reply_promise_told
from actions.shop_records import normalise_reference
from voice.business import Business

# Slots that say something about the customer; each is described to them by the business
# file's template `fact_<slot>` ("Your name").
PERSONAL_SLOTS = (
    "customer_name",
    "customer_id",
    "preferences",
    "aspirations",
    "ideas",
    "bike_type",
    "product",
    "order_id",
    "repair_bike",
    "return_order_id",
    "return_item",
)
# Slots that hold an order number or repair reference.
REFERENCE_SLOTS = frozenset({"order_id", "return_order_id"})
logger = logging.getLogger(__name__)
# Rasa saves this turn's events (and the event broker logs them) after the action has run. The
# action marks the turn with this slot; the tracker store (bot/tracker_store.py) then deletes
# what that save wrote back, in order with the event broker's queue.
FORGOTTEN_SLOT = "forgotten"

# A fact of at least this many words inside a longer one is the same thing said twice.
REPEAT_MIN_WORDS = 3

# Slots the channel sets (who is signed in); forgetting the conversation keeps the sign-in.
KEPT_ON_FORGET = ("customer_id",)


@dataclass(frozen=True)
class Held:
    """One thing we hold about the customer: a label and its values ("Your goal": [...]), or a
    sentence of its own (no label). Rendered in the business file's words by `lines`."""

    label: str
    values: tuple[str, ...] = ()

    @property
    def note(self) -> bool:
        return not self.values

    @classmethod
    def of(cls, label: str, value: Any) -> Held:
        """What was said under `label`: one value, or a list of them."""
        values = value if isinstance(value, list) else [value]
        return cls(label, tuple(str(item) for item in values))

    @classmethod
    def sentence(cls, text: str) -> Held:
        """Something we hold that is a sentence of its own."""
        return cls(text)


def lines(shop: Business, held: list[Held]) -> str:
    """What we hold, one bulleted line each: "• label: value; value" in the business file's
    words (`fact_line`, `fact_values`, `list_bullet`)."""
    words = shop.template

    def values(items: tuple[str, ...]) -> str:
        joined = items[-1]
        for item in reversed(items[:-1]):
            joined = words("fact_values").format(first=item, rest=joined)
        return joined

    return shop.wording.bullets(
        item.label
        if item.note
        else words("fact_line").format(label=item.label, value=values(item.values))
        for item in held
    )


def personal_facts(tracker: Tracker, shop: Business, skip: tuple[str, ...] = ()) -> list[Held]:
    facts = []
    for slot in PERSONAL_SLOTS:
        value = tracker.get_slot(slot)
        if slot in REFERENCE_SLOTS:
            # Only a reference in the shop's format: a letter the language model took for one
            # ("hey me again" -> "m") is not something the customer told us.
            value = normalise_reference(str(value or ""))
        if value not in (None, "", []) and slot not in skip:
            facts.append(Held.of(shop.template(f"fact_{slot}"), value))
    return facts


def _normalised(value: str) -> str:
    return " ".join(value.lower().split()).rstrip(".")


def without_repeats(remembered: list[Held], from_chat: list[Held]) -> list[Held]:
    """The memory's facts then this chat's, each thing the customer told us said only once.

    The memory and the slots often hold the same thing under different labels (the memory's
    "Your goal" is the slot's "What you're aiming for"), so repeats are found by value.
    """
    facts: list[Held] = []
    said: set[str] = set()

    def known(value: str) -> bool:
        # "I'm training for a gravel century in May" repeats "gravel century in May"; a word or
        # two ("gravel", "Trek") inside a longer fact is a fact of its own.
        for earlier in said:
            shorter, longer = sorted((value, earlier), key=len)
            if shorter == longer or (
                len(shorter.split()) >= REPEAT_MIN_WORDS and f" {shorter} " in f" {longer} "
            ):
                return True
        return False

    for item in [*remembered, *from_chat]:
        told = [value for value in item.values if value]
        values = [_normalised(value) for value in told]
        if values and all(known(value) for value in values):
            continue
        fresh = tuple(said_ for said_, value in zip(told, values, strict=True) if not known(value))
        said.update(values)
        facts.append(Held(item.label, fresh) if fresh and len(fresh) < len(values) else item)
    return facts


def message_count(tracker: Tracker) -> int:
    return sum(1 for event in tracker.events if event.get("event") == "user")


def remembered_facts(store: Any, sender_id: str, shop: Business) -> list[Held] | None:
    """What the memory holds about the customer, in the business file's words (None: never
    seen them)."""
    card = store.cards.card_for_sender(sender_id)
    if card is None:
        return None
    words = shop.template
    facts = []
    if card.name:
        facts.append(Held.of(words("fact_customer_name"), card.name))
    for fact in card.preferences:
        if fact.kind == "size":
            label = " ".join(words("fact_size").format(key=fact.key or "").split())
        else:
            label = words("fact_bike" if fact.kind == "bike" else "fact_preferences")
        facts.append(Held.of(label, fact.value))
    for aspiration in card.aspirations:
        facts.append(Held.of(words("fact_goal"), aspiration))
    for issue in card.open_issues:
        facts.append(Held.of(words("fact_open_issue"), issue.summary))
    for promise in card.promises_due:
        # A reply promised when they left a message: in words written for them, not the team's.
        told = reply_promise_told(shop, promise.text)
        facts.append(Held.sentence(told) if told else Held.of(words("fact_promise"), promise.text))
    if card.visits:
        visits = base.plural(card.visits, words("fact_visits_one"), words("fact_visits_other"))
        facts.append(Held.sentence(visits))
    return facts


def forget_sender(
    store: Any, sender_id: str, tracker_url: str, bookings_url: str | None = None
) -> int:
    """Forget the customer behind `sender_id` in every store; the conversations removed."""
    from memory import privacy

    card = store.cards.card_for_sender(sender_id)
    if card is None:
        if bookings_url:
            privacy.delete_bookings(bookings_url, [sender_id], None)
        return privacy.delete_tracker_conversations(tracker_url, [sender_id])
    forgotten = privacy.forget_customer(store, card.customer_id, tracker_url, bookings_url)
    return len(forgotten.sender_ids)


def export_sender(
    store: Any, sender_id: str, tracker_url: str | None = None, bookings_url: str | None = None
) -> dict[str, Any] | None:
    from memory import privacy

    # By sender id only: a conversation can never ask for another customer's data.
    card = store.cards.card_for_sender(sender_id)
    if card is None:
        return None
    return privacy.export_customer(store, card.customer_id, tracker_url, bookings_url)


class ActionWhatDoYouKnow(ShopAction):
    """Tells the customer what this conversation holds about them."""

    def name(self) -> str:
        return "action_what_do_you_know"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        remembered = await base.with_memory(
            remembered_facts, tracker.sender_id, shop, conversation=tracker.sender_id, default=False
        )
        if remembered is False:  # the memory is down: say what this conversation holds
            facts = personal_facts(tracker, shop) or [
                Held.sentence(shop.template("fact_chat_only"))
            ]
            dispatcher.utter_message(
                response="utter_what_i_know_memory_down", facts=lines(shop, facts)
            )
            return []
        facts = without_repeats(
            remembered or [], personal_facts(tracker, shop, skip=KEPT_ON_FORGET)
        )
        if not facts:
            dispatcher.utter_message(response="utter_know_nothing")
            return []
        dispatcher.utter_message(response="utter_what_i_know", facts=lines(shop, facts))
        return []


class ActionForgetMe(ShopAction):
    """Forgets what the customer told us in this conversation (after they confirmed)."""

    def name(self) -> str:
        return "action_forget_me"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        kept = [SlotSet(slot, tracker.get_slot(slot)) for slot in KEPT_ON_FORGET]
        config = await base.settings()
        removed = await base.with_memory(
            forget_sender,
            tracker.sender_id,
            config.tracker_store_url,
            config.bookings_url,
            conversation=tracker.sender_id,
        )
        if removed is None:  # not forgotten: say so, and offer the person who can do it
            dispatcher.utter_message(response="utter_forget_failed")
            return []
        logger.info("forgot the customer of conversation %s", tracker.sender_id)
        dispatcher.utter_message(response="utter_forgot")
        return [
            AllSlotsReset(),
            *[event for event in kept if event["value"] is not None],
            SlotSet(FORGOTTEN_SLOT, True),
        ]


class ActionExportMyData(ShopAction):
    """Gives the customer a copy of what this conversation holds about them."""

    def name(self) -> str:
        return "action_export_my_data"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        config = await base.settings()
        data = await base.with_memory(
            export_sender,
            tracker.sender_id,
            config.tracker_store_url,
            config.bookings_url,
            conversation=tracker.sender_id,
            default=False,
        )
        words = shop.template
        facts = personal_facts(tracker, shop) or [Held.sentence(words("export_chat_only"))]
        facts.append(Held.of(words("export_messages_sent"), message_count(tracker)))
        if data is False:
            dispatcher.utter_message(response="utter_export_memory_down", export=lines(shop, facts))
            return []
        if data:
            held = {
                kind: base.plural(
                    len(data.get(kind, [])),
                    words(f"count_{kind}_one"),
                    words(f"count_{kind}_other"),
                )
                for kind in ("exchanges", "facts", "issues")
            }
            facts.append(Held.sentence(words("export_memory_holds").format(**held)))
        dispatcher.utter_message(response="utter_export", export=lines(shop, facts))
        if data:
            # A message the widget offers as a download (my-data.json).
            dispatcher.utter_message(
                json_message={
                    "type": "download",
                    "filename": "my-data.json",
                    "mime_type": "application/json",
                    "data": json.dumps(data, default=str),
                }
            )
        return []
