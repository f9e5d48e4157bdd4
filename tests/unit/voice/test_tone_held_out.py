"""The tone guard on sentences it was never tuned on: tests/tone/held_out.yml.

The held-out sentences were written before the classifier and the new kinds' rules, in three
voices (staff in chat, the bot, e-mails), and are never trained or tuned on. This prints the table
by kind (rules alone, and rules with the classifier) and fails when the whole guard's overall
precision or recall is below the gate, or when a held-out sentence is also in the training corpus.
"""

from __future__ import annotations

import re

import pytest

from bot import tone_report
from voice import tone, tone_classifier

# The gates on the held-out sentences (rules and classifier together). The aim is 0.90 for
# both; recall is not there yet (0.77 measured, see docs/tone.md), so its gate guards against
# going back while the corpus grows, and rises as the figures do.
MIN_PRECISION = 0.90
MIN_RECALL = 0.72


@pytest.fixture(scope="module")
def held_out() -> list[dict[str, object]]:
    return tone_report.load_held_out()


@pytest.fixture(scope="module")
def guard() -> tone.ToneGuard:
    """The shared guard with its classifier, built first when the corpus changed (cached)."""
    tone.train_classifier()
    built = tone.build_guard()
    assert built.classifier is not None
    return built


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def test_the_held_out_part_is_large_labelled_and_in_several_voices(
    held_out: list[dict[str, object]],
) -> None:
    assert len(held_out) >= 250
    texts = [str(entry["text"]) for entry in held_out]
    assert len(set(texts)) == len(texts), "a sentence appears twice"
    for entry in held_out:
        assert set(entry) == {"text", "kinds", "voice"}, entry
        assert set(entry["kinds"]) <= set(tone.KINDS), entry  # type: ignore[call-overload]
    assert {entry["voice"] for entry in held_out} == {"chat", "bot", "email"}
    for kind in tone.KINDS:
        assert sum(kind in entry["kinds"] for entry in held_out) >= 15, kind  # type: ignore[operator]
    fine = [entry for entry in held_out if not entry["kinds"]]
    assert 0.35 <= len(fine) / len(held_out) <= 0.6


def test_no_held_out_sentence_is_in_the_training_corpus(
    held_out: list[dict[str, object]],
) -> None:
    training = tone_classifier.load_corpus(tone_classifier.CORPUS_PATH, tone.KINDS)
    assert len(training) + len(held_out) >= 800
    trained_words = [words(entry.text) for entry in training]
    for entry in held_out:
        mine = words(str(entry["text"]))
        for other in trained_words:
            overlap = len(mine & other) / len(mine | other)
            # Near copies too: the same words with one or two changed.
            assert overlap < 0.75, f"{entry['text']!r} is (nearly) in tests/tone/corpus.yml"


def test_precision_and_recall_on_the_held_out_part(
    held_out: list[dict[str, object]], guard: tone.ToneGuard, capsys: pytest.CaptureFixture[str]
) -> None:
    tables, size = tone_report.held_out_tables()
    with capsys.disabled():
        print(f"\n{tone_report.render(tables, f'tone guard on the held-out part ({size})')}")
    overall = tables["rules + classifier"]["overall"]
    assert overall.precision >= MIN_PRECISION, f"held-out precision {overall.precision:.2f}"
    assert overall.recall >= MIN_RECALL, f"held-out recall {overall.recall:.2f}"
