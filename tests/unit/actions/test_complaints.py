"""The complaint protocol: sorry without "but", the promise kept in memory, a person when needed."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from action_testkit import make_tracker, use_settings
from rasa_sdk.executor import CollectingDispatcher

import memory
from actions import base, complaints
from bot.settings import Settings
from memory.store import MemoryStore

HANDOFF = {"event": "followup", "timestamp": None, "name": "action_handoff"}


class FakeStore:
    """Records what the action keeps; its card says how the relationship stands."""

    def __init__(self, at_risk: bool = False, open_complaints: int = 0) -> None:
        self.card_shown = SimpleNamespace(
            stage="regular",
            at_risk=at_risk,
            open_issues=[SimpleNamespace(kind="complaint")] * open_complaints,
        )
        self.opened: list[tuple[int, str, str]] = []
        self.promises: list[dict[str, Any]] = []
        self.waiting: list[tuple[str, int]] = []

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Any]:
        """A fake unit of work: the writes inside it are all kept (a real one commits once)."""
        yield self

    @property
    def customers(self) -> Any:  # the fake stands for each repository it is asked for
        return self

    cards = issues = handoffs = customers

    def customer_for_sender(self, sender_id: str) -> int:
        return 7

    def card(self, customer_id: int) -> Any:
        return self.card_shown

    def open_issue(self, customer_id: int, kind: str, summary: str) -> int:
        self.opened.append((customer_id, kind, summary))
        return len(self.opened)

    def make_promise(self, customer_id: int, text: str, due_at: Any, issue_id: int) -> int:
        self.promises.append(
            {"customer": customer_id, "text": text, "due": due_at, "issue": issue_id}
        )
        return len(self.promises)

    def bot_promise(self, sender_id: str, promise_id: int, detail: str | None = None) -> int:
        self.waiting.append((sender_id, promise_id))
        return len(self.waiting)


class DownStore(FakeStore):
    def customer_for_sender(self, sender_id: str) -> int:
        raise memory.MemoryUnavailable("the memory database cannot be reached")


@pytest.fixture
def settings_with_memory(
    monkeypatch: pytest.MonkeyPatch, sample_shop: Settings, tmp_path: Path
) -> Settings:
    """The sample shop with its relationship memory in a fresh SQLite file."""
    config = dataclasses.replace(sample_shop, database_url=f"sqlite:///{tmp_path / 'memory.db'}")

    use_settings(monkeypatch, config)
    return config


def use_store(monkeypatch: pytest.MonkeyPatch, store: Any) -> None:
    async def memory() -> Any:
        return store

    monkeypatch.setattr(base, "store", memory)


async def complain(
    text: str, dispatcher: CollectingDispatcher, domain: dict[str, Any], sender: str = "ann"
) -> list[dict[str, Any]]:
    tracker = make_tracker("complain", text, sender_id=sender)
    return await complaints.ActionHandleComplaint().run(dispatcher, tracker, domain)


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [message.get("text") or "" for message in dispatcher.messages]


def assert_protocol(dispatcher: CollectingDispatcher) -> None:
    said = " ".join(texts(dispatcher))
    assert "thank you for telling me" in said.lower()  # acknowledged
    assert "sorry" in said.lower()  # apologised
    assert not re.search(r"sorry[^.!?]*\bbut\b", said, re.IGNORECASE)  # and no "but" after it
    assert "on us" in said  # owned
    assert all(
        message.get("response") != base.SOMETHING_WENT_WRONG for message in dispatcher.messages
    )


async def test_a_first_complaint_offers_a_remedy_and_records_the_promise(
    monkeypatch: pytest.MonkeyPatch,
    settings_with_memory: Settings,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    store = FakeStore()
    use_store(monkeypatch, store)
    events = await complain("My new tyre went flat after one ride", dispatcher, domain)
    assert events == []
    assert_protocol(dispatcher)
    last = dispatcher.messages[-1]
    assert [button["payload"] for button in last["buttons"]] == ["/return_request", "/book_repair"]
    assert "Thursday 26 November" in last["text"]  # two days after the Tuesday of the clock
    assert last["say_yes"]["reason_code"] == "complaint.alternatives"
    assert store.opened == [(7, "complaint", "My new tyre went flat after one ride")]
    [promise] = store.promises
    assert promise["issue"] == 1 and "Thursday 26 November" in promise["text"]
    assert promise["due"].date().isoformat() == "2026-11-26"
    # The promise waits for the team in the console's follow-ups, with this chat.
    [(sender, promise_id)] = store.waiting
    assert (sender, promise_id) == ("ann", 1)


@pytest.mark.parametrize(
    ("store", "text", "code"),
    [
        (
            FakeStore(open_complaints=1),
            "The repair is still not right",
            "person.standing",
        ),
        (FakeStore(at_risk=True), "The delivery was late again", "person.standing"),
        (FakeStore(), "The brake failed and I was injured", "person"),
        (FakeStore(), "I will speak to my lawyer about this", "person"),
    ],
)
async def test_a_serious_or_repeated_complaint_brings_in_a_person(
    monkeypatch: pytest.MonkeyPatch,
    settings_with_memory: Settings,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    store: FakeStore,
    text: str,
    code: str,
) -> None:
    use_store(monkeypatch, store)
    events = await complain(text, dispatcher, domain)
    assert events == [HANDOFF]
    assert_protocol(dispatcher)
    # A complaint of a known kind is decided by its kind's rules ("complaint_late_order").
    reason_code = dispatcher.messages[-1]["say_yes"]["reason_code"]
    assert re.fullmatch(rf"complaint(?:_[a-z_]+)?\.{re.escape(code)}", reason_code), reason_code
    assert "person" in dispatcher.messages[-1]["text"]
    assert len(store.opened) == 1 and len(store.promises) == 1  # still recorded and promised


async def test_memory_down_still_answers_and_a_person_follows_up(
    monkeypatch: pytest.MonkeyPatch,
    settings_with_memory: Settings,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    use_store(monkeypatch, DownStore())
    events = await complain("Nobody called me back", dispatcher, domain)
    assert events == [HANDOFF]
    assert_protocol(dispatcher)
    last = dispatcher.messages[-1]
    assert last["say_yes"]["reason_code"] == "complaint.person.memory_unavailable"
    assert "check in with you by" not in last["text"]  # no promise nobody would see
    assert "could not record a complaint" in caplog.text


async def test_an_unreachable_database_url_still_answers(
    monkeypatch: pytest.MonkeyPatch,
    sample_shop: Settings,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    config = dataclasses.replace(sample_shop, database_url="not a database url")

    use_settings(monkeypatch, config)
    events = await complain("This is the second time it broke", dispatcher, domain)
    assert events == [HANDOFF]
    assert_protocol(dispatcher)


async def test_the_real_memory_keeps_the_issue_and_the_promise_and_sees_a_repeat(
    settings_with_memory: Settings, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    memory.migrate(settings_with_memory.database_url)
    first = await complain("The lights I bought stopped working", dispatcher, domain)
    assert first == []

    store = MemoryStore(settings_with_memory.database_url)
    try:
        card = store.cards.card_for_sender("ann")
        assert card is not None
        [issue] = card.open_issues
        assert (issue.kind, issue.summary) == ("complaint", "The lights I bought stopped working")
        [promise] = card.promises_due
        assert promise.state == "open" and "check in with you by" in promise.text
        assert promise.due_at is not None
    finally:
        store.close()

    again = CollectingDispatcher()
    second = await complain("And now the replacement is broken too", again, domain)
    assert second == [HANDOFF]  # the second open complaint: a person takes it from here
    reason_code = again.messages[-1]["say_yes"]["reason_code"]
    assert re.fullmatch(r"complaint(?:_[a-z_]+)?\.person\.standing", reason_code), reason_code
    (await base.store()).close()


async def test_business_words_that_fail_the_tone_guard_give_way_to_a_plain_apology(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    real = await complaints.load_rules()
    words = dataclasses.replace(
        real.complaints, acknowledge="As I already said, these things happen."
    )

    async def rules() -> Any:
        return dataclasses.replace(real, complaints=words)

    monkeypatch.setattr(complaints, "load_rules", rules)
    use_store(monkeypatch, FakeStore())
    await complain("my new wheel is buckled", dispatcher, domain)
    feeling, next_step = dispatcher.messages
    assert feeling["text"] == words.apologise  # the plain apology, not the defensive words
    assert feeling["tone"]["replaced"][0]["findings"][0]["kind"] == "defensiveness"
    assert "tone_fallback" not in feeling and "tone_fallback" not in next_step
    assert next_step["buttons"]  # the remedy is still offered


def test_a_complaint_button_takes_the_unhappy_message_it_answered() -> None:
    """ "Something went wrong" pressed after the bot asked about a message it did not
    understand: the complaint is what the customer wrote, not the button's payload."""
    from action_testkit import action_event, user_event

    history = [
        action_event("action_listen"),
        user_event("nlu_fallback", "third time the wheel has buckled, fuming"),
        action_event("action_fallback_ladder"),
    ]
    tracker = make_tracker("complain", "/complain", history=history)
    assert complaints.complaint_words(tracker) == "third time the wheel has buckled, fuming"


def test_a_complaint_button_with_nothing_before_it_has_no_words() -> None:
    tracker = make_tracker("complain", "/complain")
    assert complaints.complaint_words(tracker) == ""


def test_a_complaint_in_words_is_those_words() -> None:
    tracker = make_tracker("complain", "  the bell fell off  ")
    assert complaints.complaint_words(tracker) == "the bell fell off"


async def test_the_whole_script_is_said_once_per_chat(
    monkeypatch: pytest.MonkeyPatch,
    settings_with_memory: Settings,
    domain: dict[str, Any],
) -> None:
    store = FakeStore()
    use_store(monkeypatch, store)
    first = CollectingDispatcher()
    await complain("My new tyre went flat after one ride", first, domain)
    said = [{"event": "bot", "text": text} for text in texts(first)]
    tracker = make_tracker(
        "complain", "and the bell you fitted fell off", history=said, sender_id="ann"
    )
    second = CollectingDispatcher()
    await complaints.ActionHandleComplaint().run(second, tracker, domain)
    again = texts(second)
    # Neither message is the first one word for word; still sorry, still a next step.
    assert not set(again) & set(texts(first)), again
    assert "sorry" in again[0].lower() and "on us" not in again[0]
    assert "check in with you" not in again[-1] and second.messages[-1]["buttons"]
    assert len(store.promises) == 2  # the second complaint is recorded and promised all the same


@pytest.mark.parametrize("then", [(), ("action_handoff",)], ids=["alone", "then-a-person"])
@pytest.mark.parametrize("intent", ["inform", "buy_product"])
async def test_the_bike_named_right_after_a_complaint_is_its_detail(
    settings_with_memory: Settings,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    intent: str,
    then: tuple[str, ...],
) -> None:
    """ "It's a specialized diverge" right after the complaint's answer is added to the
    complaint the team follows up, and the remedies are offered again: no product enquiry,
    whether the model reads it as a detail or as a product question."""
    from action_testkit import action_event, entity, user_event

    from actions.details import ActionUseDetails
    from actions.shop import ActionBuyProduct

    memory.migrate(settings_with_memory.database_url)
    said = "the frame has a crack in it already"
    assert await complain(said, dispatcher, domain) == []
    offered = dispatcher.messages[-1]["buttons"]
    assert offered  # the remedies to choose from
    history = [
        user_event("complain", said),
        action_event("action_handle_complaint"),
        *({"event": "bot", "text": m.get("text"), "data": m} for m in dispatcher.messages),
        *(action_event(name) for name in then),  # a person brought in after the complaint
    ]
    detail = "it's a specialized diverge"
    tracker = make_tracker(
        intent,
        detail,
        [entity("product", "Specialized Diverge")],
        history=history,
        sender_id="ann",
    )
    answer = CollectingDispatcher()
    action = ActionUseDetails() if intent == "inform" else ActionBuyProduct()
    assert await action.run(answer, tracker, domain) == []
    shop = await base.load_business()
    assert texts(answer) == [
        shop.template("complaint_detail_added"),
        shop.template("complaint_detail_choose"),
    ]
    assert answer.messages[-1]["buttons"] == offered
    store = MemoryStore(settings_with_memory.database_url)
    try:
        card = store.cards.card_for_sender("ann")
        assert card is not None
        [issue] = card.open_issues
        assert issue.summary == f"{said} / {detail}"
    finally:
        store.close()
    (await base.store()).close()


async def test_a_detail_without_an_open_complaint_goes_to_a_person(
    settings_with_memory: Settings, domain: dict[str, Any]
) -> None:
    memory.migrate(settings_with_memory.database_url)
    tracker = make_tracker("inform", "it's a specialized diverge", sender_id="nobody")
    answer = CollectingDispatcher()
    shop = await base.load_business()
    assert await complaints.answer_complaint_detail(answer, tracker, shop) == [HANDOFF]
    assert answer.messages == []
    (await base.store()).close()


# --- a complaint needs something wrong with us and a negative feeling ------------------------


def sample_complaint_words() -> Any:
    from bot.settings import ROOT
    from voice import business

    return business.load(ROOT / "business.yml").say_yes_rules().complaints


CALM = {"negative": False, "compound": 0.0}
WARM = {"negative": False, "compound": 0.85}
UPSET = {"negative": True, "compound": -0.6}


@pytest.mark.parametrize(
    ("text", "feeling", "asks", "verdict"),
    [
        ("did a test ride at the weekend and loved every minute", WARM, False, complaints.PRAISED),
        ("could I spread the cost over a few months?", CALM, True, complaints.ASKED),
        ("would you service a bike I got somewhere else?", CALM, True, complaints.ASKED),
        ("my brother is even worse at punctures than me lol", CALM, False, complaints.UNSURE),
        ("the lad on the till was really rude to me", UPSET, False, complaints.COMPLAINED),
        ("my parcel has never arrived", CALM, False, complaints.COMPLAINED),  # a kind of complaint
        ("the bell I bought from you cracked", CALM, False, complaints.COMPLAINED),  # a fault
        ("I crashed and was injured", CALM, False, complaints.COMPLAINED),  # serious
        ("why has nobody called me back?", UPSET, True, complaints.COMPLAINED),
        ("anything at all", None, False, complaints.COMPLAINED),  # feeling not read
        ("/complain", CALM, False, complaints.COMPLAINED),  # the customer's own button
    ],
)
def test_a_complaint_needs_something_wrong_said_with_a_negative_feeling(
    text: str, feeling: dict[str, Any] | None, asks: bool, verdict: str
) -> None:
    words = sample_complaint_words()
    assert complaints.complaint_or_not(words, text, feeling, asks) == verdict


@pytest.mark.parametrize(
    ("text", "feeling", "response"),
    [
        ("took one out for a spin on sunday and loved it", WARM, "utter_thanks_for_praise"),
        ("can I pay for it bit by bit rather than all at once?", CALM, "utter_fallback_dont_know"),
        ("my bike was taken from outside the office", CALM, "utter_fallback_sounds_wrong"),
    ],
)  # fmt: skip
async def test_what_is_no_complaint_gets_no_apology_remedy_or_record(
    monkeypatch: pytest.MonkeyPatch,
    settings_with_memory: Settings,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    text: str,
    feeling: dict[str, Any],
    response: str,
) -> None:
    store = FakeStore()
    use_store(monkeypatch, store)
    tracker = make_tracker("complain", text)
    tracker.latest_message["feeling"] = feeling
    events = await complaints.ActionHandleComplaint().run(dispatcher, tracker, domain)
    assert events == []
    assert [message.get("response") for message in dispatcher.messages] == [response]
    assert store.opened == [] and store.promises == []
    assert "on us" not in " ".join(texts(dispatcher))
