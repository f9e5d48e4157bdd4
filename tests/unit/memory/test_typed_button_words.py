"""A typed answer that acted as one of the bot's buttons is logged in the customer's own words,
not as the button's payload."""

from __future__ import annotations

from typing import Any

from memory.ingest import EventIngestor
from memory.records import TYPED_KEY


def _user(text: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "event": "user",
        "sender_id": "s",
        "text": text,
        "timestamp": 1_700_000_000,
        "metadata": metadata or {},
        "parse_data": {"intent": {"name": "ask_location", "confidence": 1.0}},
    }


def test_the_exchange_keeps_the_words_typed_for_a_button() -> None:
    exchange = EventIngestor.exchange(_user("/ask_location", {TYPED_KEY: "where are you?"}))
    assert exchange is not None
    assert (exchange.text, exchange.intent) == ("where are you?", "ask_location")


def test_a_tapped_button_or_a_plain_message_keeps_its_text() -> None:
    assert EventIngestor.exchange(_user("/ask_location")).text == "/ask_location"  # type: ignore[union-attr]
    assert EventIngestor.exchange(_user("hi", {"client": "x"})).text == "hi"  # type: ignore[union-attr]
