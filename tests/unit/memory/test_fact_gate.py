"""The fact extractor parses only a message that could state a fact (memory.facts
`could_state_a_fact`): on every training message the check turns away, the full parse finds no
fact either, and the messages with facts all pass it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from memory.facts import FactExtractor, could_state_a_fact, facts_of

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def extractor(fact_words) -> FactExtractor:
    return FactExtractor(words=fact_words)


def training_messages() -> list[str]:
    data = load_data(str(ROOT / "data" / "nlu"))
    return sorted({str(example.get("text")) for example in data.intent_examples})


def test_a_message_turned_away_states_no_fact_when_parsed_in_full(
    extractor: FactExtractor,
) -> None:
    messages = training_messages()
    turned_away = [text for text in messages if not could_state_a_fact(extractor.nlp(text))]
    assert len(messages) > 1000 and len(turned_away) > 300  # the check is exercised
    with_facts = {}
    for text in turned_away:
        facts = [(fact.kind, fact.value) for fact in facts_of(extractor.nlp(text), extractor.words)]
        if facts:
            with_facts[text] = facts
    assert with_facts == {}


@pytest.mark.parametrize(
    ("text", "could"),
    [
        ("what are your opening hours?", True),  # an -ing word: parsed, and no fact found
        ("where is the shop", False),
        ("thanks a lot", False),
        ("I ride a Trek", True),
        ("call me Jo", True),
        ("dreaming of the Alps", True),
        ("training for a 200k audax next summer", True),
    ],
)
def test_which_messages_are_parsed(extractor: FactExtractor, text: str, could: bool) -> None:
    assert could_state_a_fact(extractor.nlp.tokenizer(text)) is could
