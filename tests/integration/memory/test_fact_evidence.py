"""Facts the customer can trust: each keeps its evidence, and the customer can correct or
forget one thing in their own words, against real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from memory import services
from memory.ingest import EventIngestor, event_id
from memory.records import Exchange, ExtractedFact
from memory.store import MemoryStore

START = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def store(memory_url):
    memory_store = MemoryStore(memory_url, clock=lambda: START)
    yield memory_store
    memory_store.close()


def test_a_form_answer_is_stored_with_the_message_it_came_from(store):
    ingest = EventIngestor(store)
    stamp = START.timestamp()
    ingest.ingest({"event": "session_started", "sender_id": "web-1", "timestamp": stamp})
    ingest.ingest(
        {"event": "user", "sender_id": "web-1", "text": "book a repair", "timestamp": stamp + 1}
    )
    ingest.ingest(
        {
            "event": "user",
            "sender_id": "web-1",
            "text": "cannondale topstone",
            "timestamp": stamp + 5,
        }
    )
    ingest.ingest(
        {
            "event": "slot",
            "sender_id": "web-1",
            "name": "bike",
            "value": "Cannondale Topstone",
            "timestamp": stamp + 6,
        }
    )
    customer = store.customers.customer_for_sender("web-1")
    (bike,) = [fact for fact in store.facts.facts(customer) if fact.kind == "bike"]
    assert bike.value == "Cannondale Topstone"
    assert bike.source == "form"
    assert bike.exchange_id is not None
    exchanges = store.cards.card(customer).last_exchanges
    evidence = store.exchanges.latest_customer_exchange("web-1")
    assert bike.exchange_id == evidence
    assert exchanges[-1].text == "cannondale topstone"


def test_a_form_answers_evidence_is_the_message_before_it_whatever_the_clocks_say(store):
    """Two processes stamp the events (the Rasa server the message, the action server's answer
    comes back through it): the evidence follows the stream's order, not the timestamps."""
    ingest = EventIngestor(store)
    stamp = START.timestamp()
    ingest.ingest({"event": "session_started", "sender_id": "web-2", "timestamp": stamp})
    ingest.ingest({"event": "user", "sender_id": "web-2", "text": "hi", "timestamp": stamp + 1})
    said = {"event": "user", "sender_id": "web-2", "text": "a trek fx 3", "timestamp": stamp + 9}
    ingest.ingest(said)
    ingest.ingest(
        {
            "event": "slot",
            "sender_id": "web-2",
            "name": "bike",
            "value": "Trek FX 3",
            "timestamp": stamp + 8,  # stamped a moment before the message it answers
        }
    )
    customer = store.customers.customer_for_sender("web-2")
    (bike,) = [fact for fact in store.facts.facts(customer) if fact.kind == "bike"]
    assert bike.exchange_id == store.exchanges.exchange_for_event(event_id(said))
    assert bike.exchange_id is not None


def test_a_correction_replaces_every_current_value_of_that_kind(store):
    customer = store.customers.customer_for_sender("web-1")
    store.facts.record_fact(customer, ExtractedFact("bike", "Cannondale Synapse"))
    store.facts.record_fact(customer, ExtractedFact("bike", "gravel bike"))
    store.facts.record_fact(customer, ExtractedFact("name", "Sam"))
    store.facts.correct_fact(customer, ExtractedFact("bike", "Trek"), at=START + timedelta(hours=1))
    current = sorted((fact.kind, fact.value, fact.source) for fact in store.facts.facts(customer))
    assert current == [("bike", "Trek", "message"), ("name", "Sam", "form")]
    history = [fact.value for fact in store.facts.facts(customer, include_history=True)]
    assert "Cannondale Synapse" in history  # what was replaced stays as history


def test_forgetting_one_thing_deletes_it_and_its_history_only(store):
    customer = store.customers.customer_for_sender("web-1")
    store.facts.record_fact(customer, ExtractedFact("bike", "Cannondale Synapse"))
    store.facts.correct_fact(customer, ExtractedFact("bike", "Trek"))
    store.facts.record_fact(customer, ExtractedFact("aspiration", "ride a gravel century"))
    assert store.facts.forget_facts(customer, "bike") == 2
    left = [(fact.kind, fact.value) for fact in store.facts.facts(customer, include_history=True)]
    assert left == [("aspiration", "ride a gravel century")]


def test_the_evidence_is_the_latest_customer_message_before_the_answer(store):
    for number, text in enumerate(["hi", "my trek", "thanks"]):
        services.record_exchange(
            store,
            Exchange(f"e{number}", "web-1", "customer", text, START + timedelta(seconds=number)),
        )
    services.record_exchange(
        store, Exchange("b1", "web-1", "bot", "ok", START + timedelta(seconds=1.5))
    )
    found = store.exchanges.latest_customer_exchange("web-1", START + timedelta(seconds=1.5))
    customer = store.customers.customer_for_sender("web-1")
    texts = {view.text: view for view in store.cards.card(customer).last_exchanges}
    assert "my trek" in texts
    assert found is not None
    assert store.exchanges.latest_customer_exchange("web-1", START + timedelta(seconds=5)) != found
    assert store.exchanges.latest_customer_exchange("nobody") is None


def test_what_do_you_know_shows_the_corrected_fact_and_not_the_forgotten_one(store):
    from actions.privacy import lines, remembered_facts

    customer = store.customers.customer_for_sender("web-1")
    services.record_exchange(store, Exchange("e1", "web-1", "customer", "hi", START))
    store.facts.record_fact(customer, ExtractedFact("bike", "Cannondale Synapse"))
    store.facts.record_fact(customer, ExtractedFact("aspiration", "ride a gravel century"))
    store.facts.correct_fact(customer, ExtractedFact("bike", "Cannondale Topstone"))
    store.facts.forget_facts(customer, "aspiration")
    from voice.business import load

    shop = load(ROOT / "business.yml")
    held = remembered_facts(store, "web-1", shop)
    assert held is not None
    told = lines(shop, held).splitlines()
    assert "• Your bike: Cannondale Topstone" in told
    assert not any("Synapse" in line or "century" in line for line in told)


def test_a_forgotten_customer_who_returns_is_new_with_no_leftover_count(store):
    from memory.privacy import forget_sender

    for number in range(3):  # three visits, hours apart
        at = START + timedelta(hours=3 * number)
        store.exchanges.start_conversation("web-1", at)
        services.record_exchange(store, Exchange(f"v{number}", "web-1", "customer", "hi", at))
    store.facts.record_fact(
        store.customers.customer_for_sender("web-1"), ExtractedFact("bike", "Trek")
    )
    assert store.cards.card_for_sender("web-1").visits == 3
    forget_sender(store, "web-1")
    back = START + timedelta(days=1)
    store.exchanges.start_conversation("web-1", back)
    services.record_exchange(store, Exchange("again", "web-1", "customer", "hello", back))
    card = store.cards.card_for_sender("web-1")
    assert card.visits == 1
    assert store.facts.facts(card.customer_id, include_history=True) == []


def test_a_name_the_language_model_took_is_kept_only_when_it_is_the_customer_s(
    memory_url, fact_words
):
    from memory.facts import FactExtractor

    extractor = FactExtractor(words=fact_words)
    store = MemoryStore(memory_url, clock=lambda: START, fact_extractor=extractor)
    try:
        ingest = EventIngestor(store, fact_words=fact_words)
        stamp = START.timestamp()
        for sender, text, name in (
            ("web-son", "it's for my son Tom", "Tom"),
            ("web-dave", "Dave here", "Dave"),
        ):
            ingest.ingest({"event": "user", "sender_id": sender, "text": text, "timestamp": stamp})
            ingest.ingest(
                {
                    "event": "slot",
                    "sender_id": sender,
                    "name": "customer_name",
                    "value": name,
                    "timestamp": stamp + 1,
                }
            )
        assert store.cards.card_for_sender("web-son").name is None
        assert store.cards.card_for_sender("web-dave").name == "Dave"
    finally:
        store.close()
