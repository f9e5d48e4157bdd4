"""`action_waiting_reply`: every message to a chat that waits for a person is acknowledged, and
out of hours a contact is asked for, validated, confirmed and kept on the chat's own handoff.
The rules as plain functions, then the action with the real domain and a real (SQLite) memory."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import memory
from actions import base
from actions import waiting as w
from actions.handoff import ActionHandoff
from actions.waiting import ActionWaitingReply, WaitingSoFar, plan_reply
from bot.settings import Settings
from memory.agents import AgentAccounts
from memory.store import MemoryStore
from voice.business import load as load_business

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "actions"))
from action_testkit import make_tracker, said, use_settings  # noqa: E402

SHOP = load_business(ROOT / "business.yml")
TUESDAY_MORNING = dt.datetime(2026, 11, 24, 10, 0)
TUESDAY_NIGHT = dt.datetime(2026, 11, 24, 23, 0)


# -- the rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("sam@example.com", "sam@example.com"),
        ("you can email me at Sam.Taylor@Example.co.uk thanks", "sam.taylor@example.co.uk"),
        ("07700 900123", "07700 900123"),
        ("call me on +44 117 496 0123 after 5", "+44 117 496 0123"),
        ("(0117) 496-0123", "(0117) 496-0123"),
        ("sam@example", None),
        ("sam at example dot com", None),
        ("0117 496", None),
        ("my order was 51234", None),
        ("the gears keep slipping", None),
    ],
)
def test_a_contact_is_an_email_or_a_phone_number(text: str, contact: str | None) -> None:
    assert w.contact_in(text) == contact


@pytest.mark.parametrize(
    ("text", "tries"),
    [
        ("sam@example", True),
        ("0117 496", True),
        ("my email is sam at example dot com", True),
        ("the gears keep slipping since last Tuesday and it's getting worse", False),
        ("hello?", False),
    ],
)
def test_what_is_meant_as_a_contact(text: str, tries: bool) -> None:
    assert w.tries_a_contact(text) is tries


def test_in_hours_the_first_message_gets_the_promised_time_and_later_ones_a_short_note() -> None:
    first = plan_reply(WaitingSoFar(), wants_contact=False, text="it's my brakes", intent=None)
    later = plan_reply(WaitingSoFar(replies=1), wants_contact=False, text="hi?", intent="greet")
    assert (first.responses, first.contact) == ([w.NOTED], None)
    assert (later.responses, later.contact) == ([w.MORE], None)


def test_out_of_hours_the_first_acknowledgement_asks_for_a_contact() -> None:
    reply = plan_reply(WaitingSoFar(), wants_contact=True, text="brakes squeal", intent=None)
    assert reply.responses == [w.NOTED, w.ASK_CONTACT]


def test_a_contact_in_the_first_message_is_kept_and_confirmed_without_asking() -> None:
    reply = plan_reply(
        WaitingSoFar(), wants_contact=True, text="brakes squeal, sam@example.com", intent=None
    )
    assert reply.responses == [w.NOTED, w.CONTACT_SAVED]
    assert reply.contact == "sam@example.com"


def test_a_bad_contact_gets_an_example_then_is_left_out_never_a_third_ask() -> None:
    asked = WaitingSoFar(replies=2, asks=1)
    second = plan_reply(asked, wants_contact=True, text="sam@example", intent=None)
    assert second.responses == [w.CONTACT_EXAMPLE] and second.contact is None
    explained = WaitingSoFar(replies=3, asks=2)
    third = plan_reply(explained, wants_contact=True, text="sam@examplecom", intent=None)
    assert third.responses == [w.CONTACT_LEFT_OUT] and third.contact is None
    assert w.ASK_CONTACT not in third.responses and w.CONTACT_EXAMPLE not in third.responses


def test_a_good_contact_after_a_bad_one_is_kept() -> None:
    explained = WaitingSoFar(replies=3, asks=2)
    reply = plan_reply(explained, wants_contact=True, text="sam@example.com", intent="inform")
    assert reply.responses == [w.CONTACT_SAVED] and reply.contact == "sam@example.com"


@pytest.mark.parametrize(("text", "intent"), [("no thanks", None), ("nah", "deny")])
def test_no_thanks_is_accepted(text: str, intent: str | None) -> None:
    reply = plan_reply(
        WaitingSoFar(replies=2, asks=1), wants_contact=True, text=text, intent=intent
    )
    assert reply.responses == [w.CONTACT_DECLINED] and reply.contact is None


def test_more_words_after_the_ask_are_added_for_the_team_without_asking_again() -> None:
    reply = plan_reply(
        WaitingSoFar(replies=2, asks=1),
        wants_contact=True,
        text="also the chain is rusty",
        intent=None,
    )
    assert reply.responses == [w.MORE]


def test_a_signed_in_customer_confirms_the_email_on_their_record() -> None:
    first = plan_reply(
        WaitingSoFar(), wants_contact=True, text="brakes", intent=None, known_email="a@b.example"
    )
    assert first.responses == [w.NOTED, w.CONFIRM_EMAIL]
    confirming = WaitingSoFar(replies=2, asks=1, confirming=True)
    yes = plan_reply(
        confirming, wants_contact=True, text="yes", intent="affirm", known_email="a@b.example"
    )
    assert yes.responses == [w.CONTACT_SAVED] and yes.contact == "a@b.example"
    other = plan_reply(
        confirming, wants_contact=True, text="07700 900123", intent=None, known_email="a@b.example"
    )
    assert other.contact == "07700 900123"


def test_once_settled_every_message_is_a_short_acknowledgement() -> None:
    settled = WaitingSoFar(replies=3, asks=1, settled=True)
    reply = plan_reply(settled, wants_contact=True, text="x@y.example", intent=None)
    assert reply.responses == [w.MORE] and reply.contact is None


def bot(response: str) -> dict[str, Any]:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


def test_the_state_is_read_from_what_was_said_since_the_latest_pause() -> None:
    events = [
        {"event": "pause"},
        bot(w.NOTED),
        bot(w.ASK_CONTACT),
        {"event": "resume"},
        {"event": "pause"},
        {"event": "user", "text": "hi"},
        bot(w.NOTED),
        bot(w.CONFIRM_EMAIL),
    ]
    assert w.since_pause(events) == WaitingSoFar(replies=2, asks=1, confirming=True)
    assert w.since_pause([*events, bot(w.CONTACT_SAVED)]).settled


def test_the_promised_time_is_said_in_the_shops_words_until_it_has_passed() -> None:
    moment = TUESDAY_NIGHT.replace(tzinfo=dt.timezone.utc)
    tomorrow_nine = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.timezone.utc)
    assert w.reply_by_text(SHOP, tomorrow_nine, moment) == "09:00 tomorrow"
    assert w.reply_by_text(SHOP, tomorrow_nine, tomorrow_nine + dt.timedelta(minutes=1)) is None
    assert w.reply_by_text(SHOP, None, moment) is None


# -- the action, with the real domain and memory --------------------------------------------


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    return Domain.load(str(ROOT / "domain.yml")).as_dict()


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    memory.migrate(url)
    config = Settings(
        business_file=ROOT / "business.yml",
        database_url=url,
        shop_records_file=ROOT / "shop_records.yml",
    )

    use_settings(monkeypatch, config)
    monkeypatch.setattr(base, "now", lambda shop: TUESDAY_NIGHT)
    return url


class Chat:
    """One conversation's events, run through the real handoff and waiting actions."""

    def __init__(self, domain: dict[str, Any], sender_id: str, slots: dict | None = None):
        self.domain, self.sender_id, self.slots = domain, sender_id, dict(slots or {})
        self.events: list[dict[str, Any]] = []

    def tracker(self, intent: str | None, text: str) -> Tracker:
        tracker = make_tracker(
            intent, text, slots=self.slots, history=self.events, sender_id=self.sender_id
        )
        self.events = list(tracker.events)
        return tracker

    async def hand_off(self) -> CollectingDispatcher:
        dispatcher = CollectingDispatcher()
        events = await ActionHandoff().run(
            dispatcher, self.tracker("request_human", "can I talk to a person"), self.domain
        )
        self.events += [*self._said(dispatcher), *events]
        return dispatcher

    async def says(self, text: str, intent: str | None = None) -> list[dict[str, Any]]:
        """The customer writes while the chat is paused; what the waiting reply said."""
        dispatcher = CollectingDispatcher()
        events = await ActionWaitingReply().run(dispatcher, self.tracker(intent, text), self.domain)
        self.events += [*self._said(dispatcher), *events]
        return dispatcher.messages

    @staticmethod
    def _said(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
        return [
            {"event": "bot", "text": m.get("text"), "metadata": {"utter_action": m.get("response")}}
            for m in dispatcher.messages
        ]


def words(domain: dict[str, Any], message: dict[str, Any]) -> str:
    """A response as the customer reads it (the domain's text with its fill-ins)."""
    if message.get("text"):
        return str(message["text"])
    text = str(domain["responses"][message["response"]][0]["text"])
    for key, value in message.items():
        text = text.replace("{" + key + "}", str(value))
    return text


async def test_out_of_hours_a_message_is_acknowledged_with_the_promised_time_and_a_contact_kept(
    database: str, domain: dict[str, Any]
) -> None:
    chat = Chat(domain, "ben")
    await chat.hand_off()
    handoff = MemoryStore(database).handoffs.open_for("ben")
    assert handoff is not None and handoff.offline
    assert handoff.reply_by == dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.timezone.utc)

    first = await chat.says("my rear brake squeals when it rains")
    assert said_of(first) == [w.NOTED, w.ASK_CONTACT]
    assert words(domain, first[0]) == (
        "Got it, I've added that to your message for the team; they'll reply by 09:00 tomorrow."
    )
    bad = await chat.says("ben@example")
    assert said_of(bad) == [w.CONTACT_EXAMPLE]
    assert "sam@example.com" in words(domain, bad[0])
    good = await chat.says("ben.jones@example.com")
    assert said_of(good) == [w.CONTACT_SAVED]
    assert "ben.jones@example.com" in words(domain, good[0])
    assert MemoryStore(database).handoffs.open_for("ben").contact == "ben.jones@example.com"  # type: ignore[union-attr]
    more = await chat.says("it's a Trek by the way")
    assert said_of(more) == [w.MORE]
    again = await chat.says("thanks!")
    assert said_of(again) == [w.MORE]


def said_of(messages: list[dict[str, Any]]) -> list[str | None]:
    dispatcher = CollectingDispatcher()
    dispatcher.messages.extend(messages)
    return said(dispatcher)


async def test_in_hours_with_an_agent_online_the_wait_is_the_promised_time(
    database: str, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "now", lambda shop: TUESDAY_MORNING)
    accounts = AgentAccounts(database)
    accounts.add("Alex", "a long enough password")
    accounts.heartbeat("Alex")
    chat = Chat(domain, "cleo")
    await chat.hand_off()
    handoff = MemoryStore(database).handoffs.open_for("cleo")
    assert handoff is not None and not handoff.offline and handoff.reply_by is not None
    first = await chat.says("it's about my order")
    assert said_of(first) == [w.NOTED]  # no contact asked: a person is about to join
    assert "they'll reply by" in words(domain, first[0])
    assert said_of(await chat.says("hello?")) == [w.MORE]


async def test_while_an_agent_holds_the_chat_the_bot_says_nothing(
    database: str, domain: dict[str, Any]
) -> None:
    chat = Chat(domain, "dee")
    await chat.hand_off()
    queue = MemoryStore(database).handoffs
    queue.claim(queue.open_for("dee").id, "Alex")  # type: ignore[union-attr]
    assert await chat.says("are you there?") == []


async def test_a_signed_in_customer_confirms_their_own_email_and_only_their_chat_keeps_it(
    database: str, domain: dict[str, Any]
) -> None:
    other = Chat(domain, "someone-else")
    await other.hand_off()
    chat = Chat(domain, "signed-in", slots={"customer_id": "c-1001"})
    await chat.hand_off()
    first = await chat.says("I need to change my repair day")
    assert said_of(first) == [w.NOTED, w.CONFIRM_EMAIL]
    assert "sam.taylor@example.com" in words(domain, first[1])
    assert said_of(await chat.says("yes", intent="affirm")) == [w.CONTACT_SAVED]
    queue = MemoryStore(database).handoffs
    assert queue.open_for("signed-in").contact == "sam.taylor@example.com"  # type: ignore[union-attr]
    assert queue.open_for("someone-else").contact is None  # type: ignore[union-attr]


async def test_no_thanks_leaves_no_contact_and_is_not_asked_again(
    database: str, domain: dict[str, Any]
) -> None:
    chat = Chat(domain, "eli")
    await chat.hand_off()
    await chat.says("my wheel is buckled")
    assert said_of(await chat.says("no thanks", intent="deny")) == [w.CONTACT_DECLINED]
    assert said_of(await chat.says("my number is 0117")) == [w.MORE]
    assert MemoryStore(database).handoffs.open_for("eli").contact is None  # type: ignore[union-attr]


async def test_every_waiting_response_passes_the_tone_guard(domain: dict[str, Any]) -> None:
    from voice import tone

    # The guard the actions check these with when they send them (`actions.base.check_tone`):
    # the bot's own words go through the rules alone (docs/tone.md, "Where it is enforced").
    guard = tone.build_rules_guard()
    assert w.WAITING_RESPONSES <= set(domain["responses"])
    for name in sorted(w.WAITING_RESPONSES):
        text = domain["responses"][name][0]["text"]
        assert guard.check(text).ok, (name, guard.check(text).as_dict())


# -- the message complete: the chat goes back to the bot ------------------------------------


async def test_a_settled_contact_gives_the_chat_back_to_the_bot(
    database: str, domain: dict[str, Any]
) -> None:
    for sender, contact, intent in [
        ("fay", "fay@example.com", None),
        ("gus", "no thanks", "deny"),
    ]:
        chat = Chat(domain, sender)
        await chat.hand_off()
        await chat.says("my rear brake squeals when it rains")
        dispatcher = CollectingDispatcher()
        events = await ActionWaitingReply().run(
            dispatcher, chat.tracker(intent, contact), chat.domain
        )
        assert said(dispatcher)[-1] in w.SETTLED
        # Resumed, with the listen that precedes the next message: Rasa predicts as usual.
        assert [event["event"] for event in events] == ["resume", "action"]
        assert events[1]["name"] == "action_listen"


async def test_before_the_contact_is_settled_the_chat_stays_with_the_team(
    database: str, domain: dict[str, Any]
) -> None:
    chat = Chat(domain, "hal")
    await chat.hand_off()
    dispatcher = CollectingDispatcher()
    events = await ActionWaitingReply().run(
        dispatcher, chat.tracker(None, "my chain slips on hills"), chat.domain
    )
    assert said(dispatcher) == [w.NOTED, w.ASK_CONTACT]
    assert events == []


def test_a_message_left_in_this_visit_is_told_apart_from_an_older_one() -> None:
    handed = [{"event": "action", "name": "action_handoff"}, {"event": "pause"}]
    assert w.left_a_message_this_session([{"event": "session_started"}, *handed])
    assert not w.left_a_message_this_session([*handed, {"event": "session_started"}])
    assert not w.left_a_message_this_session([{"event": "action", "name": "action_listen"}])


async def test_what_the_bot_cannot_read_is_added_to_a_message_left_in_this_visit(
    database: str, domain: dict[str, Any]
) -> None:
    from actions.fallback import ActionFallbackLadder

    chat = Chat(domain, "ivy")
    chat.events.append({"event": "action", "name": "action_handoff"})
    await chat.hand_off()
    await chat.says("my rear brake squeals when it rains")
    await chat.says("ivy@example.com")
    chat.events += [{"event": "resume"}]
    detail = CollectingDispatcher()
    await ActionFallbackLadder().run(
        detail, chat.tracker("nlu_fallback", "it's the rear one, by the way"), domain
    )
    assert said(detail) == [w.MORE]
    assert words(domain, detail.messages[0]) == "Got it, that's added for the team too."

    # A new visit: the old message is not added to; the ladder answers as usual.
    chat.events += [{"event": "session_started"}]
    later = CollectingDispatcher()
    await ActionFallbackLadder().run(later, chat.tracker("nlu_fallback", "blorp"), domain)
    assert w.MORE not in said(later) and said(later)

    # Taken by an agent: the agent answers, the ladder does not add to the message.
    other = Chat(domain, "jon")
    other.events.append({"event": "action", "name": "action_handoff"})
    await other.hand_off()
    queue = MemoryStore(database).handoffs
    queue.claim(queue.open_for("jon").id, "Alex")  # type: ignore[union-attr]
    taken = CollectingDispatcher()
    await ActionFallbackLadder().run(taken, other.tracker("nlu_fallback", "blorp"), domain)
    assert w.MORE not in said(taken)


async def test_a_detail_or_a_late_contact_after_the_message_is_added_to_it(
    database: str, domain: dict[str, Any]
) -> None:
    from actions.details import ActionUseDetails

    chat = Chat(domain, "kay")
    chat.events.append({"event": "action", "name": "action_handoff"})
    await chat.hand_off()
    await chat.says("my chain slips on hills")  # the contact is asked for
    chat.events += [
        {"event": "action", "name": "action_waiting_reply"},
        {"event": "resume"},  # a question the bot answered in between
    ]
    detail = CollectingDispatcher()
    await ActionUseDetails().run(detail, chat.tracker("inform", "it's the big ring"), domain)
    assert said(detail) == [w.MORE]
    late = CollectingDispatcher()
    await ActionUseDetails().run(late, chat.tracker("inform", "kay@example.com"), domain)
    assert said(late) == [w.CONTACT_SAVED]
    assert MemoryStore(database).handoffs.open_for("kay").contact == "kay@example.com"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    [
        "ok whats the phone number",
        "what number do I ring to speak to the workshop?",
        "can you check order 48213 while I wait?",
    ],
)
def test_a_question_is_never_a_try_at_a_contact(text: str) -> None:
    assert w.tries_a_contact(text, asks=True) is False


def test_a_question_with_an_at_sign_may_still_be_a_contact_gone_wrong() -> None:
    assert w.tries_a_contact("is it ok to use sam@example?", asks=True) is True


def test_a_question_after_the_ask_is_added_never_met_with_the_contact_example() -> None:
    reply = plan_reply(
        WaitingSoFar(replies=2, asks=1),
        wants_contact=True,
        text="ok whats the phone number",
        intent="ask_location",
        asks=True,
    )
    assert reply.responses == [w.MORE] and reply.contact is None
