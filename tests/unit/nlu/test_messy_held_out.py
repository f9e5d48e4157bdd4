"""The messy held-out set (`tests/nlu/messy.yml`) stays honest and covers the whole domain.

It measures how the bot copes with messages as customers really type them, so none of them may
ever be trained on; it must be big enough to mean something, and every intent the domain
declares needs examples in it, under labels the domain knows.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

ROOT = Path(__file__).resolve().parents[3]
MESSY_FILE = ROOT / "tests" / "nlu" / "messy.yml"
# The second set, by another writer: held to the same rules, smaller (160 messages).
SECOND_FILE = ROOT / "tests" / "nlu" / "messy_2.yml"
THIRD_FILE = ROOT / "tests" / "nlu" / "messy_3.yml"
TRAINING_DIR = ROOT / "data"
MIN_MESSAGES = 250
MIN_PER_INTENT = 5


def normalised(text: str) -> str:
    """The text as the comparison sees it: lower case, single spaces, no outer spaces."""
    return re.sub(r"\s+", " ", text).strip().lower()


def messy_examples(path: Path = MESSY_FILE) -> list[tuple[str, str]]:
    """(intent, text) for every message of the set, in file order."""
    return [
        (message.get("intent"), message.get("text"))
        for message in load_data(str(path)).intent_examples
    ]


def domain_intents(path: Path = ROOT / "domain.yml") -> set[str]:
    return set(yaml.safe_load(path.read_text(encoding="utf-8"))["intents"])


# Entity annotations in Rasa examples: [text](entity), [text]{"entity": ...}.
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
# What may precede a message on its line: a list marker, a story or rule key.
LINE_PREFIX = re.compile(r"^(?:-\s*)?(?:(?:user|text|intent|examples)\s*:\s*)?")


def line_texts(text: str) -> set[str]:
    """Every line of a file as the text it may hold, annotations removed, normalised."""
    found = set()
    for line in text.splitlines():
        line = LINE_PREFIX.sub("", line.strip(), count=1).strip()
        if len(line) >= 2 and line[0] == line[-1] and line[0] in "'\"":
            line = line[1:-1]
        found.add(normalised(ANNOTATION.sub(r"\1", line)))
    return found


def leaked(messages: list[str], training_dir: Path) -> list[str]:
    """The messages that are, normalised, a line of a file under `training_dir`.

    Every file is read as text, whatever its format, so a message is found as an NLU example,
    a lookup or synonym entry, or a story's or rule's user turn.
    """
    lines: set[str] = set()
    for path in sorted(training_dir.rglob("*")):
        if path.is_file():
            lines |= line_texts(path.read_text(encoding="utf-8", errors="replace"))
    return [message for message in messages if normalised(message) in lines]


def too_few(examples: list[tuple[str, str]], intents: set[str]) -> dict[str, int]:
    counts = Counter(intent for intent, _ in examples)
    return {intent: counts[intent] for intent in sorted(intents) if counts[intent] < MIN_PER_INTENT}


@pytest.fixture(scope="module")
def examples() -> list[tuple[str, str]]:
    return messy_examples()


@pytest.fixture(
    scope="module",
    params=[MESSY_FILE, SECOND_FILE, THIRD_FILE],
    ids=["messy", "messy_2", "messy_3"],
)
def either_set(request: pytest.FixtureRequest) -> Path:
    return request.param


def test_no_messy_message_is_in_the_training_data(either_set: Path) -> None:
    assert TRAINING_DIR.is_dir(), f"{TRAINING_DIR} is missing"
    texts = [text for _, text in messy_examples(either_set)]
    assert len(texts) >= 100
    assert leaked(texts, TRAINING_DIR) == [], (
        f"messages of {either_set.name} found under data/: take them out of data/"
    )


def test_the_set_is_big_enough(examples: list[tuple[str, str]]) -> None:
    assert len(examples) >= MIN_MESSAGES


def intents_added_later() -> set[str]:
    """Intents added after this set was written (it is never edited): their held-out messages
    are in a file of their own in tests/nlu/held_out/, written before their training data."""
    later: set[str] = set()
    for path in sorted((ROOT / "tests" / "nlu" / "held_out").glob("*.yml")):
        if path.name != "tidy.yml":
            later |= {example.get("intent") for example in load_data(str(path)).intent_examples}
    return later


def test_every_domain_intent_has_enough_messages(examples: list[tuple[str, str]]) -> None:
    assert too_few(examples, domain_intents() - intents_added_later()) == {}


def test_every_label_is_a_domain_intent(either_set: Path) -> None:
    assert {intent for intent, _ in messy_examples(either_set)} - domain_intents() == set()


def test_no_message_is_there_twice(either_set: Path) -> None:
    counts = Counter(normalised(text) for _, text in messy_examples(either_set))
    assert [text for text, n in counts.items() if n > 1] == []


def test_no_entity_annotations(either_set: Path) -> None:
    """Intent labels only: the set scores intents, and unchecked annotations would mislead."""
    assert load_data(str(either_set)).entity_examples == []


def test_the_two_sets_share_no_message() -> None:
    first = {normalised(text) for _, text in messy_examples(MESSY_FILE)}
    assert [text for _, text in messy_examples(SECOND_FILE) if normalised(text) in first] == []


# The checks themselves, on small made-up inputs, so that each can be seen to fail.


def test_leaked_finds_a_message_in_any_file_however_it_is_typed(tmp_path: Path) -> None:
    (tmp_path / "nlu").mkdir()
    (tmp_path / "nlu" / "basics.yml").write_text(
        "- intent: x\n  examples: |\n    - Hiya   THERE\n    - is my [trek](product) done\n"
    )
    (tmp_path / "rules.yml").write_text('steps:\n  - user: "where is my data"\n')
    messages = ["hiya there", " Where  is my DATA ", "is my trek done", "ta", "hiya"]
    # "ta" and "hiya" are only parts of lines, not lines of their own.
    assert leaked(messages, tmp_path) == messages[:3]


def test_too_few_and_unknown_labels_are_caught(tmp_path: Path) -> None:
    sample = tmp_path / "messy.yml"
    sample.write_text(
        'version: "3.1"\nnlu:\n'
        "  - intent: greet\n    examples: |\n"
        + "".join(f"      - hello {n}\n" for n in range(5))
        + "  - intent: bye_bye\n    examples: |\n      - cya\n"
    )
    examples = messy_examples(sample)
    assert too_few(examples, {"greet", "goodbye", "bye_bye"}) == {"goodbye": 0, "bye_bye": 1}
    assert {intent for intent, _ in examples} - {"greet", "goodbye"} == {"bye_bye"}
