"""The tone guard on sentences it was never trained on: tests/tone/held_out*.yml.

Each part was written in three voices (staff in chat, the bot, e-mails) by people who did not
look at the rules, and is never trained on. Part 1 (tests/tone/held_out.yml) was written before
the classifier, part 2 (tests/tone/held_out_2.yml) before the tuning of 2026-11-26 evening and
part 3 (tests/tone/held_out_3.yml) before that night's; all three have been development sets
since (their misses were read while the corpus, the rules and the classifier were improved), so
their figures are printed, not gated. Part 4 (tests/tone/held_out_4.yml) was written before the
tuning of 2026-11-27 night was measured and is never tuned on: its sentences and per-sentence
results are not read, only the table by kind. This prints the four tables and fails when the
whole guard's overall precision or recall on part 4 is below the gate, or when a sentence of any
part is also in the training corpus.
"""

from __future__ import annotations

import re

import pytest

from bot import tone_report
from voice import tone, tone_classifier

# The gates on part 4 (rules and classifier together). The aim is 0.90 for both; neither is
# there yet. Both are gated at what was measured on part 4 with the final classifier of
# 2026-11-27 night (see docs/tone.md), rounded down: a floor against going back while the corpus
# grows, which rises as the figures do.
MIN_PRECISION = 0.87
MIN_RECALL = 0.82

PARTS = {
    "part 1": tone_report.HELD_OUT,
    "part 2": tone_report.HELD_OUT_2,
    "part 3": tone_report.HELD_OUT_3,
    "part 4": tone_report.HELD_OUT_4,
}


@pytest.fixture(scope="module", params=sorted(PARTS))
def held_out(request: pytest.FixtureRequest) -> list[dict[str, object]]:
    return tone_report.load_held_out(PARTS[request.param])


@pytest.fixture(scope="module")
def guard() -> tone.ToneGuard:
    """The shared guard with its classifier, built first when the corpus changed (cached)."""
    tone.train_classifier()
    built = tone.build_guard()
    assert built.classifier is not None
    return built


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def test_each_held_out_part_is_large_labelled_and_in_several_voices(
    held_out: list[dict[str, object]],
) -> None:
    assert len(held_out) >= 250
    texts = [str(entry["text"]) for entry in held_out]
    assert len(set(texts)) == len(texts), "a sentence appears twice"
    for position, entry in enumerate(held_out):
        assert set(entry) == {"text", "kinds", "voice"}, f"entry {position}"
        assert set(entry["kinds"]) <= set(tone.KINDS), f"entry {position}"  # type: ignore[call-overload]
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
    trained_words = [(entry.text, words(entry.text)) for entry in training]
    for position, entry in enumerate(held_out):
        mine = words(str(entry["text"]))
        for text, other in trained_words:
            overlap = len(mine & other) / len(mine | other)
            # Near copies too: the same words with one or two changed. The message names the
            # corpus sentence (to remove it), not the held-out one, which stays unread.
            assert overlap < 0.75, f"{text!r} (tests/tone/corpus.yml) is near held-out {position}"


def test_precision_and_recall_on_the_part_never_tuned_on(
    guard: tone.ToneGuard, capsys: pytest.CaptureFixture[str]
) -> None:
    tables = {
        number: tone_report.held_out_tables(tone_report.PARTS[number]) for number in (1, 2, 3, 4)
    }
    with capsys.disabled():
        for number, (table, size) in tables.items():
            status = "never tuned on" if number == tone_report.UNTUNED else "a development set"
            print(f"\n{tone_report.render(table, f'part {number}, {status} ({size})')}")
    overall = tables[tone_report.UNTUNED][0]["rules + classifier"]["overall"]
    with capsys.disabled():
        print(
            f"part {tone_report.UNTUNED}: precision {overall.precision:.3f}, "
            f"recall {overall.recall:.3f}"
        )
    assert overall.precision >= MIN_PRECISION, f"part 4 precision {overall.precision:.2f}"
    assert overall.recall >= MIN_RECALL, f"part 4 recall {overall.recall:.2f}"
