"""Form validation for booking a repair, returning an item and confirming an order's details,
and the forms' questions.

Validation explains what it needs instead of repeating the question: a date in the past, a day
the shop is closed (with the nearest open day), an order number that doesn't look like one, an
item that isn't in the order. The explanation ends with the question, so the ask actions stay
quiet for that one turn (slot `form_hint_for`). A return is set up only for the order's owner:
anyone else confirms the order's email address and postcode inside the return form first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import asides, base, corrections, ownership, requests
from actions.base import DomainDict, Events, ShopAction
from actions.booking_changes import (
    BOOKING_INTENT,
    booking_changed,
    made_this_session,
    own_bookings,
    says_change,
)
from actions.exits import (
    FORM_INTENTS,
    HINT_SLOT,
    REQUEST_CONFIDENCE,
    UNKNOWN,
    WAY_OUT,
    Exit,
    asked_enough,
    cant_answer,
    explain,
    go_on_without,
    is_request,
    missed,
    next_rung,
    no_as_not_given,
    not_given,
    said_in_form,
    starts_something_else,
)
from actions.ownership import (
    CONFIRMED_SLOT,
    EMAIL_SLOT,
    MAX_DETAIL_CHECKS,
    MISSES_SLOT,
    POSTCODE_SLOT,
)
from actions.shop import (
    COMPLAINT_ACTION,
    DAY_DISAGREES,
    day_disagreement,
    reports_fault,
    shop_records,
)
from actions.shop_records import (
    REFERENCE_EXAMPLE,
    OrderRecord,
    RepairRecord,
    normalise_reference,
)
from bot import metrics
from memory.facts import FactWords, names_a_bike
from voice.asked import asks_something, disagreeing_day
from voice.business import WEEKDAYS, Business, Term, Vocabulary
from voice.dates import (
    MONTHS,
    latest_in_month,
    latest_with_day,
    month_named,
    names_a_month,
    names_a_time,
    numbered_days,
)
from voice.echo import says_what_is_wrong, trim_echo, without_findings
from voice.items import as_said, names_a_thing, same_item
from voice.say_yes import Request

logger = logging.getLogger(__name__)

# A return without an order number ("I bought it in the shop", "I don't have it"): the form
# goes on with the item and roughly when it was bought (slot return_bought).
NO_ORDER = "none"
BOUGHT_SLOT = "return_bought"
UNKNOWN_AGE = UNKNOWN
# A rough time of purchase ("in the summer") is taken as a date, and the customer told which.
ASSUMED_BOUGHT = "utter_return_bought_assumed"
# "Roughly when" finds one of a signed-in customer's orders placed this many days either side.
ORDER_DATE_SLACK_DAYS = 14
NO_NUMBER = re.compile(
    r"\b(?:(?:do\s*n[o']?t|never|did\s*n[o']?t)\s+(?:have|got|get|know)|have\s*n[o']?t\s+got|no\s+"
    r"(?:order\s+)?(?:number|receipt|idea)|lost|can'?t\s+find|bought\s+it\s+in|in\s+(?:the\s+)?"
    r"(?:shop|store|person)|in-store|over\s+the\s+counter|skip)\b",
    re.IGNORECASE,
)
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                "six": 6, "few": 3, "couple": 2, "couple of": 2}  # fmt: skip
UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "year": 365}
# The drop-off day the bot offered in place of one the workshop can't do; a yes books it.
OFFERED_DAY_SLOT = "offered_repair_date"
CLOSED_DAY = "utter_closed_that_day"
CLOSED_FOR_HOLIDAY = "utter_closed_that_day_holiday"
# Bookings are taken this many days ahead at most.
MAX_BOOKING_DAYS = 60
# Answers to "Same bike as last time?" that mean yes, and words that mean another bike.
SAME_BIKE_WORDS = {"yes", "yep", "yeah", "yes please", "same", "same bike", "the same", "that one"}
OTHER_BIKE_WORDS = {"different", "another", "other", "new"}
# "Same one as before", "the usual one", "same bike as last time": the bike the memory knows.
SAME_BIKE = re.compile(
    r"\b(?:(?:the\s+)?same\s+(?:one|bike|as\s+(?:before|last\s+time|usual))"
    r"|(?:the\s+)?usual(?:\s+(?:one|bike))?|same\s+as\s+always)\b",
    re.IGNORECASE,
)
# Words around a time that make it the day of purchase: "bought it about 45 days ago".
BOUGHT_WORDS = re.compile(
    r"\b(?:bought|buy|got|ordered|purchased|purchase|arrived|delivered|came|had\s+it)\b",
    re.IGNORECASE,
)
# A time that can only have gone by ("10 days ago", "from last week"): when something was
# bought, even without a word for buying, in the message that asks for the return.
GONE_BY = re.compile(r"\b(?:ago|last\s+(?:week|fortnight|month|year))\b", re.IGNORECASE)
# Words that make a day a deadline ("need it by Friday"), not the day to bring the bike in.
# "By", "before", "until" make one only before a day ("before friday"); "monday morning before
# work" is the drop-off day.
DEADLINE_WORDS = re.compile(
    r"\b(?:need|needs|needed|back|ready|(?:by|before|until|till)\s+(?:the\s+)?(?:next\s+|this\s+)?"
    r"(?:mon|tue|wed|thu|fri|sat|sun|tomorrow|tmrw|weekend|end|then|\d))",
    re.I,
)
# Words that name no bike in particular.
VAGUE_BIKE_WORDS = {"bike", "it", "bicycle", "one", "this", "that"}
# Every form question's ladder (actions/exits.py): the question again with an example, then the
# way out (going on without it, or an offer), then a person.
EXITS = {
    "repair_bike": Exit("utter_explain_bike_short", "utter_bike_unknown"),
    "repair_problem": Exit("utter_explain_problem_short", "utter_problem_unknown"),
    # The way out is the next open day, offered: a yes books it; a miss after it, a person.
    "repair_date": Exit("utter_explain_date_unclear", "utter_suggest_repair_date", value=None),
    "return_order_id": Exit(
        "utter_explain_order_id_format",
        "utter_return_without_order",
        value=NO_ORDER,
        no_means_not_given=True,
    ),
    # Which item, when nothing says: a person finishes the return.
    "return_item": Exit("utter_explain_return_item", None, value=None),
    "return_item_in_order": Exit(
        "utter_explain_item_not_in_order", None, value=None, shows_choices=True
    ),
    # Not known when: the next steps (the receipt, the card paid with, a person) are said, and
    # the return goes on as past the window (its nearest yes).
    BOUGHT_SLOT: Exit(
        "utter_explain_return_bought", "utter_return_bought_unknown", no_means_not_given=True
    ),
    "return_reason": Exit(
        "utter_explain_reason_short", "utter_reason_unknown", no_means_not_given=True
    ),
    # Confirming an order's details: without them, a person checks it with the customer.
    EMAIL_SLOT: Exit("utter_explain_order_email", None, value=None),
    POSTCODE_SLOT: Exit("utter_explain_order_postcode", None, value=None),
}
# In a return, the order's details have another way out: going on without the order.
RETURN_DETAILS_EXITS = {
    EMAIL_SLOT: Exit(
        "utter_explain_order_email", "utter_return_without_order_details", no_means_not_given=True
    ),
    POSTCODE_SLOT: Exit(
        "utter_explain_order_postcode",
        "utter_return_without_order_details",
        no_means_not_given=True,
    ),
}
# "I bought it in the shop": no order to look up by its email address either.
IN_SHOP = re.compile(
    r"\b(?:bought\s+it\s+in|in\s+(?:the\s+)?(?:shop|store|person)|in-store|over\s+the\s+counter)\b",
    re.IGNORECASE,
)
# The item a return request names: "return the helmet I bought 2 weeks ago" -> "helmet".
_RETURN_ITEM = re.compile(
    r"\b(?:return|send\s+back|swap|exchange)\s+(?:the|my|this|these|those|a|an|some)\s+"
    r"(?P<item>[a-z0-9][a-z0-9'\- ]*?)(?=\s+(?:i|we|that|which|bought|got|from|because|as|cos"
    r"|for|it|they|back|please|pls)\b|\s*[,.;:!?\u2026]|$)",
    re.IGNORECASE,
)
# The item of a return named as what was bought: "I bought a helmet from you 2 weeks ago".
_BOUGHT_ITEM = re.compile(
    r"\b(?:bought|ordered|purchased)\s+(?:the|my|this|these|those|a|an|some)\s+"
    r"(?P<item>[a-z0-9][a-z0-9'\- ]*?)(?=\s+(?:from|off|at|here|online|in|on|last|this|about"
    r"|around|over|a|an|\d+|two|three|four|five|six|few|couple|yesterday|i|we|that|which|and"
    r"|but|because|cos|it|they)\b|\s*[,.;:!?\u2026]|$)",
    re.IGNORECASE,
)
# Words that give a return's reason: "doesnt fit", "too small", "faulty".
_RETURN_REASON = re.compile(
    r"\b(?:(?:(?:does|did|do)\s*n[o']?t|doesnt|didnt|dont|not)\s+(?:fit|work|suit|match|charge)"
    r"|too\s+(?:small|big|large|tight|loose|short|long|heavy)|wrong\s+(?:size|colou?r|item|one|model)"
    r"|broken|faulty|damaged|stopped\s+working|changed\s+my\s+mind)\b",
    re.IGNORECASE,
)
RETURN_INTENT = "return_request"
COMPLAINT_INTENT = "complain"
# A message that asks for a return: returning, sending or taking back, a refund, a swap
# (English, not the shop's words); and one that says something was bought or ordered.
RETURN_SAID = re.compile(
    r"\b(?:return\w*|(?:send|sent|take|took|bring|brought)\w*\s+(?:\w+\s+){0,2}back|money\s+back|"
    r"refund\w*|exchang\w*|swap\w*)\b",
    re.IGNORECASE,
)
PURCHASE_SAID = re.compile(r"\b(?:bought|ordered|purchased)\b", re.IGNORECASE)
# What answers a message that said no return at all: whether something went wrong with us.
NOT_A_RETURN = "utter_fallback_sounds_wrong"
LISTEN = "action_listen"
# A question the NLU could not place, asked instead of the order number: the fallback ladder
# answers it (no guess, who can tell), not the order number's explanation.
UNREAD_INTENTS = ("nlu_fallback", "out_of_scope")
# A request for a person, in any form: the form stops and this action asks for one.
PERSON_INTENT = "request_human"
HANDOFF_ACTION = "action_handoff"
LADDER_ACTION = "action_fallback_ladder"
# The action that answers each request when it comes instead of the order number, as the rules
# in data/rules answer it outside a form (tests/unit/actions keeps the two the same).
ASIDE_ACTIONS = {
    "order_status": "action_order_status",
    "buy_product": "action_buy_product",
    "price_match": "action_price_match",
    "product_recommendation": "action_recommend_product",
    "repair_status": "action_repair_status",
    "ask_repair_service": "action_tell_repair_service",
    "loyalty_balance": "action_loyalty_balance",
    "redeem_reward": "action_redeem_reward",
    "community_events": "action_community_events",
    "what_do_you_know": "action_what_do_you_know",
    "export_my_data": "action_export_my_data",
    "ask_location": "action_tell_location",
}
_LEAD_WORDS = re.compile(
    r"^(?:(?:actually|sorry|no|so|well|it'?s|it is|its|my|the|a|an|our)[\s,]+)+", re.IGNORECASE
)


def bike_kind_names(shop: Business) -> dict[str, str]:
    """How each kind of bike reads as a bike's name: the first of its spellings that extends
    its name ("cargo" -> "cargo bike"), or the name itself."""
    return {
        kind.name: next((w for w in kind.words if w.startswith(f"{kind.name} ")), kind.name)
        for kind in shop.vocabulary.bike_kinds
    }


def bike_name(text: str, kinds: Mapping[str, str] | None = None) -> str:
    """How to name the customer's bike back to them: "my cargo" -> "cargo bike", for a kind
    of bike said alone (`kinds`: from `bike_kind_names`)."""
    name = _LEAD_WORDS.sub("", text.strip()).strip(" .!")
    return (kinds or {}).get(name.lower(), name)


# "I may have bought it...": the word, not the month.
_MAY_NOT_A_MONTH = re.compile(r"\bmay\s+(?:be|have|of|not|well|still|need|get)\b")


@dataclass(frozen=True)
class PurchaseAge:
    """When a customer says they bought something: how many days ago (None: too long ago to
    say, "ages ago"), and the date a rough answer was taken as ("in the summer": mid-July),
    which the bot says back."""

    days: int | None
    assumed: dt.date | None = None


def _said_any(words: str, phrases: Iterable[str]) -> bool:
    return any(re.search(rf"(?<![\w']){re.escape(p)}(?![\w'])", words) for p in phrases if p)


def purchase_age(
    text: str | None, today: dt.date, vocabulary: Vocabulary | None = None
) -> PurchaseAge | None:
    """When a customer says they bought something: "about 3 weeks ago" (21 days), "a few weeks
    back" (about 21), "last month", "12 October", "around the 3rd" (the latest 3rd), "in
    march", a rough time of the business file's words ("in the summer": its month), or too
    long ago to say (`vocabulary.long_ago`); None when it names no time."""
    words = " ".join(str(text or "").lower().replace("\u2019", "'").split())
    if not words:
        return None
    vocabulary = vocabulary or Vocabulary()
    amount = re.search(
        r"\b(\d+|an?|one|two|three|four|five|six|few|couple(?: of)?)\s+"
        r"(day|week|fortnight|month|year)s?\b",
        words,
    )
    if amount:
        count = amount.group(1)
        number = int(count) if count.isdigit() else NUMBER_WORDS.get(count, 1)
        days = number * UNIT_DAYS[amount.group(2)]
        rough = count in ("few", "couple", "couple of")
        return PurchaseAge(days, today - dt.timedelta(days=days) if rough else None)
    last = re.search(r"\blast\s+(week|fortnight|month|year)\b", words)
    if last:
        days = UNIT_DAYS[last.group(1)]
        return PurchaseAge(days, today - dt.timedelta(days=days))
    day = parse_day(words, today)
    if day is not None:
        assumed = None
        if day > today and not names_a_month(words):  # "around the 3rd": the one gone by
            assumed = latest_with_day(day.day, today)
            day = assumed or day
        elif day > today:  # "12 October" said in November means the one that has gone by
            try:
                day = day.replace(year=day.year - 1)
            except ValueError:
                return None
        return PurchaseAge((today - day).days, assumed)
    month = month_named(_MAY_NOT_A_MONTH.sub(" ", words))
    if month is None:
        season = next(
            (term for term in vocabulary.rough_months if _said_any(words, term.spellings)), None
        )
        month = MONTHS.index(season.name) + 1 if season is not None else None
    if month is not None:
        assumed = latest_in_month(month, today)
        return PurchaseAge((today - assumed).days, assumed)
    if _said_any(words, vocabulary.long_ago):
        return PurchaseAge(None)
    return None


def days_since(
    text: str | None, today: dt.date, vocabulary: Vocabulary | None = None
) -> int | None:
    """How many days ago a customer says they bought something: "about 3 weeks ago" -> 21,
    "last month" -> 30, "12 October" -> the days since then; None when it names no time (or
    a time too long ago to say)."""
    age = purchase_age(text, today, vocabulary)
    return age.days if age is not None else None


# A booking request and the problem in one message: "can I book my bike in, the gears keep
# slipping", "my chain keeps slipping and the gears crunch… need it by friday… urgent". The
# message is read clause by clause; a clause that is the request itself, a question, a day, an
# answer to something else ("yes please fast track it") or says nothing of what is wrong is not
# the problem.
_CLAUSE_BREAK = re.compile(
    r"\s*(?:[,;:!?\u2026]|\.+(?=\s|$)|\s[-\u2013\u2014]\s|\bbecause\b|\bcos\b|\bsince\b)\s*"
)


def _clause_starts(vocabulary: Vocabulary) -> tuple[re.Pattern[str], ...]:
    """How a clause starts when it is a question, a request or an answer to something else
    (the business file's `vocabulary.clause_starts`)."""
    return _clause_patterns(
        vocabulary.clause_questions,
        vocabulary.clause_greetings,
        vocabulary.clause_requesters,
        vocabulary.clause_wishes,
        vocabulary.clause_request_verbs,
        vocabulary.clause_direct_requests,
        vocabulary.clause_answers,
    )


@functools.lru_cache(maxsize=8)
def _clause_patterns(
    questions: tuple[str, ...],
    greetings: tuple[str, ...],
    requesters: tuple[str, ...],
    wishes: tuple[str, ...],
    request_verbs: tuple[str, ...],
    direct_requests: tuple[str, ...],
    answers: tuple[str, ...],
) -> tuple[re.Pattern[str], ...]:
    """The patterns of `_clause_starts`, built once per business file's words."""
    question = re.compile(rf"^(?:{_any_of(questions)})\b")
    request = re.compile(
        rf"^(?:(?:{_any_of(greetings)})\b"
        rf"|(?:{_any_of(requesters)})\s+(?:{_any_of(wishes)})"
        rf"\s+(?:to\s+)?(?:{_any_of(request_verbs)})\b"
        rf"|(?:{_any_of(direct_requests)})\b)"
    )
    answer = re.compile(rf"^(?:{_any_of(answers)})\b")
    return question, request, answer


_MIN_PROBLEM_WORDS = 3
# "I said, an old raleigh", "I told you, a Trek", "like I said it's a Trek": what follows is
# the answer.
_SAID_BEFORE = re.compile(
    r"^(?:(?:like|as)\s+)?i(?:'ve|\s+have)?\s+(?:already\s+)?(?:said|told\s+you|told\s+u)"
    r"(?:\s+(?:before|already))?(?:[\s,:.!\-]+|$)",
    re.IGNORECASE,
)
# Words that, alone in a clause, answer nothing ("ok whatever", "yes", "fine then").
_ASIDE_WORDS = frozenset(
    "ok okay k whatever fine right anyway anyways yes yeah yep yup sure so well hmm um er lol "
    "then please thanks cheers mate i mean just".split()
)
# A clause that names the customer's bike: "its an old raleigh", "it's a Dawes Galaxy", "my
# bike is a Trek". What follows the article is the bike, when it is a name of a few words.
_BIKE_CLAUSE = re.compile(
    r"^(?:it'?s|it\s+is|its|my\s+bike\s+is|my\s+bike'?s|the\s+bike\s+is)\s+(?:an?|the)\s+"
    r"(?P<bike>.+)$",
    re.IGNORECASE,
)
_MAX_BIKE_WORDS = 4
# What follows "it's a" that says how it is, not which bike it is ("it's a bit wobbly").
_NOT_A_BIKE = re.compile(r"^(?:bit|little|lot|real|total|right|nightmare|problem|mess)\b", re.I)
# Earlier messages of the session that may describe the problem (besides one naming a repair).
PROBLEM_INTENTS = frozenset({BOOKING_INTENT, "complain"})
# The actions that offer a complaint's remedies as buttons (actions/complaints.py).
REMEDY_ACTIONS = frozenset({"action_handle_complaint", "action_choose_remedy"})


def clauses_of(text: str) -> list[str]:
    """A message's clauses (split at commas, full stops, "…", "because"), stripped."""
    return [part.strip() for part in _CLAUSE_BREAK.split(text) if part and part.strip()]


def _plain_clause(clause: str) -> str:
    return " ".join(clause.lower().replace("\u2019", "'").split())


# What an answer to "which bike is it?" (or "which item?") is not: a no or a correction ("no, my
# dog"), not knowing ("idk", "something else"), a request ("book me in"), or a sentence about
# the customer ("i mean a bike fit"). Unsure answers are not kept: forgetting beats remembering
# wrong.
_REFUSAL_START = re.compile(r"^(?:no|nope|nah|not|never|wrong)\b")
_UNSURE_START = re.compile(
    r"^(?:idk|dunno|dno|i\s+d(?:o|o\s*)?n'?t\s+know|don'?t\s+know|not\s+sure|no\s+idea|"
    r"something\s+(?:else|different)|anything|whatever|nothing|none|n/?a)\b"
)
_OWN_START = re.compile(r"^(?:i|we)\s+(?:have|ride|own|got|use)\s+(?=(?:an?|the|my|our)\b)")
_NOT_AN_ITEM_START = frozenset(
    "i im i'm we you u he she they me book cancel stop help need want wanna gonna just fix "
    "check sort repair service come bring drop can could will would shall do does did is are "
    "what when where which who why how please thanks thank hi hello hey".split()
)
_LEADING_ASIDES = frozenset("ok okay k yes yeah yep yup sure so well hmm um er lol right".split())
_MAX_ITEM_WORDS = 6


def names_an_item(text: str) -> bool:
    """Whether an answer reads as a thing (a bike, an item): a few words that are not a no, a
    don't-know, a request or a sentence about the customer. "a Dawes Galaxy", "my dad's old
    raleigh" do; "no", "yep book me in", "idk its my dads old one" and "the helmet?? i just
    said" do not."""
    if "?" in text:
        return False
    plain = _plain_clause(text).strip(" .!,")
    if not plain or _REFUSAL_START.match(plain):
        return False
    words = plain.split()
    while words and words[0].strip(",.!") in _LEADING_ASIDES:
        words = words[1:]
    plain = _OWN_START.sub("", " ".join(words))
    words = plain.split()
    if not words or len(words) > _MAX_ITEM_WORDS or _UNSURE_START.match(plain):
        return False
    return words[0] not in _NOT_AN_ITEM_START


def answer_in(shop: Business, text: str) -> str | None:
    """The part of a message that answers a form's question: what follows "I said," or "I
    told you,", without a question or an aside ("ok whatever. can i pay in instalments?" has
    none; "yes, a Dawes Galaxy" is "a Dawes Galaxy"). None when no part of it answers."""
    said = _SAID_BEFORE.sub("", " ".join(str(text or "").split()))
    question_start = _clause_starts(shop.vocabulary)[0]
    for clause in clauses_of(said):
        lowered = _plain_clause(clause)
        if question_start.match(lowered):
            continue
        if set(re.findall(r"[a-z']+", lowered)) <= _ASIDE_WORDS:
            continue
        return clause
    return None


def bike_said(shop: Business, clause: str) -> str | None:
    """The bike a clause names ("its an old raleigh" -> "old raleigh"), or None."""
    found = _BIKE_CLAUSE.match(_plain_clause(_SAID_BEFORE.sub("", clause.strip())))
    if found is None:
        return None
    bike = found.group("bike").strip(" .!")
    if len(bike.split()) > _MAX_BIKE_WORDS or _NOT_A_BIKE.match(bike):
        return None
    if shop.repair_service(bike) is not None:
        return None  # "it's a <repair>": what is wrong, not which bike
    start = clause.lower().find(bike.lower())
    return clause[start : start + len(bike)] if start >= 0 else bike


def service_asked_for(shop: Business, clause: str) -> str | None:
    """The shop's repair a clause asks for by its name or synonym ("can i book a <repair> for
    saturday"), or None (a clause that only describes a fault, "the gears slip", is the
    fault itself)."""
    service = shop.repair_service(clause)
    if service is None:
        return None
    words = f" {_words(clause)} "
    names = (service.name, *service.synonyms)
    return service.name if any(f" {_words(name)} " in words for name in names) else None


# What a change of mind about the repair leaves out: "not a <repair>", "instead of the <repair>",
# "rather than a service", up to the end of its clause.
_NOT_WANTED = re.compile(
    r"\b(?:not|instead\s+of|rather\s+than)\s+(?:an?\s+|the\s+|just\s+an?\s+)?[^,;.!?]*",
    re.IGNORECASE,
)


def service_wanted(shop: Business, text: str) -> str | None:
    """The shop's repair a change of mind asks for ("actually no, i need a <repair> not a
    <repair>" -> the first), or None when the message corrects no repair."""
    if not _NOT_WANTED.search(text):
        return None
    kept = _NOT_WANTED.sub(" ", text)
    named = (service_asked_for(shop, clause) for clause in clauses_of(kept))
    return next((found for found in named if found), None)


def _session_messages(tracker: Tracker) -> list[dict[str, Any]]:
    """The customer's typed messages in this session, oldest first, with their parse data."""
    found: list[dict[str, Any]] = []
    for event in reversed(tracker.events or []):
        if event.get("event") == "session_started":
            break
        text = str(event.get("text") or "")
        if event.get("event") == "user" and text and not text.startswith("/"):
            found.append(event)
    return found[::-1]


# The actions after which what was said belongs to a booking made or stopped already.
_BOOKING_ENDS = frozenset({"action_submit_repair", "action_stop_repair_form"})


def said_before_form(tracker: Tracker, form: str = "repair_form") -> list[dict[str, Any]]:
    """The customer's typed messages of this session before the form's current run (the
    message that started it included), since the last booking was made or stopped or another
    form ended, newest first, with their parse data. The form's own answers are left out."""
    events = list(tracker.events or [])
    loops = [index for index, event in enumerate(events) if event.get("event") == "active_loop"]
    start = len(events)
    if loops and events[loops[-1]].get("name") == form:
        start = loops[-1]  # the run's answers come after its start
    found: list[dict[str, Any]] = []
    for event in reversed(events[:start]):
        kind = event.get("event")
        if kind == "session_started" or kind == "active_loop":
            break
        if kind == "action" and event.get("name") in _BOOKING_ENDS:
            break
        text = str(event.get("text") or "")
        if kind == "user" and text and not text.startswith("/"):
            found.append(event)
    return found


def bike_said_before(shop: Business, words: FactWords, tracker: Tracker) -> str | None:
    """The bike the customer named as theirs earlier in the chat ("its a hybrid", then "can I
    book it in"), newest first, so the form does not ask for it again."""
    kinds = bike_kind_names(shop)
    for event in said_before_form(tracker):
        for clause in clauses_of(str(event.get("text") or "")):
            bike = bike_said(shop, clause)
            if bike and is_a_bike(shop, words, bike_name(bike, kinds)):
                return bike
    return None


def day_said_before(shop: Business, tracker: Tracker, today: dt.date) -> dt.date | None:
    """The drop-off day the customer said earlier in the chat ("could I bring it in on
    saturday"), newest first; None when none was said."""
    for event in said_before_form(tracker):
        day = drop_off_said(shop, str(event.get("text") or ""), today)
        if day is not None:
            return day
    return None


def _intent_of(event: dict[str, Any]) -> str | None:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def _names_something(clause: str, event: dict[str, Any]) -> bool:
    """Whether a clause holds one of its message's entities (a bike, a date): not a problem."""
    entities = (event.get("parse_data") or {}).get("entities") or []
    lowered = clause.lower()
    return any(str(item.get("value") or "").lower() in lowered for item in entities)


def _any_of(words: Iterable[str]) -> str:
    """A regex alternation of `words` (phrases whose spaces match any run of spaces), longest
    first; one that matches nothing when there are none."""
    ordered = sorted({word for word in words if word}, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, word.split())) for word in ordered) or "(?!)"


def drop_off_said(shop: Business, request: str, today: dt.date) -> dt.date | None:
    """The day a booking request asks to bring the bike in ("it squeaks like mad, can i book it in
    for sat?"), or None: a day something happened or a deadline ("need it by friday") is not
    one (the form's validation checks deadlines again). The words before a drop-off day and
    the words of something that happened are the business file's (`vocabulary.drop_off_day`,
    `vocabulary.happened`)."""
    words = shop.vocabulary
    drop_off = re.compile(rf"\b(?:{_any_of(words.drop_off_day)})\s+(?:the\s+)?\w", re.I)
    happened = re.compile(rf"\b(?:{_any_of(words.happened)})\b", re.I)
    for clause in clauses_of(request):
        if DEADLINE_WORDS.search(clause) or happened.search(clause):
            continue
        if drop_off.search(clause):
            day = parse_day(clause, today, words.days)
            if day is not None:
                return day
    return None


def _without_entities(clause: str, event: dict[str, Any]) -> str:
    """The clause without the bikes and things its message's entities name, so what it says
    about them is left ("my e-bike battery wont hold charge" -> "my battery wont hold charge");
    a clause holding a date is left as it is (a day is not a fault)."""
    entities = (event.get("parse_data") or {}).get("entities") or []
    if any(
        item.get("entity") == "DATE" and str(item.get("value") or "").lower() in clause.lower()
        for item in entities
    ):
        return clause
    rest = clause
    for item in entities:
        value = str(item.get("value") or "")
        if value:
            rest = re.sub(re.escape(value), " ", rest, flags=re.IGNORECASE)
    return " ".join(rest.split())


def describes_fault(shop: Business, clause: str, today: dt.date) -> bool:
    """Whether a clause says what is wrong with the bike: it names one of the shop's repairs,
    or it is a statement (not a request, a question, an answer to something else, a day or
    how soon) that describes something in a few words."""
    lowered = " ".join(clause.lower().replace("\u2019", "'").split())
    if not lowered or parse_day(lowered, today) is not None or names_a_time(lowered, False):
        return False
    if any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in shop.vocabulary.urgent):
        return False
    question_start, request_start, answer_start = _clause_starts(shop.vocabulary)
    if SAME_BIKE.search(lowered) or answer_start.match(lowered):
        return False
    if shop.repair_service(lowered) is not None:
        return True
    starts_otherwise = question_start.match(lowered) or request_start.match(lowered)
    trimmed = trim_echo(clause)
    return (
        not starts_otherwise
        and len(trimmed.split()) >= _MIN_PROBLEM_WORDS
        and says_what_is_wrong(trimmed)
    )


def complaint_remedied(tracker: Tracker) -> str | None:
    """The complaint's own words when this booking is the remedy just offered for it ("Book a
    free check" pressed, or typed): the fault the check is for, so the form does not ask it."""
    said = str((tracker.latest_message or {}).get("text") or "")
    if not said.startswith("/") or base.latest_intent(tracker) != BOOKING_INTENT:
        return None
    if base.previous_action(tracker) not in REMEDY_ACTIONS:
        return None
    complaints = [event for event in _session_messages(tracker) if _intent_of(event) == "complain"]
    return str(complaints[-1]["text"]).strip() or None if complaints else None


def problem_said(shop: Business, tracker: Tracker, today: dt.date) -> str | None:
    """What is wrong with the bike, when the customer said it before the form asked: in the
    booking request, or earlier in this session (a booking request, a complaint, or a message
    naming a repair). A later request or answer to another question ("yes please fast track
    it") never takes the place of a fault said before; the form's own answers are never read
    here."""
    messages = _session_messages(tracker)
    booking = next(
        (
            index
            for index in range(len(messages) - 1, -1, -1)
            if _intent_of(messages[index]) == BOOKING_INTENT
        ),
        None,
    )
    if booking is None:
        return None
    for index in range(booking, -1, -1):  # the booking request first, then earlier ones
        event = messages[index]
        for clause in clauses_of(str(event["text"])):
            service = service_asked_for(shop, clause)
            if service is not None:  # "book me in for a <repair> next tuesday"
                return service
            if bike_said(shop, clause) is not None:
                continue
            if _names_something(clause, event):  # "my e-bike battery wont hold charge"
                rest = _without_entities(clause, event)
                if rest != clause and describes_fault(shop, rest, today):
                    return clause.strip()
                continue
            names_repair = shop.repair_service(clause) is not None
            if index < booking and not names_repair and _intent_of(event) not in PROBLEM_INTENTS:
                continue
            if describes_fault(shop, clause, today):
                return clause.strip()
    return None


def _bike_in_memory(store: Any, sender_id: str) -> str | None:
    """The bike this conversation's own customer told us about (synchronous: a worker thread)."""
    card = store.cards.card_for_sender(sender_id)
    bikes = [fact.value for fact in card.preferences if fact.kind == "bike"] if card else []
    return str(bikes[0]) if bikes else None


async def remembered_bike(tracker: Tracker) -> str | None:
    """The customer's bike as their own memory knows it: the session's `known_bike`, else
    (learned since the session started, or booked earlier in it) the memory of this sender's
    customer. Never anyone else's."""
    known = tracker.get_slot("known_bike")
    if known:
        return str(known)
    found = await base.with_memory(
        _bike_in_memory, tracker.sender_id, conversation=tracker.sender_id, default=None
    )
    return str(found) if found else None


def own_item(shop: Business, text: str) -> str:
    """The customer's own thing as they named it; the catalogue's name only for the same item."""
    product = shop.find_product(text) if len(text) >= 4 and names_a_thing(text) else None
    if product is not None and same_item(text, product.name):
        return product.name
    return as_said(text, (item.name.split()[0] for item in shop.products))


def _tone_findings(text: str) -> tuple[Any, ...]:
    return base.composed().rules_guard().check(text).findings


async def echo_of(text: str) -> str:
    """The customer's words as a confirmation may repeat them: trimmed to the problem, and
    without anything the tone guard flags (the guard checks the echo before it is kept)."""
    trimmed = trim_echo(text)
    try:
        findings = await asyncio.to_thread(_tone_findings, trimmed)
    except Exception:  # the guard failing must not stop the form; the trimmed words go on
        logger.exception("tone guard unavailable for an echo")
        return trimmed
    return without_findings(trimmed, findings) if findings else trimmed


def with_day_names(text: str, days: Iterable[Term]) -> str:
    """The text with the other ways customers write a day ("tmrw", "thurs", the business
    file's `vocabulary.days`) replaced by the day's name."""
    for term in days:
        for spelling in sorted(term.words, key=len, reverse=True):
            text = re.sub(rf"(?<![\w']){re.escape(spelling)}(?![\w'])", term.name, text)
    return text


def parse_day(text: str | None, today: dt.date, days: Iterable[Term] = ()) -> dt.date | None:
    """The date a customer means: "tomorrow", "next Tuesday", "12 December", "2026-12-03".
    With `days` (the business file's), the ways customers write a day count too ("tmrw",
    "weds"); left out where a free-text answer could hold them ("it sat in the shed")."""
    if not text:
        return None
    words = with_day_names(text.lower().strip(), days)
    iso = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", words)
    if iso:
        try:
            return dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return None
    if re.search(r"\btoday\b", words):
        return today
    if re.search(r"\byesterday\b", words):
        return today - dt.timedelta(days=1)
    if re.search(r"\bday after tomorrow\b", words):
        return today + dt.timedelta(days=2)
    if re.search(r"\b(tomorrow|tmrw|tomorow)\b", words):
        return today + dt.timedelta(days=1)
    numbered = numbered_days(words, today)  # "sat 28th", "the 3rd of december", "29/11"
    if numbered:  # a weekday that disagrees with the date is no day: it is asked back
        return None if numbered[0].disagrees else numbered[0].date
    for index, weekday in enumerate(WEEKDAYS):
        if re.search(rf"\b{weekday[:3]}(?:{weekday[3:]})?\b", words):
            ahead = (index - today.weekday()) % 7
            if ahead == 0 or (re.search(rf"\bnext (week )?{weekday[:3]}", words) and ahead < 7):
                ahead = ahead or 7
            return today + dt.timedelta(days=ahead)
    return None


def check_drop_off(
    shop: Business, day: dt.date, today: dt.date
) -> tuple[str, dict[str, Any]] | None:
    """Why a drop-off date can't be booked (response and its values), or None when it can."""
    if day < today:
        return "utter_explain_date_past", {"date": shop.wording.date(day)}
    if day > today + dt.timedelta(days=MAX_BOOKING_DAYS):
        last = today + dt.timedelta(days=MAX_BOOKING_DAYS)
        return "utter_explain_date_too_far", {
            "max_days": MAX_BOOKING_DAYS,
            "date": shop.wording.day_and_month(day),
            "last_day": shop.wording.day_and_month(last),
        }
    if shop.hours_on(day) is None:
        holiday = shop.holiday_on(day)
        next_open = shop.next_open_day(day)
        said = {"date": shop.format_day(day, today), "next_open": shop.format_day(next_open, today)}
        if holiday is not None:
            return CLOSED_FOR_HOLIDAY, {**said, "holiday": holiday.name}
        return CLOSED_DAY, said
    return None


async def offer_next_open_day(
    dispatcher: CollectingDispatcher, tracker: Tracker, shop: Business, day: dt.date, today: dt.date
) -> dict[str, Any]:
    """The workshop can't take the bike on `day`: the ladder's answer for the next open day.

    A yes to it (the button or a typed "yes") books that day; a person's offer becomes the
    form's own way to a person, and a clinic is named in the words, not as a form button.
    """
    next_open = shop.next_open_day(day)
    request = Request(
        "repair_slot",
        {
            "slot_free": False,
            "next_free_day": shop.format_day(next_open, today),
            "days_to_next_free": (next_open - day).days,
        },
    )
    decision = await requests.answer_request(
        dispatcher,
        tracker,
        request,
        accept=shop.template("accept_day").format(day=shop.format_day(next_open, today)),
        other=None,
        payloads={"/book_repair": requests.ACCEPT_PAYLOAD, "/community_events": None},
        person_payload="/request_human",
    )
    if decision.needs_person:
        return {"repair_date": None, HINT_SLOT: "repair_date", OFFERED_DAY_SLOT: None}
    return {"repair_date": None, HINT_SLOT: "repair_date", OFFERED_DAY_SLOT: next_open.isoformat()}


# A name put right in the middle of a form: said, then the form's question again.
NAME_PUT_RIGHT = "utter_name_put_right_in_form"
# The repair form's slots, cleared when it stops or does not start.
REPAIR_SLOTS = ("repair_bike", "repair_problem", "repair_date", OFFERED_DAY_SLOT)
# Questions whose answer is a description in the customer's own words: the whole message is
# the answer unless it asks or requests something of its own ("it hurts on long rides" is a
# reason, not a question about rides).
DESCRIBED_SLOTS = frozenset({"return_reason", "repair_problem"})


def leave_form(then: str, slots: Iterable[str]) -> Events:
    """The events that stop a form from its validation, with what it collected cleared, and
    run `then` next (`action_listen` when the validation said what there was to say): never
    the form's submit, whose rule waits for a form that ends."""
    return [
        *(SlotSet(slot, None) for slot in (*slots, HINT_SLOT)),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
        FollowupAction(then),
    ]


def reference_in_text(tracker: Tracker, text: str) -> bool:
    """Whether the message gives an order number (an entity the NLU found, or a word that
    reads as one)."""
    if base.latest_entity_values(tracker, "order_id"):
        return True
    return normalise_reference(text) is not None


class SafeFormValidation(FormValidationAction, ABC):
    """A form's validation that never breaks the form: a failure is logged, and the customer
    is told and offered a person."""

    @abstractmethod
    def name(self) -> str: ...

    def exit_for(self, slot: str, tracker: Tracker) -> Exit | None:
        """The ladder of the form's question for `slot` (the `EXITS` table's)."""
        return EXITS.get(slot)

    def answers_anyway(self, tracker: Tracker, slot: str) -> bool:
        """Whether the latest message answers the question for `slot` even though it reads as
        another request (a return's "can I swap it instead?" says what the return is for)."""
        return False

    async def asks_of_its_own(self, tracker: Tracker, slot: str, shop: Business) -> bool:
        """Whether the latest message, read as the form's own request, asks a question about
        something else than the form's question for `slot`."""
        return False

    async def not_an_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str
    ) -> dict[str, Any]:
        """The question for `slot` was answered with a request: nothing is kept, and the
        question's ladder goes on (its example, then its way out)."""
        exit_ = self.exit_for(slot, tracker)
        if exit_ is None:
            return {slot: None}
        return missed(dispatcher, tracker, slot, exit_, example=REFERENCE_EXAMPLE)

    async def way_out(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events | None:
        """The events that leave the form for something else the latest message is about (the
        form is stopped and another action answers); None when the form goes on."""
        return None

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        try:
            if base.latest_intent(tracker) == PERSON_INTENT:
                # A request for a person always wins, whatever the form's question was: the
                # form stops with nothing it collected kept, and the handoff runs. (Left to the
                # rules, it never would: the words fill the question's slot, so the form never
                # rejects the message, and "I want a human, I don't want to book" was a bike.)
                return leave_form(HANDOFF_ACTION, self.domain_slots(domain))
            left = await self.way_out(dispatcher, tracker)
            if left is not None:
                return left
            # "no it's Jo not Joe": the name put right, and the form's question asked again.
            asked = str(tracker.get_slot("requested_slot") or "")
            renamed = await corrections.name_corrected(dispatcher, tracker, NAME_PUT_RIGHT)
            if renamed is not None:
                return [*renamed, *([SlotSet(asked, None)] if asked else [])]
            # "nope" to a question where no means "I don't have it": its ladder, not a stop.
            if asked and tracker.get_slot(asked) is not None:
                # A button's label, a menu label or another request is never an answer.
                shop = await base.load_business()
                labels = [item.label for item in shop.menu]
                described = asked in DESCRIBED_SLOTS  # the customer's own words were asked for
                request = is_request(tracker, tracker.get_slot(asked), labels, described)
                if request and not self.answers_anyway(tracker, asked):
                    answers = await asyncio.to_thread((await base.services()).rule_answers)
                    answer = asides.aside_answer(tracker, answers)
                    if answer is not None:  # a question of its own: answered, then asked again
                        return asides.aside_events(asked, answer)
                    values = await self.not_an_answer(dispatcher, tracker, asked)
                    return [SlotSet(slot, value) for slot, value in values.items()]
                if await self.asks_of_its_own(tracker, asked, shop):
                    # Read as the form's own request, but a question about something else
                    # ("can I come in for a fitting too?"): answered as its next reading.
                    answers = await asyncio.to_thread((await base.services()).rule_answers)
                    own = FORM_INTENTS.get(str((tracker.active_loop or {}).get("name")), "")
                    answer = asides.next_reading(tracker, answers, own, aside=True)
                    if answer is not None:
                        return asides.aside_events(asked, answer)
            exit_ = self.exit_for(asked, tracker)
            details = asked in (EMAIL_SLOT, POSTCODE_SLOT)  # their way out sets other slots
            if not details and exit_ is not None and asked_enough(tracker, asked, exit_):
                # Back from an aside to a question put twice already: never a third time.
                values = go_on_without(dispatcher, asked, exit_)
                return [SlotSet(slot, value) for slot, value in values.items()]
            read = no_as_not_given(tracker, exit_)
            return await super().run(dispatcher, read or tracker, domain)
        except Exception:  # the form must go on; the log gets the details
            logger.exception("%s failed for %s", self.name(), tracker.sender_id)
            metrics.action_failed(self.name())
            dispatcher.utter_message(response=base.SOMETHING_WENT_WRONG)
            return []


async def changed_booking(shop: Business, tracker: Tracker) -> RepairRecord | None:
    """The customer's own booking that the booking request changes ("…instead", "make it
    wednesday", "move R-7KQ2M9XA to sunday"), whose bike and repair stay unless the request
    names others; None otherwise."""
    texts = base.messages_since(tracker, BOOKING_INTENT)
    today = base.today(shop)

    def names_day(text: str) -> bool:
        return parse_day(text, today, shop.vocabulary.days) is not None

    if not any(says_change(text, names_day(text)) for text in texts):
        return None
    booked_here = (await base.services()).bookings()
    asker = await ownership.asker_of(tracker)
    return await asyncio.to_thread(booking_changed, tracker, booked_here, names_day, asker, today)


async def booking_time_said(
    dispatcher: CollectingDispatcher, tracker: Tracker, shop: Business
) -> bool:
    """A time of day said, without a day, about the booking made in this chat ("i can come
    after 4 o'clock is ok?"): any time it is open that day will do, said with that day's hours.
    Whether it was said."""
    text = str((tracker.latest_message or {}).get("text") or "")
    today = base.today(shop)
    if not names_a_time(text, parts_of_day=False):
        return False
    if parse_day(text, today, shop.vocabulary.days) is not None:
        return False  # a day too: a change of the booking, the form's to read
    made = made_this_session(tracker)
    if not made:
        return False
    booked_here = (await base.services()).bookings()
    asker = await ownership.asker_of(tracker)
    own = await asyncio.to_thread(own_bookings, booked_here, asker)
    booking = next((row for row in own if row.reference in made and row.ready_date >= today), None)
    hours = shop.hours_on(booking.ready_date) if booking is not None else None
    if booking is None or hours is None:
        return False
    dispatcher.utter_message(
        response="utter_booking_any_time",
        date=shop.format_day(booking.ready_date, today),
        open=hours.open.strftime("%H:%M"),
        close=hours.close.strftime("%H:%M"),
        reference=booking.reference,
    )
    return True


class ValidateRepairForm(SafeFormValidation):
    """Checks the bike, the problem and the drop-off date of a repair booking."""

    def name(self) -> str:
        return "validate_repair_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        try:
            # The form's first run: no question asked yet (the form may not show as active).
            running = (tracker.active_loop or {}).get("name") == "repair_form"
            starting = not running or not tracker.get_slot("requested_slot")
            if starting and await self._wishes_no_repair(tracker):
                # "do I need to book or just turn up?": not a repair, so no repair form.
                shop = await base.load_business()
                if await booking_time_said(dispatcher, tracker, shop):  # answered: listen
                    return asides.not_started_events(REPAIR_SLOTS, asides.LISTEN)
                answers = await asyncio.to_thread((await base.services()).rule_answers)
                answer = asides.next_reading(tracker, answers, BOOKING_INTENT)
                no_reading = answers.get(asides.NO_READING, "action_fallback_ladder")
                return asides.not_started_events(REPAIR_SLOTS, answer or no_reading)
        except Exception:  # the form starts as before; the log gets the details
            logger.exception("the repair form's start check failed for %s", tracker.sender_id)
        return await super().run(dispatcher, tracker, domain)

    async def asks_of_its_own(self, tracker: Tracker, slot: str, shop: Business) -> bool:
        """A question read as a booking request that wishes no repair ("can it be done while I
        wait?", "can I come in for a fitting too?"): not the bike, the fault or the day."""
        text = str((tracker.latest_message or {}).get("text") or "")
        if base.latest_intent(tracker) != BOOKING_INTENT or not starts_something_else(text):
            return False
        named = shop.repair_service(text) is not None
        return not asides.wishes_repair(shop.vocabulary.repair_wish, text, named)

    @staticmethod
    async def _wishes_no_repair(tracker: Tracker) -> bool:
        """Whether the message read as a booking request wishes no repair or service: no
        repair-wish words, no repair named, and no booking of this chat changed by it."""
        if base.latest_intent(tracker) != BOOKING_INTENT:
            return False  # started another way (a yes to an offer, a follow-up)
        shop = await base.load_business()
        text = str((tracker.latest_message or {}).get("text") or "")
        named = shop.repair_service(text) is not None
        if asides.wishes_repair(shop.vocabulary.repair_wish, text, named):
            return False
        return await changed_booking(shop, tracker) is None  # "make it thursday instead"

    async def extract_repair_problem(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The problem the customer already described ("can I book my bike in, the gears keep
        slipping"), so the form doesn't ask for it."""
        if tracker.get_slot("requested_slot") == "repair_problem":
            return {}
        shop = await base.load_business()
        latest = str((tracker.latest_message or {}).get("text") or "")
        wanted = service_wanted(shop, latest)  # "a <repair>, not a <repair>"
        current = tracker.get_slot("repair_problem")
        if current:
            service = shop.repair_service(str(current))
            if wanted and (service is None or service.name != wanted):
                dispatcher.utter_message(response="utter_repair_service_changed", service=wanted)
                return {"repair_problem": wanted}
            return {}
        if wanted:
            return {"repair_problem": wanted}
        remedied = complaint_remedied(tracker)
        if remedied:
            return {"repair_problem": remedied}
        today = base.today(shop)
        changed = await changed_booking(shop, tracker)
        moves_day = parse_day(latest, today, shop.vocabulary.days) is not None
        if changed and changed.problem and moves_day and shop.repair_service(latest) is None:
            return {"repair_problem": changed.problem}  # "make it weds": the same repair
        said = problem_said(shop, tracker, today)
        if said:
            return {"repair_problem": said}
        return {"repair_problem": changed.problem} if changed and changed.problem else {}

    async def extract_repair_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The new day of a booking being changed ("make it weds"), in the business file's
        ways of writing a day."""
        if tracker.get_slot("repair_date") or tracker.get_slot("requested_slot") == "repair_date":
            return {}
        shop = await base.load_business()
        today = base.today(shop)
        texts = base.messages_since(tracker, BOOKING_INTENT)
        changed = await changed_booking(shop, tracker) if texts else None
        if changed is None:  # "can i book it in for sat?": the day, said with the request
            day = drop_off_said(shop, texts[0], today) if texts else None
            day = day or day_said_before(shop, tracker, today)  # or earlier in the chat
            return {"repair_date": day.isoformat()} if day else {}
        day = parse_day(texts[-1], today, shop.vocabulary.days)
        if day is None and changed.ready_date >= today and service_wanted(shop, texts[-1]):
            day = changed.ready_date  # another repair on the same booking: its day stays
        return {"repair_date": day.isoformat()} if day else {}

    async def extract_repair_bike(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The bike the memory knows for this customer when the booking request says "same one
        as before" (`known_bike`, filled from their own memory at the session's start)."""
        if tracker.get_slot("repair_bike"):
            return {}
        if tracker.get_slot("requested_slot") == "repair_bike":
            return {}  # an answer to the question: validation reads it
        texts = base.messages_since(tracker, BOOKING_INTENT)
        if texts and SAME_BIKE.search(texts[-1]):
            known = await remembered_bike(tracker)
            return {"repair_bike": known, "known_bike": known} if known else {}
        shop = await base.load_business()
        if texts:  # "…for saturday, its an old raleigh"
            named = (bike_said(shop, clause) for clause in clauses_of(texts[0]))
            bike = next((found for found in named if found), None)
            if bike:
                return {"repair_bike": bike}
            changed = await changed_booking(shop, tracker)  # "make it wednesday": same bike
            if changed:
                return {"repair_bike": changed.bike}
        # "its a hybrid" said earlier in the chat: not asked again.
        earlier = bike_said_before(shop, (await base.services()).fact_words(), tracker)
        return {"repair_bike": earlier} if earlier else {}

    async def not_an_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str
    ) -> dict[str, Any]:
        if slot == "repair_date":  # the date question's own ladder (its offer of a day)
            return await self.validate_repair_date(None, dispatcher, tracker, {})
        return await super().not_an_answer(dispatcher, tracker, slot)

    async def validate_repair_bike(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not_given(tracker, value):
            return missed(dispatcher, tracker, "repair_bike", EXITS["repair_bike"])
        known = await remembered_bike(tracker)
        if known and tracker.get_slot("requested_slot") == "repair_bike":
            # The question was "Same bike as last time?": a yes is that bike, "another" asks.
            answer = _words(str(value or ""))
            same = answer in SAME_BIKE_WORDS or SAME_BIKE.search(answer)
            if same or base.latest_intent(tracker) == "affirm":
                return {"repair_bike": known}
            if set(answer.split()) & OTHER_BIKE_WORDS:
                return explain(dispatcher, "repair_bike", "utter_ask_repair_bike_other")
        shop = await base.load_business()
        kinds = bike_kind_names(shop)
        if str(value or "") in kinds:  # "road bike, a cervelo": the make with the kind
            make = _make_beside(str((tracker.latest_message or {}).get("text") or ""), shop)
            value = f"{make} {kinds[str(value)]}" if make else value
        # A question or an aside is no bike; "I said, an old raleigh" is the old raleigh.
        text = bike_name(answer_in(shop, str(value or "")) or "", bike_kind_names(shop))
        if len(text) < 2 or text.lower() in VAGUE_BIKE_WORDS or not names_an_item(text):
            return missed(dispatcher, tracker, "repair_bike", EXITS["repair_bike"])
        if not is_a_bike(shop, (await base.services()).fact_words(), text):
            # "saturday if poss", "a <repair> please": another question's answer, kept for
            # it, and the bike asked again; "sound", "great": no answer, the question's ladder.
            other = await self._answer_to_other_question(dispatcher, tracker, shop, text)
            return other or missed(dispatcher, tracker, "repair_bike", EXITS["repair_bike"])
        bike = own_item(shop, text)
        if not known or _words(known) != _words(bike):
            # Something new the memory will keep: said once, in a few words.
            dispatcher.utter_message(response="utter_bike_noted", bike=bike)
        return {"repair_bike": bike}

    async def _answer_to_other_question(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, shop: Business, text: str
    ) -> dict[str, Any]:
        """An answer to "which bike?" that answers another of the form's questions: a day the
        workshop can take the bike is the drop-off day, a repair or a fault is the problem;
        either is said back and the bike asked again (not a miss). Empty when it is neither."""
        today = base.today(shop)
        day = parse_day(text, today, shop.vocabulary.days)
        if day is not None:
            if check_drop_off(shop, day, today) is not None or DEADLINE_WORDS.search(text):
                # A day the workshop can't take it, or a deadline: the day's question comes later.
                return explain(dispatcher, "repair_bike", "utter_bike_after_other")
            when = shop.format_day(day, today)
            kept = explain(dispatcher, "repair_bike", "utter_bike_after_day", date=when)
            return {**kept, "repair_date": day.isoformat(), OFFERED_DAY_SLOT: None}
        service = service_asked_for(shop, text)
        if service is None and not describes_fault(shop, text, today):
            return {}
        if tracker.get_slot("repair_problem"):
            return explain(dispatcher, "repair_bike", "utter_bike_after_other")
        problem = service or await echo_of(text)
        kept = explain(dispatcher, "repair_bike", "utter_bike_after_problem")
        return {**kept, "repair_problem": problem}

    async def validate_repair_problem(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not_given(tracker, value):
            return missed(dispatcher, tracker, "repair_problem", EXITS["repair_problem"])
        shop = await base.load_business()
        today = base.today(shop)
        said = str(value or "")
        if parse_day(said, today) is not None and shop.repair_service(said) is None:
            # "tomorrow": an answer to the date question, not a miss of this one.
            return {"repair_problem": None, **self._day_answered(shop, said, today, tracker)}
        wished = asides.wishes_repair(
            shop.vocabulary.repair_wish, said, shop.repair_service(said) is not None
        )
        if starts_something_else(said) and not wished:
            # "can it be done while I wait?": a question, never what is wrong.
            return missed(dispatcher, tracker, "repair_problem", EXITS["repair_problem"])
        timed = names_a_time(said, parts_of_day=False) and service_asked_for(shop, said) is None
        if timed and "utter_problem_after_time" not in said_in_form(tracker):
            # "I'll drop it at 9 if that works": when, never what is wrong. Any time of an
            # open day will do; what is wrong is asked again.
            return explain(dispatcher, "repair_problem", "utter_problem_after_time")
        text = await echo_of(said)
        names_repair = shop.repair_service(text) is not None
        vague = len(text.split()) < 2 or not says_what_is_wrong(text)
        if not names_repair and (vague or base.latest_intent(tracker) == "affirm"):
            # A yes to something else or an aside: the fault said earlier, if any, stands.
            earlier = problem_said(shop, tracker, today)
            if earlier:
                return {"repair_problem": earlier}
            return missed(dispatcher, tracker, "repair_problem", EXITS["repair_problem"])
        return {"repair_problem": text}

    @staticmethod
    def _day_answered(shop: Business, said: str, today: dt.date, tracker: Tracker) -> dict:
        """A day said before the date question: kept for it when the workshop can take the
        bike then (a deadline, "need it by Friday", is not the day to bring it in)."""
        day = parse_day(said, today)
        if day is None or tracker.get_slot("repair_date") or DEADLINE_WORDS.search(said):
            return {}
        return {} if check_drop_off(shop, day, today) else {"repair_date": day.isoformat()}

    async def validate_repair_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        shop = await base.load_business()
        today = base.today(shop)
        said = with_day_names(str(value or "").lower(), shop.vocabulary.days)
        disagreeing = disagreeing_day(said, today)
        if disagreeing is not None:  # "sunday 28th", a Saturday: which of the two is asked
            return explain(
                dispatcher,
                "repair_date",
                DAY_DISAGREES,
                **day_disagreement(shop, disagreeing, today),
            )
        day = parse_day(str(value or ""), today, shop.vocabulary.days)
        offered = tracker.get_slot(OFFERED_DAY_SLOT)
        if day is None and offered and base.latest_intent(tracker) == "affirm":
            # "Yes" to "we can fix it on Tuesday, our next free day": that day it is.
            return {"repair_date": offered, OFFERED_DAY_SLOT: None}
        timed = "utter_date_after_time" not in said_in_form(tracker)
        if day is None and timed and names_a_time(said, parts_of_day=False):
            # "after 4 o'clock is ok?": any time of an open day will do; the day is asked.
            return explain(dispatcher, "repair_date", "utter_date_after_time")
        if day is None:
            corrected = base.latest_entity_values(tracker, "product") or (
                base.latest_entity_values(tracker, "bike_type")
            )
            if corrected:  # a correction of the bike, not a date: just ask for the date again
                return {"repair_date": None}
            suggested = shop.next_open_day(today, include_today=False)
            exit_ = EXITS["repair_date"]
            offer: dict[str, Any] = {OFFERED_DAY_SLOT: suggested.isoformat()}
            if next_rung(tracker, exit_, "repair_date") != WAY_OUT:
                offer = {OFFERED_DAY_SLOT: None}
            return missed(
                dispatcher,
                tracker,
                "repair_date",
                exit_,
                also=offer,
                date=shop.format_day(suggested, today),
            )
        if tracker.get_slot("requested_slot") != "repair_date" and _deadline_in(
            shop, str((tracker.latest_message or {}).get("text") or ""), day, today
        ):
            # "triathlon on sunday": the day it's needed by; the drop-off day is asked.
            return {"repair_date": None}
        problem = check_drop_off(shop, day, today)
        if problem is not None:
            response, values = problem
            if response in (CLOSED_DAY, CLOSED_FOR_HOLIDAY):  # why, then the nearest yes
                dispatcher.utter_message(response=response, **values)
                return await offer_next_open_day(dispatcher, tracker, shop, day, today)
            return explain(dispatcher, "repair_date", response, **values)
        return {"repair_date": day.isoformat(), OFFERED_DAY_SLOT: None}


def _deadline_in(shop: Business, text: str, day: dt.date, today: dt.date) -> bool:
    """Whether a message names `day` as the day the bike is needed by ("need it fixed asap,
    triathlon on sunday"), not the day to bring it in."""
    from actions.orders import needed_by  # orders builds on this module

    return needed_by([text], today, dt.date.min, shop.vocabulary) == day


def is_a_bike(shop: Business, words: FactWords, text: str) -> bool:
    """Whether an answer to "which bike?" names or describes a bike: by the business file's
    words for bikes (a bike noun with more, a kind, a make or model: `vocabulary.bikes`,
    `vocabulary.bike_kinds`), or as one of the catalogue's bikes."""
    if names_a_bike(text, words):
        return True
    product = shop.find_product(text) if len(text) >= 4 and names_a_thing(text) else None
    return product is not None and product.is_bike and same_item(text, product.name)


def _make_beside(text: str, shop: Business) -> str | None:
    """The make said beside a kind of bike ("road bike, a cervelo" -> "cervelo"), if any."""
    words = {
        word.lower() for kind in shop.vocabulary.bike_kinds for word in (kind.name, *kind.words)
    }
    for clause in clauses_of(text):
        name = bike_name(answer_in(shop, clause) or "")
        lowered = name.lower()
        if not name or lowered in words or lowered in VAGUE_BIKE_WORDS:
            continue
        if any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in words):
            continue  # the kind itself ("a road bike")
        if len(name.split()) <= _MAX_BIKE_WORDS and shop.repair_service(name) is None:
            return name
    return None


def item_in_order(text: str, items: tuple[str, ...]) -> str | None:
    """The order's item that the customer's words name ("the pump" -> "Acme track pump")."""
    wanted = _words(text)
    for item in items:
        name = _words(item)
        if wanted and (wanted in name or name in wanted or set(wanted.split()) & set(name.split())):
            return item
    if len(items) == 1 and wanted in {"it", "that", "the item", "everything", "all"}:
        return items[0]
    return None


class ConfirmsOrderDetails(SafeFormValidation, ABC):
    """Reads the email address and postcode a customer gives to confirm an order is theirs
    (an email and a postcode in one message fill both). Without them, a person checks the
    order with the customer (`without_details`)."""

    def without_details(self, slot: str) -> tuple[Exit, dict[str, Any]]:
        """The ladder of a detail the customer can't give, and the slots its way out sets."""
        return EXITS[slot], {EMAIL_SLOT: UNKNOWN, POSTCODE_SLOT: UNKNOWN}

    def _missed_detail(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str
    ) -> dict[str, Any]:
        exit_, also = self.without_details(slot)
        return missed(dispatcher, tracker, slot, exit_, also=also)

    async def validate_order_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = ownership.email_in(str(value or ""))
        if email is None:
            return self._missed_detail(dispatcher, tracker, EMAIL_SLOT)
        found = {EMAIL_SLOT: email}
        postcode = ownership.postcode_in(str(value or ""))
        if postcode is not None and not tracker.get_slot(POSTCODE_SLOT):
            found[POSTCODE_SLOT] = postcode
        return found

    async def validate_order_postcode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        postcode = ownership.postcode_in(str(value or ""))
        if postcode is None:
            return self._missed_detail(dispatcher, tracker, POSTCODE_SLOT)
        return {POSTCODE_SLOT: postcode}


class ValidateOrderCheckForm(ConfirmsOrderDetails):
    """The order check form: an email address and a postcode (action_check_order_details
    compares them with the order when both are in)."""

    def name(self) -> str:
        return "validate_order_check_form"


class ValidateReturnForm(ConfirmsOrderDetails):
    """Checks the order number, the item and the reason of a return. The form's email address
    and postcode are asked only of a customer who isn't known to own the order (or who gives
    a number nobody has: the same questions), right after the number."""

    def name(self) -> str:
        return "validate_return_form"

    def exit_for(self, slot: str, tracker: Tracker) -> Exit | None:
        return RETURN_DETAILS_EXITS.get(slot) or EXITS.get(slot)

    def answers_anyway(self, tracker: Tracker, slot: str) -> bool:
        """A wish (a swap, a refund) is what the return is for: taken, whatever was asked."""
        return _wish_in(str((tracker.latest_message or {}).get("text") or "")) is not None

    async def extract_return_bought(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Roughly when it was bought, when the customer said it earlier in this session
        ("bought it about 45 days ago"), so the form doesn't ask for it."""
        if tracker.get_slot("requested_slot") == BOUGHT_SLOT or tracker.get_slot(BOUGHT_SLOT):
            return {}
        shop = await base.load_business()
        today = base.today(shop)
        for event in reversed(_session_messages(tracker)):
            text = str(event.get("text") or "")
            asks_return = _intent_of(event) == RETURN_INTENT
            bought = BOUGHT_WORDS.search(text) or (asks_return and GONE_BY.search(text))
            days = days_since(text, today, shop.vocabulary) if bought else None
            if days is not None and days >= 0:
                return {BOUGHT_SLOT: text}
        return {}

    async def extract_return_item(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The item the return request named ("return the helmet I bought…"), so the form
        doesn't ask for it."""
        if tracker.get_slot("requested_slot") == "return_item" or tracker.get_slot("return_item"):
            return {}
        item = item_said(tracker)
        return {"return_item": item} if item else {}

    async def extract_return_reason(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The reason the return request gave ("…, doesnt fit"), so the form doesn't ask."""
        asked = tracker.get_slot("requested_slot") == "return_reason"
        if asked or tracker.get_slot("return_reason"):
            return {}
        texts = base.messages_since(tracker, RETURN_INTENT)
        for clause in clauses_of(texts[0]) if texts else []:
            found = _RETURN_REASON.search(clause)
            if found is not None:
                request = _RETURN_ITEM.search(clause)
                return {"return_reason": clause[found.start() :] if request else clause}
        return {}

    async def way_out(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events | None:
        """A return's start, or its order-number question, answered with something else: a
        fault with something bought here is the faulty-item answer (the complaint protocol,
        its remedies from the business file), a complaint is a complaint, a question or
        another request is answered by its own action, and a message that asks for no return
        at all (no return, refund, swap or purchase said: "my bike was stolen") is asked
        about, never sent down the return. Each stops the form first."""
        asked = tracker.get_slot("requested_slot")
        if asked not in (None, "return_order_id"):
            return None
        message = tracker.latest_message or {}
        text = str(message.get("text") or "")
        if not text or text.startswith("/") or reference_in_text(tracker, text):
            return None
        if cant_answer(tracker) or NO_NUMBER.search(text):
            return None  # "I don't have it": the form's own way on
        intent = base.latest_intent(tracker)
        says_return = RETURN_SAID.search(text) is not None or _wish_in(text) is not None
        if await reports_fault(text) and not says_return:
            return leave_form(COMPLAINT_ACTION, RETURN_FORM_SLOTS)
        if asked is None:  # the start: a return only when one is asked for
            bought = PURCHASE_SAID.search(text) or _RETURN_REASON.search(text)
            if intent == RETURN_INTENT and not says_return and not bought:
                dispatcher.utter_message(response=NOT_A_RETURN)
                return leave_form(LISTEN, RETURN_FORM_SLOTS)
            return None
        if intent == COMPLAINT_INTENT:
            return leave_form(COMPLAINT_ACTION, RETURN_FORM_SLOTS)
        read = message.get("intent") or {}
        sure = float(read.get("confidence") or 0.0) >= REQUEST_CONFIDENCE
        answered_by = ASIDE_ACTIONS.get(str(intent)) if sure else None
        if answered_by is not None:
            return leave_form(answered_by, RETURN_FORM_SLOTS)
        if intent in UNREAD_INTENTS and asks_something(await base.load_business(), text):
            return leave_form(LADDER_ACTION, RETURN_FORM_SLOTS)  # a question it can't answer
        return None

    def without_details(self, slot: str) -> tuple[Exit, dict[str, Any]]:
        """No email address or postcode for the order: the return goes on without the order
        (and the details are not asked again to find one)."""
        given_up = {EMAIL_SLOT: UNKNOWN, POSTCODE_SLOT: UNKNOWN}
        return RETURN_DETAILS_EXITS[slot], {"return_order_id": NO_ORDER, **given_up}

    @staticmethod
    def _may_find_by_details(tracker: Tracker) -> bool:
        """Whether a return without an order number may look the order up by the email
        address and postcode it was placed with: for a customer who is not signed in (a
        signed-in one's orders are found from the item), while details may still be tried."""
        misses = int(tracker.get_slot(MISSES_SLOT) or 0)
        return not tracker.get_slot("customer_id") and misses < MAX_DETAIL_CHECKS

    @staticmethod
    async def _owned_order(tracker: Tracker, reference: Any) -> OrderRecord | None:
        """The order with this number, when the customer asking owns it."""
        shop = await base.load_business()
        order = (await shop_records(shop)).order(reference)
        if order is None or not ownership.owns(await ownership.asker_of(tracker), order):
            return None
        return order

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        reference = tracker.get_slot("return_order_id")
        if tracker.get_slot("return_item") == UNKNOWN:  # which item, nobody can say: a person
            return domain_slots[: domain_slots.index("return_item") + 1]
        if reference == NO_ORDER:  # no number: the item, then its details or roughly when
            slots = [slot for slot in domain_slots if slot not in (EMAIL_SLOT, POSTCODE_SLOT)]
            if self._may_find_by_details(tracker):
                after_item = slots.index("return_item") + 1
                slots[after_item:after_item] = [EMAIL_SLOT, POSTCODE_SLOT]
            return slots
        slots = [slot for slot in domain_slots if slot != BOUGHT_SLOT]
        if reference and await self._owned_order(tracker, reference) is None:
            return slots  # the email address and postcode, right after the number
        return [slot for slot in slots if slot not in (EMAIL_SLOT, POSTCODE_SLOT)]

    async def validate_return_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        said = str(value or "")
        reference = None if value == NO_ORDER else normalise_reference(said)
        if reference is None and (
            value == NO_ORDER or cant_answer(tracker) or NO_NUMBER.search(said)
        ):
            text = str((tracker.latest_message or {}).get("text") or "")
            if IN_SHOP.search(text):  # bought in the shop: no order to find by its details
                return {"return_order_id": NO_ORDER, EMAIL_SLOT: UNKNOWN, POSTCODE_SLOT: UNKNOWN}
            return {"return_order_id": NO_ORDER, EMAIL_SLOT: None, POSTCODE_SLOT: None}
        if reference is None:  # explained once; the next miss goes on without it
            return missed(
                dispatcher,
                tracker,
                "return_order_id",
                EXITS["return_order_id"],
                example=REFERENCE_EXAMPLE,
            )
        order = await self._owned_order(tracker, reference)
        if order is None:  # not known to be theirs, or no such order: the same words
            if int(tracker.get_slot(MISSES_SLOT) or 0) >= MAX_DETAIL_CHECKS:
                return explain(
                    dispatcher,
                    "return_order_id",
                    "utter_order_check_limit_in_return",
                    order_id=ownership.shown(reference),
                )
            dispatcher.utter_message(
                response="utter_order_check_intro", order_id=ownership.shown(reference)
            )
            return {"return_order_id": reference, EMAIL_SLOT: None, POSTCODE_SLOT: None}
        return {"return_order_id": reference, **self._item_for(order, tracker)}

    @staticmethod
    def _item_for(order: OrderRecord, tracker: Tracker) -> dict[str, Any]:
        """The item, when the order has only one (no need to ask which), or when the customer
        named it before the order was confirmed as theirs."""
        named = tracker.get_slot("return_item")
        if named:
            return {"return_item": item_in_order(str(named), order.items)}
        if len(order.items) == 1:
            return {"return_item": order.items[0]}
        return {}

    async def validate_order_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = await super().validate_order_email(value, dispatcher, tracker, domain)
        if found.get(EMAIL_SLOT) == UNKNOWN:  # the way out: going on without the order
            return found
        if found.get(EMAIL_SLOT) and (found.get(POSTCODE_SLOT) or tracker.get_slot(POSTCODE_SLOT)):
            postcode = found.get(POSTCODE_SLOT) or tracker.get_slot(POSTCODE_SLOT)
            return await self._compare(dispatcher, tracker, found[EMAIL_SLOT], postcode)
        return found

    async def validate_order_postcode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = await super().validate_order_postcode(value, dispatcher, tracker, domain)
        email = tracker.get_slot(EMAIL_SLOT)
        if found.get(POSTCODE_SLOT) == UNKNOWN:  # the way out: going on without the order
            return found
        if found.get(POSTCODE_SLOT) and email and email != UNKNOWN:
            return await self._compare(dispatcher, tracker, email, found[POSTCODE_SLOT])
        return found

    async def _compare(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, email: str, postcode: str
    ) -> dict[str, Any]:
        """The details are in: the return goes on for the owner; anyone else (and any number
        nobody has) hears the same say-yes answer, with a person as the next step."""
        reference = str(tracker.get_slot("return_order_id") or "")
        if reference == NO_ORDER:
            return await self._find_by_details(dispatcher, tracker, email, postcode)
        shop = await base.load_business()
        order = (await shop_records(shop)).order(reference)
        cleared = {EMAIL_SLOT: None, POSTCODE_SLOT: None}
        if order is not None and ownership.details_match(order, email, postcode):
            confirmed = ownership.confirmed_with(tracker.get_slot(CONFIRMED_SLOT), order.order_id)
            return {**cleared, CONFIRMED_SLOT: confirmed, **self._item_for(order, tracker)}
        misses = int(tracker.get_slot(MISSES_SLOT) or 0) + 1
        response = (
            "utter_order_check_limit_in_return"
            if misses >= MAX_DETAIL_CHECKS
            else "utter_order_check_no_match_in_return"
        )
        dispatcher.utter_message(response=response, order_id=ownership.shown(reference))
        return {
            **cleared,
            MISSES_SLOT: float(misses),
            "return_order_id": None,
            "return_item": None,
            HINT_SLOT: "return_order_id",
        }

    async def _find_by_details(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, email: str, postcode: str
    ) -> dict[str, Any]:
        """No order number: the order placed with this email address and postcode that holds
        the item named is the customer's (the same confirmation as for a number), and the
        return goes on with it. Anything else (no such details, the details of someone else,
        no order of theirs holding the item) gets the same words, counts as a miss, and the
        return goes on without the order; the last miss offers a person."""
        item = str(tracker.get_slot("return_item") or "")
        shop = await base.load_business()
        records = await shop_records(shop)
        found = sorted(
            (
                (order.placed, order.order_id, held)
                for order in records.orders
                if ownership.details_match(order, email, postcode)
                and (held := item_in_order(item, order.items)) is not None
            ),
            reverse=True,
        )
        if found:
            _, order_id, held = found[0]
            confirmed = ownership.confirmed_with(tracker.get_slot(CONFIRMED_SLOT), order_id)
            dispatcher.utter_message(
                response="utter_return_found_by_details", order_id=f"#{order_id}", item=held
            )
            return {
                EMAIL_SLOT: None,
                POSTCODE_SLOT: None,
                CONFIRMED_SLOT: confirmed,
                "return_order_id": order_id,
                "return_item": held,
            }
        misses = int(tracker.get_slot(MISSES_SLOT) or 0) + 1
        response = (
            "utter_return_details_limit"
            if misses >= MAX_DETAIL_CHECKS
            else "utter_return_not_found_by_details"
        )
        dispatcher.utter_message(response=response)
        return {EMAIL_SLOT: UNKNOWN, POSTCODE_SLOT: UNKNOWN, MISSES_SLOT: float(misses)}

    async def validate_return_item(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        message = str((tracker.latest_message or {}).get("text") or "").strip()
        if text and text == message:  # the whole message: the item in it, or none
            named = _RETURN_ITEM.search(text)
            if named is not None:
                text = named.group("item")
            elif _wish_in(text) is not None:
                # "Can I swap it for a bigger size instead?": the return's wish, not the item;
                # the item the request named, else the question again.
                return {"return_item": item_said(tracker)}
            else:
                # "the helmet?? i just said": the item, without the aside or the article; a
                # message that names no item is no answer (nothing kept rather than all of it)
                said = bike_name(answer_in(await base.load_business(), text) or "")
                text = said if said and names_an_item(said) else ""
        unanswered = not text or not_given(tracker, value)
        if tracker.get_slot("return_order_id") == NO_ORDER:
            if unanswered:
                return missed(dispatcher, tracker, "return_item", EXITS["return_item"])
            return await self._item_without_number(text, tracker)
        order = await self._owned_order(tracker, tracker.get_slot("return_order_id"))
        if order is None or not order.items:  # checked once the order is confirmed as theirs
            if unanswered:
                return missed(dispatcher, tracker, "return_item", EXITS["return_item"])
            return {"return_item": text}
        item = None if unanswered else item_in_order(text, order.items)
        if item is not None:
            return {"return_item": item}
        shop = await base.load_business()
        return missed(
            dispatcher,
            tracker,
            "return_item",
            EXITS["return_item_in_order"],
            order_id=f"#{order.order_id}",
            items=shop.wording.join(order.items),
        )

    @staticmethod
    async def _orders_holding(tracker: Tracker, text: str) -> list[tuple[OrderRecord, str]]:
        """The signed-in customer's own orders that hold the item they named (none when no one
        is signed in), the most recent first."""
        customer = tracker.get_slot("customer_id")
        if not customer or not text:
            return []
        shop = await base.load_business()
        orders = (await shop_records(shop)).orders_of(str(customer))
        return [
            (order, item)
            for order in orders
            if (item := item_in_order(text, order.items)) is not None
        ]

    async def _item_without_number(self, text: str, tracker: Tracker) -> dict[str, Any]:
        """No order number: a signed-in customer's own order that holds the item is found by
        the item (their account names it); otherwise the item goes on as they said it."""
        found = await self._orders_holding(tracker, text)
        if len(found) == 1:
            order, item = found[0]
            return {"return_order_id": order.order_id, "return_item": item}
        return {"return_item": text}

    async def _order_bought_then(self, tracker: Tracker, days: int) -> dict[str, Any]:
        """Several of a signed-in customer's orders hold the item: the one placed closest to
        when they say they bought it, within `ORDER_DATE_SLACK_DAYS`, is the order."""
        found = await self._orders_holding(tracker, str(tracker.get_slot("return_item") or ""))
        shop = await base.load_business()
        bought = base.today(shop) - dt.timedelta(days=days)
        near = sorted(
            (abs((order.placed - bought).days), order.order_id, item)
            for order, item in found
            if abs((order.placed - bought).days) <= ORDER_DATE_SLACK_DAYS
        )
        if not near:
            return {}
        _, order_id, item = near[0]
        return {"return_order_id": order_id, "return_item": item}

    async def validate_return_bought(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        exit_ = EXITS[BOUGHT_SLOT]
        if not_given(tracker, value):  # "can't remember": the next steps, and on without it
            return go_on_without(dispatcher, BOUGHT_SLOT, exit_)
        shop = await base.load_business()
        today = base.today(shop)
        age = purchase_age(str(value or ""), today, shop.vocabulary)
        if age is not None and age.days is None:  # "ages ago": too long ago to say when
            return go_on_without(dispatcher, BOUGHT_SLOT, exit_)
        if age is not None and age.days is not None and age.days >= 0:
            if age.assumed is not None:  # a rough time: the date it is taken as, said back
                dispatcher.utter_message(
                    response=ASSUMED_BOUGHT, date=shop.wording.day_and_month(age.assumed)
                )
            found = await self._order_bought_then(tracker, age.days)
            return {BOUGHT_SLOT: str(age.days), **found}
        if _wish_in(str(value or "")) is not None:
            # "Can I swap it instead?": the return's wish (read when it is decided), not a
            # miss of this question, which is simply asked again.
            return {BOUGHT_SLOT: None}
        return missed(dispatcher, tracker, BOUGHT_SLOT, EXITS[BOUGHT_SLOT])

    async def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not_given(tracker, value):
            return missed(dispatcher, tracker, "return_reason", EXITS["return_reason"])
        text = await echo_of(_SAID_BEFORE.sub("", str(value or "").strip()))
        if len(text) < 3:
            return missed(dispatcher, tracker, "return_reason", EXITS["return_reason"])
        return {"return_reason": text}


def item_said(tracker: Tracker) -> str | None:
    """The item the return request named in its own words ("helmet"), or None."""
    texts = base.messages_since(tracker, RETURN_INTENT)
    found = (_RETURN_ITEM.search(texts[0]) or _BOUGHT_ITEM.search(texts[0])) if texts else None
    return found.group("item").strip() if found else None


def _wish_in(text: str) -> str | None:
    """The wish ("refund", "exchange") a message states, if any."""
    from actions.orders import return_wish  # orders builds on this module

    return return_wish([text])


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


class AskSlotAction(ShopAction):
    """Asks a form's question, unless validation has just explained what it needs."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The form slot this action asks for (a class attribute in each subclass)."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        if tracker.get_slot(HINT_SLOT) == self.slot:
            return [SlotSet(HINT_SLOT, None)]
        dispatcher.utter_message(response=f"utter_ask_{self.slot}")
        return [SlotSet(HINT_SLOT, None)] if tracker.get_slot(HINT_SLOT) else []


class ActionAskRepairBike(AskSlotAction):
    """Asks which bike; a customer whose bike the memory knows is asked to confirm it instead."""

    slot = "repair_bike"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        known = await remembered_bike(tracker)
        if not known or tracker.get_slot(HINT_SLOT) == self.slot:
            return await super().answer(dispatcher, tracker, domain, shop)
        dispatcher.utter_message(response="utter_ask_repair_bike_same", bike=known)
        hint = [SlotSet(HINT_SLOT, None)] if tracker.get_slot(HINT_SLOT) else []
        return [*hint, SlotSet("known_bike", known)]


class ActionAskRepairProblem(AskSlotAction):
    slot = "repair_problem"


class ActionAskRepairDate(AskSlotAction):
    slot = "repair_date"


class ActionAskReturnOrderId(AskSlotAction):
    slot = "return_order_id"


class ActionAskReturnItem(AskSlotAction):
    """Asks which item; without an order number there is no order to pick it from."""

    slot = "return_item"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        if tracker.get_slot("return_order_id") != NO_ORDER or tracker.get_slot(HINT_SLOT):
            return await super().answer(dispatcher, tracker, domain, shop)
        dispatcher.utter_message(response="utter_ask_return_item_without_order")
        return []


class ActionAskReturnBought(AskSlotAction):
    slot = BOUGHT_SLOT


class ActionAskReturnReason(AskSlotAction):
    slot = "return_reason"


class ActionAskOrderEmail(AskSlotAction):
    """Asks for the order's email address; in a return without an order number, as another
    way to find the order, with the way out said."""

    slot = EMAIL_SLOT

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        in_return = (tracker.active_loop or {}).get("name") == "return_form"
        if not in_return or tracker.get_slot("return_order_id") != NO_ORDER:
            return await super().answer(dispatcher, tracker, domain, shop)
        if tracker.get_slot(HINT_SLOT) == self.slot:
            return [SlotSet(HINT_SLOT, None)]
        dispatcher.utter_message(response="utter_ask_order_email_to_find_order")
        return [SlotSet(HINT_SLOT, None)] if tracker.get_slot(HINT_SLOT) else []


class ActionAskOrderPostcode(AskSlotAction):
    slot = POSTCODE_SLOT


class StopFormAction(ShopAction):
    """Confirms that a stopped form booked nothing, and clears what it had collected."""

    @property
    @abstractmethod
    def slots(self) -> tuple[str, ...]:
        """The form's slots, cleared so that starting again starts fresh."""

    @property
    @abstractmethod
    def response(self) -> str:
        """What the customer is told (nothing happened, and what they can do next)."""

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        dispatcher.utter_message(response=self.response)
        return [SlotSet(slot, None) for slot in (*self.slots, HINT_SLOT)]


class ActionStopRepairForm(StopFormAction):
    slots = REPAIR_SLOTS
    response = "utter_repair_form_stopped"

    def name(self) -> str:
        return "action_stop_repair_form"


RETURN_FORM_SLOTS = (
    "return_order_id",
    "return_item",
    BOUGHT_SLOT,
    "return_reason",
    EMAIL_SLOT,
    POSTCODE_SLOT,
)


class ActionStopReturnForm(StopFormAction):
    slots = RETURN_FORM_SLOTS
    response = "utter_return_form_stopped"

    def name(self) -> str:
        return "action_stop_return_form"
