"""Facts said clearly in any message are kept, with the message as their evidence, even when
the language model could not tell what the message asked for (issue 14)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import memory
from memory import services
from memory.facts import FactExtractor
from memory.records import Exchange
from memory.store import MemoryStore


@pytest.fixture(scope="module")
def extractor(fact_words) -> FactExtractor:
    return FactExtractor(words=fact_words)


def test_a_fallback_message_s_name_bike_and_riding_are_kept_with_their_evidence(
    tmp_path: Path, extractor: FactExtractor
) -> None:
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    memory.migrate(url)
    store = MemoryStore(url, fact_extractor=extractor)
    try:
        said = Exchange(
            event_id="e-dave",
            sender_id="web-dave",
            speaker="customer",
            text="my name's Dave btw, I ride a Trek FX 3 to work every day",
            at=datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc),
            intent="nlu_fallback",
            confidence=0.2,
        )
        assert services.record_exchange(store, said)
        card = store.cards.card_for_sender("web-dave")
        assert card is not None
        facts = {fact.kind: fact for fact in store.facts.facts(card.customer_id)}
        other = store.cards.card_for_sender("web-someone-else")
    finally:
        store.close()
    assert card.name == "Dave"
    assert {kind: fact.value for kind, fact in facts.items()} == {
        "name": "Dave",
        "bike": "Trek FX 3",
        "riding_style": "commuting",
    }
    assert all(fact.source == "message" and fact.exchange_id for fact in facts.values())
    assert other is None  # nobody else's memory holds them
