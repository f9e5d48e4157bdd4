"""The feeling check's held-out list (tests/nlu/feelings.yml) stays held out and labelled."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml
from test_messy_held_out import leaked

ROOT = Path(__file__).resolve().parents[3]
FEELINGS_FILE = ROOT / "tests" / "nlu" / "feelings.yml"
MIN_MESSAGES = 40


def items() -> list[dict[str, str]]:
    return list(yaml.safe_load(FEELINGS_FILE.read_text(encoding="utf-8"))["feelings"])


def test_no_feelings_message_is_in_the_training_data() -> None:
    assert leaked([item["text"] for item in items()], ROOT / "data") == []


def test_the_list_is_big_enough_and_has_both_labels() -> None:
    found = items()
    assert len(found) >= MIN_MESSAGES
    labels = Counter(item["feeling"] for item in found)
    assert set(labels) == {"negative", "positive"}
    assert min(labels.values()) >= 10


def test_no_message_is_there_twice() -> None:
    counts = Counter(item["text"].strip().lower() for item in items())
    assert [text for text, n in counts.items() if n > 1] == []
