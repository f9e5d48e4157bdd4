"""The console card's "in this chat": what the bot did, read from the memory the way the bot's
messages arrive there. A repair booked or a return started is said by the bot with a response
(`utter_repair_booked`...), and that response is what the memory keeps as the message's action:
the card must name it from that (tried by an agent: a repair booked in the chat, and the card
said "nothing booked or decided yet")."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.console.service import ConsoleService
from memory.ingest import ACTION_KEY, EventIngestor
from memory.store import MemoryStore
from voice import business

ROOT = Path(__file__).resolve().parents[3]
SHOP = business.load(ROOT / "business.yml")


def said(sender: str, text: str, response: str, action: str, at: float) -> dict:
    """A bot message as Rasa's event broker gives it (the response in its metadata, the action
    that ran it stamped by Rapport's broker)."""
    return {
        "event": "bot",
        "sender_id": sender,
        "timestamp": at,
        "text": text,
        "metadata": {"utter_action": response},
        ACTION_KEY: action,
    }


def asked(sender: str, text: str, intent: str, at: float) -> dict:
    return {
        "event": "user",
        "sender_id": sender,
        "timestamp": at,
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": []},
    }


@pytest.mark.parametrize(
    ("response", "action", "line"),
    [
        ("utter_repair_booked", "action_submit_repair", "Repair booked"),
        ("utter_repair_booked_before_offer", "action_submit_repair", "Repair booked"),
        ("utter_return_started", "action_submit_return", "Return started"),
    ],
)
def test_the_card_names_what_the_bot_did_in_the_chat(
    sqlite_db: str, response: str, action: str, line: str
) -> None:
    store = MemoryStore(sqlite_db)
    try:
        ingest = EventIngestor(store).ingest
        now = time.time()
        sender = "web-happened"
        ingest({"event": "session_started", "sender_id": sender, "timestamp": now})
        ingest(asked(sender, "can you book my bike in", "book_repair", now + 1))
        ingest(said(sender, "Which bike is it?", "utter_ask_repair_bike", "repair_form", now + 2))
        ingest(said(sender, "You're booked in!", response, action, now + 3))
        service = ConsoleService(store, templates=SHOP.templates)
        assert service.chat_events(sender) == [line]
    finally:
        store.close()


def test_a_chat_where_nothing_was_done_has_nothing_to_show(sqlite_db: str) -> None:
    store = MemoryStore(sqlite_db)
    try:
        ingest = EventIngestor(store).ingest
        now = time.time()
        ingest(asked("web-nothing", "what time do you open", "ask_hours", now))
        ingest(
            said("web-nothing", "We open at 9.", "utter_hours_day", "action_tell_hours", now + 1)
        )
        service = ConsoleService(store, templates=SHOP.templates)
        assert service.chat_events("web-nothing") == []
    finally:
        store.close()
