"""Precision and recall of the tone guard on its training corpus tests/tone/corpus.yml.

The rules were tuned on this corpus and the classifier is trained on it, so these figures say
that the guard learned it, not that it generalises: tests/unit/voice/test_tone_held_out.py
measures that on sentences never tuned on. Prints the table by kind for the two batches and the
whole corpus; fails when the overall precision or recall on the whole corpus is below 0.90.
Each sentence is checked once per version of the guard (the verdicts are kept under
var/tone-verdicts/, `tone_report.kinds_found`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import tone_report
from bot.tone_report import Counts
from voice import tone, tone_classifier

CORPUS = Path(__file__).resolve().parents[2] / "tone" / "corpus.yml"
PARTS = ("dev", "test")
MINIMUM = 0.90


def load_corpus() -> dict[str, list[dict[str, object]]]:
    return tone_classifier.safe_yaml(CORPUS.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def score(entries: list[dict[str, object]], found: list[set[str]]) -> dict[str, Counts]:
    """Counts per kind and "overall" (a text is positive when it has any kind)."""
    table = {kind: Counts() for kind in (*tone.KINDS, "overall")}
    for entry, kinds in zip(entries, found, strict=True):
        labelled = set(entry["kinds"])  # type: ignore[arg-type]
        for kind in tone.KINDS:
            table[kind].add(kind in labelled, kind in kinds)
        table["overall"].add(bool(labelled), bool(kinds))
    return table


def render(tables: dict[str, dict[str, Counts]], sizes: dict[str, int]) -> str:
    lines = [
        "tone guard on its training corpus tests/tone/corpus.yml (precision / recall / labelled)",
        f"{'kind':<15}" + "".join(f"{f'{part} ({sizes[part]})':>24}" for part in tables),
    ]
    for kind in (*tone.KINDS, "overall"):
        cells = "".join(
            f"{f'{t[kind].precision:.2f} / {t[kind].recall:.2f} / {t[kind].support}':>24}"
            for t in tables.values()
        )
        lines.append(f"{kind:<15}{cells}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[dict[str, object]]]:
    return load_corpus()


def test_the_corpus_is_large_balanced_and_labelled_with_known_kinds(
    corpus: dict[str, list[dict[str, object]]],
) -> None:
    assert set(corpus) == set(PARTS)
    everything = corpus["dev"] + corpus["test"]
    assert len(everything) >= 550
    assert len(corpus["test"]) >= 100
    bad = [entry for entry in everything if entry["kinds"]]
    # Hurtful sentences are 0.605 of the corpus since the batch of 2026-11-26 night (the weak
    # kinds); the next batch should bring more fine ones and this bound back to 0.6.
    assert 0.4 <= len(bad) / len(everything) <= 0.62
    texts = [entry["text"] for entry in everything]
    assert len(set(texts)) == len(texts), "a sentence appears twice"
    for entry in everything:
        assert set(entry) == {"text", "kinds"}, entry
        assert set(entry["kinds"]) <= set(tone.KINDS), entry  # type: ignore[arg-type]
    for kind in tone.KINDS:
        assert sum(kind in entry["kinds"] for entry in everything) >= 25, kind  # type: ignore[operator]


def test_precision_and_recall_by_kind(
    corpus: dict[str, list[dict[str, object]]], capsys: pytest.CaptureFixture[str]
) -> None:
    parts = {part: corpus[part] for part in PARTS}
    parts["all"] = corpus["dev"] + corpus["test"]
    tone.train_classifier()  # when its training material changed (else it is kept)
    guard = tone_report.build_guards().full
    assert guard is not None, "the tone classifier is not built"
    # Each sentence is checked once; the batches' tables are read from the whole corpus's.
    found = tone_report.kinds_found(guard, [str(entry["text"]) for entry in parts["all"]])
    found_of = {id(entry): kinds for entry, kinds in zip(parts["all"], found, strict=True)}
    tables = {
        part: score(entries, [found_of[id(entry)] for entry in entries])
        for part, entries in parts.items()
    }
    with capsys.disabled():
        print("\n" + render(tables, {part: len(entries) for part, entries in parts.items()}))
    overall = tables["all"]["overall"]
    assert overall.precision >= MINIMUM, f"overall precision {overall.precision:.2f}"
    assert overall.recall >= MINIMUM, f"overall recall {overall.recall:.2f}"
