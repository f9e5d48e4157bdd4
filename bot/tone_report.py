"""The tone guard measured: precision and recall by kind on labelled sentences, and training.

`python -m bot tone --report` prints the table on the held-out sentences never tuned on
(tests/tone/held_out_8.yml, part 8, once it is written); `--report --part 1` to `--part 7` on
tests/tone/held_out.yml to held_out_7.yml, the development sets (since 2026-11-26 and
2026-11-27), which the classifier also trains on. `python -m bot tone --cross-validate` estimates
how the guard does on sentences it never saw: each development part in turn is left out, the
classifier trained on the corpus and the other parts, and the left-out part scored. `python -m bot
tone --train` builds the classifier. The unit tests use the same counting
(tests/unit/voice/test_tone_held_out.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from voice.tone import ToneGuard

ROOT = Path(__file__).resolve().parents[1]
# The kinds found in each labelled sentence, kept between runs (gitignored, as var/ is).
VERDICT_CACHE = ROOT / "var" / "tone-verdicts"
KEPT_VERDICTS = 40
# The code a verdict depends on, beside the rules and the classifier (see `guard_key`).
GUARD_CODE = tuple(
    ROOT / "voice" / name
    for name in ("tone.py", "tone_classifier.py", "sentence_encoder.py", "language.py")
)
HELD_OUT = ROOT / "tests" / "tone" / "held_out.yml"
HELD_OUT_2 = ROOT / "tests" / "tone" / "held_out_2.yml"
HELD_OUT_3 = ROOT / "tests" / "tone" / "held_out_3.yml"
HELD_OUT_4 = ROOT / "tests" / "tone" / "held_out_4.yml"
HELD_OUT_5 = ROOT / "tests" / "tone" / "held_out_5.yml"
HELD_OUT_6 = ROOT / "tests" / "tone" / "held_out_6.yml"
HELD_OUT_7 = ROOT / "tests" / "tone" / "held_out_7.yml"
HELD_OUT_8 = ROOT / "tests" / "tone" / "held_out_8.yml"
# The held-out parts by number: parts 1 to 7 are development sets (and training material, see
# voice/tone_classifier.py), part 8 the one never tuned on; its file may not be written yet.
PARTS = {
    1: HELD_OUT,
    2: HELD_OUT_2,
    3: HELD_OUT_3,
    4: HELD_OUT_4,
    5: HELD_OUT_5,
    6: HELD_OUT_6,
    7: HELD_OUT_7,
    8: HELD_OUT_8,
}
DEVELOPMENT = (1, 2, 3, 4, 5, 6, 7)
UNTUNED = 8


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

    def merge(self, other: Counts) -> None:
        self.true_positives += other.true_positives
        self.false_positives += other.false_positives
        self.false_negatives += other.false_negatives
        self.support += other.support

    def add(self, labelled: bool, flagged: bool) -> None:
        self.support += labelled
        self.true_positives += labelled and flagged
        self.false_positives += flagged and not labelled
        self.false_negatives += labelled and not flagged


def load_held_out(path: Path = HELD_OUT) -> list[dict[str, object]]:
    from voice.tone_classifier import safe_yaml

    document = safe_yaml(path.read_text(encoding="utf-8"))
    entries: list[dict[str, object]] = document["held_out"]
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


@dataclass(frozen=True)
class Guards:
    """The guard on its rules alone and the whole guard (None without its classifier), sharing
    one pipeline; the whole guard takes the kept embeddings of the training material as given."""

    rules_only: ToneGuard
    full: ToneGuard | None


def build_guards() -> Guards:
    from voice import tone, tone_classifier

    rules_only = tone.build_rules_guard()
    classifier = tone_classifier.load(tone.KINDS)
    if classifier is None:
        return Guards(rules_only, None)
    known = classifier.with_known(tone_classifier.kept_embeddings())
    return Guards(rules_only, tone.ToneGuard(rules_only.nlp, rules_only.book, known))


def guard_key(guard: ToneGuard) -> str:
    """What a guard's verdicts depend on: what its rules match, its classifier's fingerprint
    (the training material, the rules and the settings), spaCy's version and the guard's code.
    A verdict kept under another key is never used."""
    import spacy

    from voice import tone_classifier

    digest = hashlib.sha256()
    identity = [
        tone_classifier.rules_matching(),
        guard.classifier.fingerprint if guard.classifier is not None else None,
        spacy.__version__,
        guard.nlp.meta.get("name"),
        guard.nlp.meta.get("version"),
    ]
    digest.update(json.dumps(identity, sort_keys=True, default=str).encode("utf-8"))
    for path in GUARD_CODE:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def kinds_found(
    guard: ToneGuard, texts: Sequence[str], cache: Path | None = VERDICT_CACHE
) -> list[set[str]]:
    """The kinds the guard finds in each text; kept in `cache` under the guard's key and the
    texts' hash, so that each labelled sentence is checked once per version of the guard, by
    whichever test or report asks first (None: not kept)."""
    if cache is None:
        return [verdict.kinds for verdict in guard.check_many(texts)]
    texts_digest = hashlib.sha256(json.dumps(list(texts)).encode("utf-8")).hexdigest()[:16]
    path = cache / f"{guard_key(guard)}-{texts_digest}.json"
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = None
    if isinstance(kept, list) and len(kept) == len(texts):
        return [set(kinds) for kinds in kept]
    found = [verdict.kinds for verdict in guard.check_many(texts)]
    cache.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps([sorted(kinds) for kinds in found]), encoding="utf-8")
    partial.replace(path)
    for old in sorted(cache.glob("*.json"), key=os.path.getmtime)[:-KEPT_VERDICTS]:
        old.unlink(missing_ok=True)
    return found


def held_out_tables(
    path: Path = HELD_OUT_8, guards: Guards | None = None
) -> tuple[dict[str, dict[str, Counts]], int]:
    """The held-out table for the rules alone and for the whole guard (rules and classifier).
    The verdicts on a development part are kept (see `kinds_found`); those on the part never
    tuned on are not, so that nobody reads them sentence by sentence."""
    from voice import tone

    guards = guards or build_guards()
    entries = load_held_out(path)
    texts = [str(entry["text"]) for entry in entries]
    cache = None if path == PARTS[UNTUNED] else VERDICT_CACHE
    tables = {
        "rules only": score(entries, kinds_found(guards.rules_only, texts, cache), tone.KINDS)
    }
    if guards.full is not None:
        tables["rules + classifier"] = score(
            entries, kinds_found(guards.full, texts, cache), tone.KINDS
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


def leave_one_part_out(
    parts: Sequence[int] = DEVELOPMENT,
    found_by_part: dict[int, list[set[str]]] | None = None,
    corpus: Path | None = None,
    folds: int | None = None,
) -> tuple[dict[str, dict[str, Counts]], dict[int, Counts], int]:
    """How the guard does on sentences it never saw, estimated on the development parts: each
    in turn is left out, a classifier built from the corpus and the other parts the way the
    artefact is (thresholds by cross-validation on that material, with `folds` folds: the
    artefact's number unless told) and the left-out part scored with the rules and that
    classifier. Returns the tables pooled over the parts (rules only; rules + classifier), the
    overall counts of each part and the number of sentences scored; `found_by_part`, when
    given, receives the kinds found in each sentence of each part (to read the misses);
    `corpus` is another corpus file to train on (to compare two versions)."""
    import numpy as np

    from voice import tone, tone_classifier

    rules_guard = tone.build_rules_guard()
    held_out = {number: load_held_out(PARTS[number]) for number in parts}
    # Each file is read once, and every sentence parsed, embedded and run through the rules once,
    # whatever it is used for.
    labelled = {number: tone_classifier.load_corpus(PARTS[number], tone.KINDS) for number in parts}
    written = tone_classifier.load_corpus(corpus or tone_classifier.CORPUS_PATH, tone.KINDS)
    unique = [entry.text for entry in tone_classifier.combined([written, *labelled.values()])]
    doc_of = dict(zip(unique, rules_guard.nlp.pipe(unique, batch_size=64), strict=True))
    feature_of = {text: tone_classifier.features(doc) for text, doc in doc_of.items()}
    vector_of = dict(zip(unique, tone_classifier.embed(unique), strict=True))
    flag_of = dict(zip(unique, rules_guard.check_rules_only(list(doc_of.values())), strict=True))
    pooled = {
        "rules only": score([], [], tone.KINDS),
        "rules + classifier": score([], [], tone.KINDS),
    }
    by_part: dict[int, Counts] = {}
    for number, entries in held_out.items():
        training = tone_classifier.combined(
            [written, *(labelled[other] for other in parts if other != number)]
        )
        raw = [entry.text for entry in training]
        fitted = tone_classifier.fit(
            [feature_of[text] for text in raw],
            np.array([vector_of[text] for text in raw]),
            [entry.kinds for entry in training],
            [flag_of[text] for text in raw],
            tone.KINDS,
            folds,
        )
        classifier = fitted.classifier(f"without part {number}").with_known(vector_of)
        guard = tone.ToneGuard(rules_guard.nlp, rules_guard.book, classifier)
        docs = [doc_of[str(entry["text"])] for entry in entries]
        found = {
            "rules only": [v.kinds for v in rules_guard.check_docs(docs)],
            "rules + classifier": [v.kinds for v in guard.check_docs(docs)],
        }
        if found_by_part is not None:
            found_by_part[number] = found["rules + classifier"]
        for name, kinds_found_here in found.items():
            table = score(entries, kinds_found_here, tone.KINDS)
            for kind, counts in table.items():
                pooled[name][kind].merge(counts)
            if name == "rules + classifier":
                by_part[number] = table["overall"]
    return pooled, by_part, sum(len(entries) for entries in held_out.values())


def cross_validate(
    sink: TextIO, parts: Sequence[int] = DEVELOPMENT, folds: int | None = None
) -> None:
    """Print the leave-one-part-out estimate: pooled by kind, then each part's overall figures."""
    pooled, by_part, size = leave_one_part_out(parts, folds=folds)
    title = (
        f"tone guard, leave-one-part-out over parts {', '.join(map(str, parts))} ({size} "
        "sentences, each scored by a guard trained without its part"
        + (f", thresholds by {folds}-fold cross-validation" if folds else "")
        + "): precision / recall / labelled texts"
    )
    lines = [render(pooled, title)]
    for number, counts in by_part.items():
        lines.append(
            f"part {number} left out: precision {counts.precision:.2f}, "
            f"recall {counts.recall:.2f} ({counts.support} hurtful)"
        )
    sink.write("\n".join(lines) + "\n")
