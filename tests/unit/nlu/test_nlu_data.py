"""Checks on the NLU training data and the held-out test set that training can't catch.

The held-out set only measures anything if none of its examples were trained on; every intent
of the domain needs enough examples to be learnt, and enough different ones: two examples that
differ only in case, punctuation or entity markup teach nothing the first did not; and an example
in two intents teaches the classifier a contradiction.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

ROOT = Path(__file__).resolve().parents[3]
TRAINING_DIR = ROOT / "data" / "nlu"
# The tidy held-out set; tests/nlu/messy.yml has its own checks (test_messy_held_out.py).
HELD_OUT_FILE = ROOT / "tests" / "nlu" / "held_out"

# The intents of the bot's interface: their names are fixed. A shop may add intents of its own
# (this one adds price_match); each needs as many examples as the interface's.
INTENTS = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "bot_challenge",
        "how_are_you",
        "praise",
        "ask_hours",
        "ask_location",
        "order_status",
        "buy_product",
        "product_recommendation",
        "book_repair",
        "repair_status",
        "return_request",
        "complain",
        "loyalty_balance",
        "redeem_reward",
        "share_preference",
        "share_aspiration",
        "give_feedback",
        "community_events",
        "request_human",
        "what_do_you_know",
        "forget_me",
        "export_my_data",
        "inform",
        "out_of_scope",
    }
)
ENTITIES = frozenset({"order_id", "product", "bike_type"})
MIN_TRAINING_EXAMPLES = 50
MIN_HELD_OUT_EXAMPLES = 5
FEELING_CHECK = "bot.feelings.FeelingCheck"


def normalised(text: str) -> str:
    """The text as the comparison sees it: lower case, single spaces, no outer spaces."""
    return re.sub(r"\s+", " ", text).strip().lower()


def near_copy_key(text: str) -> str:
    """What two near-copies share: the words in lower case, without punctuation.

    The loader has already taken the entity markup out of the text, so "[Trek FX 3](product)"
    and "Trek FX 3" meet here too. Symbols other than punctuation (a row of stars) are kept.
    """
    kept = "".join(" " if unicodedata.category(char).startswith("P") else char for char in text)
    return normalised(kept)


def domain_intents() -> set[str]:
    return set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])


def examples_by_intent(data: TrainingData) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for message in data.intent_examples:
        found[message.get("intent")].append(normalised(message.get("text")))
    return dict(found)


@pytest.fixture(scope="module")
def training() -> dict[str, list[str]]:
    return examples_by_intent(load_data(str(TRAINING_DIR)))


@pytest.fixture(scope="module")
def held_out() -> dict[str, list[str]]:
    return examples_by_intent(load_data(str(HELD_OUT_FILE)))


def intents_in_two_places(by_intent: dict[str, list[str]]) -> dict[str, set[str]]:
    """Each example that appears under more than one intent, with those intents."""
    owners: dict[str, set[str]] = defaultdict(set)
    for intent, examples in by_intent.items():
        for example in examples:
            owners[example].add(intent)
    return {example: found for example, found in owners.items() if len(found) > 1}


def test_the_helpers_find_what_they_should() -> None:
    clash = {"greet": ["hi", "Hello  "], "affirm": [" HELLO"]}
    assert normalised(" Hi\t there ") == "hi there"
    assert near_copy_key("Where's my order?!") == near_copy_key("where s my order")
    assert near_copy_key("⭐⭐⭐") != near_copy_key("⭐⭐⭐⭐⭐")
    assert intents_in_two_places({k: [normalised(t) for t in v] for k, v in clash.items()}) == {
        "hello": {"greet", "affirm"}
    }


@pytest.mark.parametrize("name", ["training", "held_out"])
def test_the_interface_intents_are_kept_and_every_intent_is_declared(
    name: str, request: pytest.FixtureRequest
) -> None:
    by_intent = request.getfixturevalue(name)
    assert INTENTS - set(by_intent) == set(), f"interface intents missing from {name} data"
    assert set(by_intent) - domain_intents() == set(), f"intents in {name} data not in domain.yml"


def test_every_intent_has_enough_training_examples(training: dict[str, list[str]]) -> None:
    """Every intent of the domain, counting near-copies once."""
    counts = {
        intent: len({near_copy_key(example) for example in training.get(intent, [])})
        for intent in INTENTS | domain_intents() | set(training)
    }
    too_few = {intent: n for intent, n in counts.items() if n < MIN_TRAINING_EXAMPLES}
    assert too_few == {}, f"intents with fewer than {MIN_TRAINING_EXAMPLES} examples"


def test_no_two_examples_of_an_intent_are_near_copies(training: dict[str, list[str]]) -> None:
    copies = {}
    for intent, examples in training.items():
        seen: dict[str, str] = {}
        for example in examples:
            key = near_copy_key(example)
            if key in seen:
                copies.setdefault(intent, []).append((seen[key], example))
            seen[key] = example
    assert copies == {}, "examples of one intent that differ only in case or punctuation"


def test_every_intent_has_enough_held_out_examples(
    training: dict[str, list[str]], held_out: dict[str, list[str]]
) -> None:
    counts = {intent: len(set(held_out.get(intent, []))) for intent in INTENTS | set(training)}
    too_few = {intent: n for intent, n in counts.items() if n < MIN_HELD_OUT_EXAMPLES}
    assert too_few == {}, f"intents with fewer than {MIN_HELD_OUT_EXAMPLES} held-out examples"


@pytest.mark.parametrize("name", ["training", "held_out"])
def test_no_example_is_in_two_intents(name: str, request: pytest.FixtureRequest) -> None:
    assert intents_in_two_places(request.getfixturevalue(name)) == {}


def test_no_held_out_example_was_trained_on(
    training: dict[str, list[str]], held_out: dict[str, list[str]]
) -> None:
    trained = {example for examples in training.values() for example in examples}
    leaked = sorted(
        example for examples in held_out.values() for example in examples if example in trained
    )
    assert leaked == [], "held-out examples that are also training examples"


def test_entities_are_the_known_ones() -> None:
    for folder in (TRAINING_DIR, HELD_OUT_FILE):
        data = load_data(str(folder))
        used = {
            entity["entity"]
            for message in data.entity_examples
            for entity in message.get("entities", [])
        }
        assert used <= ENTITIES, f"unknown entities in {folder}: {sorted(used - ENTITIES)}"


def test_catalogue_names_are_entity_values() -> None:
    """Every product annotation resolves (directly or by synonym) to a catalogue name."""
    data = load_data(str(TRAINING_DIR))
    catalogue = {
        name
        for table in data.lookup_tables
        if table["name"] == "product"
        for name in table["elements"]
    }
    synonyms = {key.lower(): value for key, value in data.entity_synonyms.items()}
    values = set()
    for message in data.entity_examples:
        for entity in message.get("entities", []):
            if entity["entity"] == "product":
                value = entity["value"]
                values.add(synonyms.get(value.lower(), value))
    assert values - catalogue == set()


def test_config_uses_the_compared_spacy_pipeline() -> None:
    """config.yml's pipeline is the winner of docs/nlu.md, so the comparison stays true.

    The feeling check follows the compared pipeline, last: it only turns a cheerful intent
    into a complaint (docs/nlu.md, "Feelings")."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    chosen = yaml.load((ROOT / "config.yml").read_text())["pipeline"]
    compared = yaml.load((ROOT / "docs" / "nlu-pipelines" / "spacy.yml").read_text())["pipeline"]
    assert chosen[-1]["name"] == FEELING_CHECK
    assert chosen[:-1] == compared
