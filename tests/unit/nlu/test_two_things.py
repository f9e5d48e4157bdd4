"""The held-out set of two things in one message (`tests/nlu/two_things.yml`).

Each message holds a request and something else (a pleasantry, or a second request beside a
request for a person), and is labelled with the request the bot must answer. The set measures
how the bot chooses between them only while none of its messages is trained on, every message
really holds two things, and a request for a person always wins.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

# The messy set's leak check: the same rule keeps this set out of data/.
from test_messy_held_out import leaked, normalised

ROOT = Path(__file__).resolve().parents[3]
TWO_THINGS_FILE = ROOT / "tests" / "nlu" / "two_things.yml"
MIN_MESSAGES = 40
# The intent that wins over every other thing a message holds.
PERSON = "request_human"


def two_things(path: Path = TWO_THINGS_FILE) -> list[tuple[str, str, list[str]]]:
    """(winning intent, text, the other things it holds) for every message, in file order."""
    found = []
    for message in load_data(str(path)).intent_examples:
        also = ((message.get("metadata") or {}).get("example") or {}).get("also") or []
        found.append((message.get("intent"), message.get("text"), list(also)))
    return found


def label_problems(
    examples: list[tuple[str, str, list[str]]], intents: set[str]
) -> list[tuple[str, str]]:
    """(text, what is wrong) for each message whose labels break the set's rules."""
    problems = []
    for intent, text, also in examples:
        if not also:
            problems.append((text, "no `also`: one thing is not two"))
        unknown = ({intent} | set(also)) - intents
        if unknown:
            problems.append((text, f"not domain intents: {sorted(unknown)}"))
        if intent in also:
            problems.append((text, "the winner is also listed as the other thing"))
        if PERSON in also:
            problems.append((text, f"{PERSON} is present but does not win"))
    return problems


@pytest.fixture(scope="module")
def examples() -> list[tuple[str, str, list[str]]]:
    return two_things()


def domain_intents() -> set[str]:
    return set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])


def test_the_set_is_big_enough_and_has_no_repeats(
    examples: list[tuple[str, str, list[str]]],
) -> None:
    texts = [normalised(text) for _, text, _ in examples]
    assert len(texts) >= MIN_MESSAGES
    assert len(set(texts)) == len(texts)


def test_every_message_is_labelled_with_two_things(
    examples: list[tuple[str, str, list[str]]],
) -> None:
    assert label_problems(examples, domain_intents()) == []


def test_requests_for_a_person_are_in_it(examples: list[tuple[str, str, list[str]]]) -> None:
    assert sum(1 for intent, _, _ in examples if intent == PERSON) >= 10


def test_no_message_is_in_the_training_data(examples: list[tuple[str, str, list[str]]]) -> None:
    assert leaked([text for _, text, _ in examples], ROOT / "data") == []


def test_the_label_check_catches_each_mistake() -> None:
    bad = [
        ("buy_product", "helmets?", []),
        ("buy_product", "hi, helmets?", ["greet", "hello_there"]),
        ("greet", "hi hi", ["greet"]),
        ("order_status", "get me a person, where's my order", [PERSON]),
        ("buy_product", "thanks, helmets?", ["thank"]),
    ]
    problems = label_problems(bad, {"buy_product", "greet", "thank", "order_status", PERSON})
    assert [text for text, _ in problems] == [text for _, text, _ in bad[:4]]
