"""Complaints: acknowledge, apologise without "but", own it, offer a remedy, promise a follow-up.

`action_handle_complaint` answers every complaint with one protocol. The words and the remedies
come from the business file's `say_yes:` section (the `complaints` words and the `complaint`
kind of the say-yes ladder), never from code. The complaint is recorded in the relationship
memory as an open issue with the promised follow-up, so the team can keep the promise. A person
is brought in when the complaint is serious (the `serious_words`), when the customer is at risk
or complains again (the ladder's `person_when`), and when the memory cannot record the promise:
then a person follows up instead, so no promise is made that nobody will see.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.base import DomainDict, Events, ShopAction
from actions.requests import COMPLAINT, load_rules, standing_from_card
from memory import services
from voice import say_yes
from voice.asked import asks_something
from voice.business import Business
from voice.say_yes import ComplaintWords, Decision, Request, SayYesRules, Standing

logger = logging.getLogger(__name__)

HANDOFF = "action_handoff"
COMPLAINT_KIND = "complaint"  # the say-yes kind of a complaint of no known kind
ISSUE_KIND = COMPLAINT
MAX_SUMMARY = 500  # characters of the customer's words kept as the issue's summary


@dataclass(frozen=True)
class RecordedComplaint:
    """What the memory knew and kept: the customer's standing, the issue and the promise."""

    standing: Standing
    issue_id: int
    promise_id: int


def record_complaint(
    store: Any, sender_id: str, summary: str, promise: str, due_at: dt.datetime
) -> RecordedComplaint:
    """Read the customer's standing, then record the complaint and the promised follow-up.

    Synchronous (database work): run it in a worker thread. The standing counts this complaint,
    so a second open complaint is a repeated one.
    """
    customer_id = store.customers.customer_for_sender(sender_id)
    card = store.cards.card(customer_id)
    known = standing_from_card(card)
    standing = replace(known, open_complaints=known.open_complaints + 1)
    # The complaint and its promise commit together or not at all.
    recorded = services.complaint_with_promise(
        store, customer_id, summary, promise, due_at, sender_id=sender_id
    )
    return RecordedComplaint(standing, recorded.issue_id, recorded.promise_id)


def follow_up_due(shop: Business, days: int) -> dt.datetime:
    """The end of the shop's day `days` from now, as an aware time (the promise's due time)."""
    local = base.now(shop)
    if local.tzinfo is None and shop.shop.timezone:
        try:
            local = local.replace(tzinfo=ZoneInfo(shop.shop.timezone))
        except (KeyError, ValueError):
            pass
    day = local.date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(18, 0), tzinfo=local.tzinfo)


def remedy_kind(rules: SayYesRules, said: str) -> str:
    """The say-yes kind whose remedies fit the complaint (its kind's, else `complaint`)."""
    kind = rules.complaints.kind_of(said)
    return kind.remedy if kind is not None and kind.remedy in rules.kinds else COMPLAINT_KIND


def acknowledgement(rules: SayYesRules, said: str, domain: DomainDict) -> str:
    """The complaint's first words: for a serious complaint, or one of a known kind, the
    domain response the business file names for it; else the business file's own words."""
    words = rules.complaints
    kind = words.kind_of(said)
    name = words.serious_acknowledge if words.is_serious(said) else ""
    if not name and kind is not None:
        name = kind.acknowledge
    variants = (domain.get("responses") or {}).get(name) or []
    text = next((str(v["text"]) for v in variants if isinstance(v, dict) and v.get("text")), "")
    return text or words.acknowledge


def compose(
    rules: SayYesRules,
    decision: Decision,
    follow_up_day: str,
    recorded: bool,
    acknowledge: str | None = None,
) -> tuple[str, str]:
    """The two messages of the protocol: what happened and sorry; then the promise and remedy.
    `acknowledge` replaces the business file's general first words (a kind's own)."""
    words = rules.complaints
    feeling = " ".join((acknowledge or words.acknowledge, words.apologise, words.own))
    if not recorded:  # no promise the team would never see: the person follows up instead
        return feeling, decision.text
    return feeling, f"{words.follow_up.format(follow_up_day=follow_up_day)} {decision.text}"


def bot_said(tracker: Tracker) -> list[str]:
    """What the bot has sent in this chat (the tracker's bot messages), oldest first."""
    return [str(event.get("text") or "") for event in tracker.events if event.get("event") == "bot"]


def once_per_chat(
    said: list[str],
    words: ComplaintWords,
    feeling: str,
    promise: str,
    next_step: str,
    acknowledge: str | None = None,
) -> tuple[str, str]:
    """The protocol is said in full once per chat: a second complaint gets the apology alone,
    not the acknowledgement and the ownership word for word again (a complaint of another kind
    keeps its own first words, `acknowledge`, when they were not said yet), and a follow-up
    already promised in the same words is not promised again (the new one is recorded and
    waits for the team all the same)."""
    if feeling in said or any(words.own in text for text in said):
        fresh = acknowledge and acknowledge != words.acknowledge
        if fresh and not any(str(acknowledge) in text for text in said):
            feeling = f"{acknowledge} {words.apologise}"
        else:
            feeling = words.apologise
    if promise and any(promise in text for text in said) and next_step.startswith(promise):
        next_step = next_step[len(promise) :].strip() or next_step
    return feeling, next_step


def complaint_words(tracker: Tracker) -> str:
    """What the customer said their complaint is: the message itself, or, when they pressed a
    button (a payload such as "/complain") after the bot asked about an unhappy message it did
    not understand, that earlier message."""
    said = str((tracker.latest_message or {}).get("text") or "").strip()
    if not said.startswith("/"):
        return said
    users = [event for event in tracker.events if event.get("event") == "user"]
    if len(users) >= 2:
        before = users[-2]
        intent = ((before.get("parse_data") or {}).get("intent") or {}).get("name")
        text = str(before.get("text") or "").strip()
        if intent in ("nlu_fallback", "complain") and not text.startswith("/"):
            return text
    return ""


def add_complaint_detail(store: Any, sender_id: str, detail: str) -> bool:
    """Add a detail to the customer's open complaint; whether there was one (synchronous:
    run it in a worker thread)."""
    customer_id = store.customers.customer_for_sender(sender_id)
    return store.issues.add_detail(customer_id, ISSUE_KIND, detail, MAX_SUMMARY) is not None


def buttons_offered_last(tracker: Tracker) -> list[dict[str, Any]]:
    """The buttons of the bot's latest message that had any (the complaint's remedies)."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons")
            if buttons:
                return [dict(button) for button in buttons]
    return []


async def answer_complaint_detail(
    dispatcher: CollectingDispatcher, tracker: Tracker, shop: Business
) -> Events:
    """What the customer says right after a complaint's answer ("it's the blue one, bought in
    May") is the complaint's detail, not a new enquiry: it is added to the complaint the team
    follows up, and the remedies are offered again. When the memory cannot keep it, a person
    takes the chat, so nothing said is lost."""
    said = str((tracker.latest_message or {}).get("text") or "").strip()
    added = False
    try:
        store = await base.store()
        added = await asyncio.to_thread(add_complaint_detail, store, tracker.sender_id, said)
    except Exception:
        logger.exception("could not add a complaint's detail for %s", tracker.sender_id)
    if not added:
        return [FollowupAction(HANDOFF)]
    dispatcher.utter_message(text=shop.template("complaint_detail_added"))
    buttons = buttons_offered_last(tracker)
    if buttons:
        dispatcher.utter_message(text=shop.template("complaint_detail_choose"), buttons=buttons)
    return []


# What a message read as a complaint may turn out to be (`complaint_or_not`).
COMPLAINED, PRAISED, ASKED, UNSURE = "complaint", "praise", "question", "unsure"
# The key under which the NLU's feeling check records what it read (bot/feelings.py).
FEELING = "feeling"
# VADER's compound score at or above which a message that is no complaint is praise ("I had
# my test ride and loved it"); between this and a negative score, the customer is asked.
PRAISE_AT_LEAST = 0.4


def complaint_or_not(
    words: ComplaintWords, text: str, feeling: dict[str, Any] | None, asks: bool
) -> str:
    """Whether a message read as a complaint is one: a complaint needs something wrong with
    the shop's service, product or staff said with a negative feeling (the feeling check's
    reading), a fault with something bought here, a kind of complaint of the business file's
    (a late order, a rude answer), or something serious. Otherwise it is
    `PRAISED` (clearly positive, not a question), `ASKED` (a question), or `UNSURE` (asked whether
    something went wrong with us). A button's payload, or a message whose feeling was not read
    (another action found the fault), stays a complaint."""
    if not text or text.startswith("/") or feeling is None:
        return COMPLAINED
    if words.is_serious(text) or words.reports_fault(text) or feeling.get("negative"):
        return COMPLAINED
    if words.kind_of(text) is not None:  # "where's my order, it's been weeks"
        return COMPLAINED
    if asks:
        return ASKED
    compound = feeling.get("compound")
    if isinstance(compound, (int, float)) and compound >= PRAISE_AT_LEAST:
        return PRAISED
    return UNSURE


def answer_no_complaint(dispatcher: CollectingDispatcher, shop: Business, verdict: str) -> Events:
    """The answer to a message read as a complaint that is none: thanks for praise, no guess
    and who can tell for a question, and for the rest whether something went wrong with us.
    Never the apology, the ownership or a remedy: nothing the shop did is wrong."""
    if verdict == PRAISED:
        dispatcher.utter_message(response="utter_thanks_for_praise")
    elif verdict == ASKED:
        place = shop.locations[0]
        dispatcher.utter_message(
            response="utter_fallback_dont_know", phone=place.phone, email=place.email
        )
    else:
        dispatcher.utter_message(response="utter_fallback_sounds_wrong")
    return []


class ActionHandleComplaint(ShopAction):
    """The complaint protocol, from the business file's words and say-yes rules."""

    def name(self) -> str:
        return "action_handle_complaint"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        rules = await load_rules()
        words = rules.complaints
        said = complaint_words(tracker)
        message = tracker.latest_message or {}
        feeling = message.get(FEELING)
        verdict = complaint_or_not(
            words,
            str(message.get("text") or ""),
            feeling if isinstance(feeling, dict) else None,
            asks_something(shop, message.get("text")),
        )
        if verdict != COMPLAINED:
            logger.info("a message read as a complaint is none (%s)", verdict)
            return answer_no_complaint(dispatcher, shop, verdict)
        summary = said[:MAX_SUMMARY] or shop.template("complaint_without_details")
        due = follow_up_due(shop, words.follow_up_days)
        follow_up_day = shop.format_day(due.date(), base.today(shop))
        promise = words.follow_up.format(follow_up_day=follow_up_day)

        recorded: RecordedComplaint | None = None
        try:
            store = await base.store()
            recorded = await asyncio.to_thread(
                record_complaint, store, tracker.sender_id, summary, promise, due
            )
        except Exception:  # memory down: still answer, and a person follows up instead
            logger.exception(
                "could not record a complaint for conversation %s; a person will follow up",
                tracker.sender_id,
            )

        request = Request(remedy_kind(rules, said), {"serious": words.is_serious(said)})
        decision = say_yes.decide(request, recorded.standing if recorded else Standing(), rules)
        if recorded is None:
            decision = say_yes.decide_person(
                request,
                rules,
                "complaint.person.memory_unavailable",
                rules.reason("memory_unavailable"),
            )
        first = acknowledgement(rules, said, domain)
        feeling, next_step = compose(rules, decision, follow_up_day, recorded is not None, first)
        feeling, next_step = once_per_chat(
            bot_said(tracker), words, feeling, promise, next_step, first
        )

        logger.info(
            "complaint from %s: %s (issue %s, promise %s)",
            tracker.sender_id,
            decision.as_log(),
            recorded.issue_id if recorded else None,
            recorded.promise_id if recorded else None,
        )
        # The tone guard checks both messages before they are sent (ShopAction.run); words
        # from the business file that fail it give way to its plain apology and person offer.
        dispatcher.utter_message(text=feeling, tone_fallback=words.apologise)
        if decision.needs_person:
            # The handoff action says how and when a person picks this up; it asks the question.
            dispatcher.utter_message(
                text=next_step, say_yes=decision.as_log(), tone_fallback=rules.person_says
            )
            return [FollowupAction(HANDOFF)]
        dispatcher.utter_message(
            text=next_step,
            buttons=decision.buttons(),
            say_yes=decision.as_log(),
            tone_fallback=rules.person_says,
        )
        return []


class ActionChooseRemedy(ShopAction):
    """A bare yes to a complaint's remedies ("Which would you prefer?"): which one it means is
    not said, so the remedies are offered again, never something else (a yes to no question of
    ours asks how to help)."""

    def name(self) -> str:
        return "action_choose_remedy"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        buttons = buttons_offered_last(tracker)
        if not buttons:
            dispatcher.utter_message(response="utter_how_can_i_help")
            return []
        dispatcher.utter_message(text=shop.template("complaint_detail_choose"), buttons=buttons)
        return []
