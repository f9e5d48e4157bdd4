"""The review inbox from a real (SQLite) exchange log: which messages it lists and why, masked;
groups with the model's guess and the agents' replies; decisions remembered; labelling writes
into a temporary copy of the data."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import select

import memory
from bot.review.inbox import ReviewError, ReviewInbox
from bot.review.masking import Masker
from bot.review.training_files import TrainingData
from bot.settings import ROOT
from memory import schema as s
from memory.records import Exchange, ExtractedFact
from memory.store import MemoryStore

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
_ids = count(1)


class Chat:
    """A scripted conversation written into the exchange log."""

    def __init__(self, store: MemoryStore, sender: str) -> None:
        self.store = store
        self.sender = sender
        self.at = NOW - timedelta(days=1)
        self.conversation = store.exchanges.start_conversation(sender, self.at)

    def _next(self) -> datetime:
        self.at += timedelta(seconds=10)
        return self.at

    def customer(self, text: str, intent: str, confidence: float, guesses=None) -> int:
        policy = {"guesses": guesses} if guesses else None
        exchange = Exchange(
            f"e{next(_ids)}",
            self.sender,
            "customer",
            text,
            self._next(),
            intent,
            confidence,
            policy=policy,
        )
        self.store.exchanges.record_exchange(exchange)
        with self.store.engine.connect() as conn:
            return int(
                conn.execute(
                    select(s.exchanges.c.id).where(s.exchanges.c.event_id == exchange.event_id)
                ).scalar_one()
            )

    def bot(self, text: str, action: str) -> None:
        self.store.exchanges.record_exchange(
            Exchange(f"e{next(_ids)}", self.sender, "bot", text, self._next(), action=action)
        )

    def agent(self, text: str) -> None:
        self.store.exchanges.record_exchange(
            Exchange(f"e{next(_ids)}", self.sender, "agent", text, self._next(), agent="Alex")
        )


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    memory.migrate(url)
    return MemoryStore(url, clock=lambda: NOW)


@pytest.fixture
def inbox(store: MemoryStore, tmp_path: Path) -> ReviewInbox:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "data", content / "data")
    shutil.copy(ROOT / "domain.yml", content / "domain.yml")
    return ReviewInbox(
        store.engine, TrainingData(content), Masker(), confidence=0.7, clock=lambda: NOW
    )


def _by_text(inbox: ReviewInbox) -> dict[str, list[str]]:
    return {item.text: item.reasons for item in inbox.items()}


def test_each_kind_of_miss_is_listed_masked_and_the_rest_is_not(
    store: MemoryStore, inbox: ReviewInbox
) -> None:
    chat = Chat(store, "s1")
    chat.customer("what are your opening hours", "ask_hours", 0.98)
    chat.bot("We open at 9.", "action_tell_hours")
    chat.customer(
        "blorp my email is jo@example.com",
        "nlu_fallback",
        0.5,
        guesses=[{"intent": "ask_hours", "confidence": 0.41}],
    )
    chat.bot("Sorry, could you say that another way?", "utter_fallback_rephrase")
    chat.customer("do u fix unicycles", "book_repair", 0.55)
    chat.bot("Let's book a repair.", "utter_book_repair")
    chat.customer("mend my tandem", "book_repair", 0.92)
    chat.bot("Let's book a repair.", "utter_book_repair")
    chat.customer("that's not what I asked, useless", "complain", 0.95)
    chat.bot("I'm sorry.", "utter_complaint")

    listed = _by_text(inbox)
    assert listed == {
        "blorp my email is <email>": ["fallback"],
        "do u fix unicycles": ["unsure"],
        "mend my tandem": ["complained"],
    }
    fallback = next(i for i in inbox.items() if i.text.startswith("blorp"))
    assert (fallback.intent, fallback.confidence) == ("ask_hours", 0.41)  # the model's guess
    assert fallback.conversation_id == chat.conversation


def test_rephrasing_a_handoff_a_low_rating_and_a_correction(
    store: MemoryStore, inbox: ReviewInbox
) -> None:
    chat = Chat(store, "s2")
    chat.customer("can i hire a bike for the weekend", "buy_product", 0.91)
    chat.bot("Here are our bikes.", "action_recommend")
    chat.customer("i want to HIRE a bike for the weekend", "buy_product", 0.9)
    chat.bot("Here are our bikes.", "action_recommend")
    with store.engine.begin() as conn:
        conn.execute(
            s.handoffs.insert().values(
                sender_id="s2",
                reason="customer_asked",
                state="resolved",
                requested_at=(chat.at + timedelta(seconds=1)).replace(tzinfo=None),
                offline=0,
            )
        )
    chat.agent("Hi Jo, we don't hire bikes, but our test rides are free.")

    rated = Chat(store, "s3")
    rated.customer("hello", "greet", 0.99)
    rated.customer("my chain keeps slipping", "book_repair", 0.8)
    customer = store.customers.customer_for_sender("s3")
    store.feedback.rate(customer, 1, conversation_id=rated.conversation)

    corrected = Chat(store, "s4")
    said = corrected.customer("my bike's the red one", "inform", 0.9)
    customer = store.customers.customer_for_sender("s4")
    store.facts.record_fact(customer, ExtractedFact("bike", "red one"), "message", said)
    store.facts.record_fact(customer, ExtractedFact("name", "Jo"), "message", said)
    fix = corrected.customer("no, my bike is a Dawes", "correct_fact", 0.95)
    store.facts.correct_fact(customer, ExtractedFact("bike", "Dawes"), fix)

    listed = _by_text(inbox)
    assert listed["can i hire a bike for the weekend"] == ["rephrased"]
    assert listed["i want to HIRE a bike for the weekend"] == ["handoff"]
    assert listed["my chain keeps slipping"] == ["rated_low"]
    assert listed["my bike's the red one"] == ["corrected"]
    assert "hello" not in listed

    hire = next(g for g in inbox.groups() if "hire" in g.items[0].text.lower())
    assert len(hire.items) == 2  # the two wordings are one group
    assert hire.intent == "buy_product"
    # The agent's reply is offered as an answer, the customer's name masked (known to memory).
    assert hire.candidates == ["Hi <name>, we don't hire bikes, but our test rides are free."]


def test_labelling_writes_the_masked_example_and_the_inbox_remembers(
    store: MemoryStore, inbox: ReviewInbox
) -> None:
    chat = Chat(store, "s5")
    first = chat.customer("wen r u lot open, mail me at sam@example.com", "nlu_fallback", 0.5)
    second = chat.customer("wen r u lot open pls", "nlu_fallback", 0.5)
    odd = chat.customer("asdf", "nlu_fallback", 0.5)
    done = inbox.accept([first, second], "ask_hours", "Tess")
    assert done["file"] == "data/nlu/store.yml"
    assert done["added"] == ["wen r u lot open, mail me at <email>", "wen r u lot open pls"]
    written = (inbox.training.content_dir / done["file"]).read_text()
    assert "- wen r u lot open, mail me at <email>" in written
    assert "sam@example.com" not in written
    assert inbox.ignore([odd], "Tess") == {"ignored": 1}
    assert inbox.items() == []
    with store.engine.connect() as conn:
        rows = conn.execute(select(s.review_decisions)).all()
    assert sorted((r.decision, r.intent, r.decided_by) for r in rows) == [
        ("example", "ask_hours", "Tess"),
        ("example", "ask_hours", "Tess"),
        ("ignore", None, "Tess"),
    ]
    # The same words said again in another chat are not asked about twice.
    again = Chat(store, "s6")
    again.customer("wen r u lot open pls", "nlu_fallback", 0.5)
    assert inbox.items() == []


def test_bad_labels_get_a_clear_reason(store: MemoryStore, inbox: ReviewInbox) -> None:
    chat = Chat(store, "s7")
    said = chat.customer("what are your opening hours?", "nlu_fallback", 0.5)
    with pytest.raises(ReviewError, match="already an example of ask_hours"):
        inbox.accept([said], "greet", "Tess")
    with pytest.raises(ReviewError, match="no customer message has the id 999"):
        inbox.accept([999], "greet", "Tess")
    with pytest.raises(ReviewError, match="at least one message"):
        inbox.ignore([], "Tess")


def test_the_transcript_is_masked(store: MemoryStore, inbox: ReviewInbox) -> None:
    chat = Chat(store, "s8")
    chat.customer("I'm Jo, order #B7810 please", "order_status", 0.9)
    chat.bot("Hi Jo! Let me look.", "utter_order_status")
    messages = inbox.transcript(chat.conversation)
    assert [m["text"] for m in messages] == [
        "I'm <name>, order <reference> please",
        "Hi <name>! Let me look.",
    ]
    with pytest.raises(LookupError):
        inbox.transcript(9999)
