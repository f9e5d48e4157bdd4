"""The tone guard measured: precision and recall by kind on labelled sentences, and training.

`python -m bot tone --report` prints the table on the held-out sentences never tuned on
(tests/tone/held_out_5.yml, part 5, once it is written); `--report --part 1` to `--part 4` on
tests/tone/held_out.yml, held_out_2.yml, held_out_3.yml and held_out_4.yml, the development sets
(since 2026-11-26 and 2026-11-27), which the classifier also trains on. `python -m bot tone
--train` builds the classifier. The unit tests use the same counting
(tests/unit/voice/test_tone_held_out.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import yaml

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT = ROOT / "tests" / "tone" / "held_out.yml"
HELD_OUT_2 = ROOT / "tests" / "tone" / "held_out_2.yml"
HELD_OUT_3 = ROOT / "tests" / "tone" / "held_out_3.yml"
HELD_OUT_4 = ROOT / "tests" / "tone" / "held_out_4.yml"
HELD_OUT_5 = ROOT / "tests" / "tone" / "held_out_5.yml"
# The held-out parts by number: parts 1 to 4 are development sets (and training material, see
# voice/tone_classifier.py), part 5 the one never tuned on; its file may not be written yet.
PARTS = {1: HELD_OUT, 2: HELD_OUT_2, 3: HELD_OUT_3, 4: HELD_OUT_4, 5: HELD_OUT_5}
DEVELOPMENT = (1, 2, 3, 4)
UNTUNED = 5


class MissingPart(LookupError):
    """A held-out part asked for has no file yet; the message says which and what to use."""


@dataclass
class Counts:
    """Texts flagged and labelled, for one kind or overall."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    support: int = 0

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        labelled = self.true_positives + self.false_negatives
        return self.true_positives / labelled if labelled else 1.0

    def add(self, labelled: bool, flagged: bool) -> None:
        self.support += labelled
        self.true_positives += labelled and flagged
        self.false_positives += flagged and not labelled
        self.false_negatives += labelled and not flagged


def load_held_out(path: Path = HELD_OUT) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = yaml.safe_load(path.read_text(encoding="utf-8"))["held_out"]
    return entries


def score(
    entries: Sequence[dict[str, object]], kinds_found: Sequence[set[str]], kinds: Sequence[str]
) -> dict[str, Counts]:
    """Counts per kind (texts labelled with / flagged with that kind) and "overall" (a text is
    positive when it has any kind)."""
    table = {kind: Counts() for kind in (*kinds, "overall")}
    for entry, found in zip(entries, kinds_found, strict=True):
        labelled = set(entry["kinds"])  # type: ignore[call-overload]
        for kind in kinds:
            table[kind].add(kind in labelled, kind in found)
        table["overall"].add(bool(labelled), bool(found))
    return table


def render(tables: dict[str, dict[str, Counts]], title: str) -> str:
    """One row per kind, one column per table: precision / recall / labelled texts."""
    kinds = list(next(iter(tables.values())))
    lines = [title, f"{'kind':<15}" + "".join(f"{name:>26}" for name in tables)]
    for kind in kinds:
        cells = "".join(
            f"{f'{t[kind].precision:.2f} / {t[kind].recall:.2f} / {t[kind].support}':>26}"
            for t in tables.values()
        )
        lines.append(f"{kind:<15}{cells}")
    return "\n".join(lines)


def held_out_tables(path: Path = HELD_OUT_5) -> tuple[dict[str, dict[str, Counts]], int]:
    """The held-out table for the rules alone and for the whole guard (rules and classifier)."""
    from voice import language, tone

    entries = load_held_out(path)
    texts = [str(entry["text"]) for entry in entries]
    rules_only = tone.ToneGuard(language.load(), tone.load_rules())
    tables = {
        "rules only": score(entries, [v.kinds for v in rules_only.check_many(texts)], tone.KINDS)
    }
    guard = tone.build_guard()
    if guard.classifier is not None:
        tables["rules + classifier"] = score(
            entries, [v.kinds for v in guard.check_many(texts)], tone.KINDS
        )
    return tables, len(entries)


def report(sink: TextIO, part: int = UNTUNED) -> None:
    path = PARTS[part]
    if not path.exists():
        raise MissingPart(
            f"{path.name} (part {part}) is not written yet; "
            f"--part {DEVELOPMENT[0]} to --part {DEVELOPMENT[-1]} print the development sets"
        )
    tables, size = held_out_tables(path)
    status = "never tuned on" if part == UNTUNED else "a development set"
    title = (
        f"tone guard on {path.relative_to(ROOT)} ({size} sentences, {status}): "
        "precision / recall / labelled texts"
    )
    sink.write(render(tables, title) + "\n")


def train(force: bool = False) -> None:
    from voice import tone

    folder, meta = tone.train_classifier(force=force)
    print(
        f"rapport: tone classifier {folder.relative_to(ROOT)}: threshold {meta['threshold']}, "
        f"cross-validated precision {meta['cross_validated_precision']:.2f} and recall "
        f"{meta['cross_validated_recall']:.2f} on {meta['sentences']} sentences "
        f"(built in {meta['seconds']} s)"
    )
