"""The held-out NLU gates: score the newest model on the two test sets in `tests/nlu`.

Neither set is ever trained on. `tests/nlu/held_out/` holds tidy examples, one phrasing per
idea, and its intent macro-F1 must reach MIN_INTENT_MACRO_F1. `tests/nlu/messy.yml` holds
messages as customers really type them (text-speak, typos, run-on stories, two requests in
one), written before the training data was rewritten; its intent accuracy must reach
MIN_MESSY_INTENT_ACCURACY. `tests/nlu/two_things.yml` holds messages of two things at once
(a pleasantry and a request, or a request for a person beside another), each labelled with the
request the bot must answer; its intent accuracy must reach MIN_TWO_THINGS_ACCURACY.
`tests/nlu/messy_2.yml` and `tests/nlu/messy_3.yml`, messy sets by other writers, are scored
beside them when they are there, each with its own gate (MIN_MESSY_2_INTENT_ACCURACY,
MIN_MESSY_3_INTENT_ACCURACY).
`python -m bot test` runs all three after the test stories, and `python -m bot nlu-check` runs
them on their own. The figures go to `scores.json` in the
results folder, with the messy set's most common confusions.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import processes
from bot.settings import ROOT, Settings

# Below this intent macro-F1 on the held-out set, `make test` fails.
MIN_INTENT_MACRO_F1 = 0.90
# Below this intent accuracy on the messy set, `make test` fails. It is the goal, 0.90, reached
# by the model trained on the data of 2026-11-26 with more of customers' own words (0.907, 313
# of 345 messages; 0.887 before those words, 0.841 before the rewrite). Never lower it to let
# a model through, and never edit the messy set to pass it.
MIN_MESSY_INTENT_ACCURACY = 0.90
# Below this intent accuracy on the two-things set, `make test` fails: the accuracy of the
# model shipped when the choice between two intents came in (0.78, 39 of 50, on 2026-11-26;
# bot.nlu.RequestChooser, see docs/nlu.md) minus 0.02. Raise it as the bot improves; never
# lower it, never edit the set.
MIN_TWO_THINGS_ACCURACY = 0.76
HELD_OUT_FILE = ROOT / "tests" / "nlu" / "held_out"
MESSY_FILE = ROOT / "tests" / "nlu" / "messy.yml"
# The messy set's reports go to this folder inside the results folder.
MESSY_RESULTS = "messy"
# A second messy set, written on 2026-11-27 by someone who had not seen the training data,
# before that day's tuning. First measure, on the model of that morning (20261127-024346):
# 0.875 (119 of 136). The gate is that first measure rounded down, a floor against going back;
# raise it as the bot improves, never lower it, never edit the set.
MESSY_2_FILE = ROOT / "tests" / "nlu" / "messy_2.yml"
MESSY_2_RESULTS = "messy_2"
MIN_MESSY_2_INTENT_ACCURACY = 0.87
# A third messy set, written on the evening of 2026-11-27 by another outside tester, before that
# evening's work on understanding was measured (435 messages). First measure, on the model of
# that afternoon (20261127-160416): 0.832. The gate: see MIN_MESSY_3_INTENT_ACCURACY's note in
# docs/nlu.md; raise it as the bot improves, never lower it, never edit the set.
MESSY_3_FILE = ROOT / "tests" / "nlu" / "messy_3.yml"
MESSY_3_RESULTS = "messy_3"
MIN_MESSY_3_INTENT_ACCURACY = 0.83
TWO_THINGS_FILE = ROOT / "tests" / "nlu" / "two_things.yml"
TWO_THINGS_RESULTS = "two_things"
# Both sets' figures, written to the results folder after each check.
SCORES_FILE = "scores.json"
# How many of the messy set's confusions `scores.json` lists.
TOP_CONFUSIONS = 10
INTENT_REPORT = "intent_report.json"
INTENT_ERRORS = "intent_errors.json"
# The entity report of the trainable extractor; spaCy's pretrained NER has its own report
# but is not ours to tune, so the gate's entity figure is DIET's.
ENTITY_REPORT = "DIETClassifier_report.json"


class HeldOutScoreTooLow(RuntimeError):
    """The model understands the held-out examples less well than the threshold demands."""


class MessyScoreTooLow(RuntimeError):
    """The model understands the messy customer messages less well than the gate demands."""


class TwoThingsScoreTooLow(RuntimeError):
    """The bot answers the wrong part of messages that hold two things too often."""


class ReportUnreadable(RuntimeError):
    """A report of `rasa test nlu` is missing or is not what Rasa writes."""


@dataclass(frozen=True)
class HeldOutScores:
    """The figures the gate looks at: intent macro-F1 and (if any entities) entity F1."""

    intent_macro_f1: float
    entity_f1: float | None

    def summary(self) -> str:
        entity = "n/a" if self.entity_f1 is None else f"{self.entity_f1:.3f}"
        return (
            f"held-out NLU: intent macro-F1 {self.intent_macro_f1:.3f} "
            f"(minimum {MIN_INTENT_MACRO_F1:.2f}), entity F1 {entity}"
        )


@dataclass(frozen=True)
class Confusion:
    """`count` messages of intent `true` that the model took for `predicted`."""

    true: str
    predicted: str
    count: int

    def line(self) -> str:
        return f"{self.true} → {self.predicted} ({self.count})"


@dataclass(frozen=True)
class MessyScores:
    """The messy set's figures: intent accuracy (the gate), macro-F1 and the top confusions."""

    intent_accuracy: float
    intent_macro_f1: float
    confusions: tuple[Confusion, ...] = field(default=())

    def summary(self, name: str = "messy NLU", minimum: float = MIN_MESSY_INTENT_ACCURACY) -> str:
        return (
            f"{name}: intent accuracy {self.intent_accuracy:.3f} "
            f"(minimum {minimum:.2f}), macro-F1 {self.intent_macro_f1:.3f}"
        )


@dataclass(frozen=True)
class TwoThingsScores:
    """The two-things set's figures: intent accuracy (the gate) and macro-F1."""

    intent_accuracy: float
    intent_macro_f1: float

    def summary(self) -> str:
        return (
            f"two things in one message: intent accuracy {self.intent_accuracy:.3f} "
            f"(minimum {MIN_TWO_THINGS_ACCURACY:.2f}), macro-F1 {self.intent_macro_f1:.3f}"
        )


def enforce_two_things_threshold(
    scores: TwoThingsScores, minimum: float = MIN_TWO_THINGS_ACCURACY
) -> None:
    """Raise TwoThingsScoreTooLow when the two-things set's accuracy is below `minimum`."""
    if scores.intent_accuracy < minimum:
        raise TwoThingsScoreTooLow(
            f"intent accuracy on the two-things set is {scores.intent_accuracy:.3f}, below "
            f"{minimum:.2f}; see its errors in {TWO_THINGS_RESULTS}/{INTENT_ERRORS}."
        )


def _f1(report: dict[str, Any], key: str, name: str) -> float:
    try:
        return float(report[key]["f1-score"])
    except (KeyError, TypeError, ValueError):
        raise ReportUnreadable(f"{name} has no '{key}' f1-score") from None


def scores_from_reports(
    intent_report: dict[str, Any], entity_report: dict[str, Any] | None
) -> HeldOutScores:
    """Read the figures from the parsed JSON reports that `rasa test nlu` writes."""
    intent_f1 = _f1(intent_report, "macro avg", INTENT_REPORT)
    entity_f1 = None
    if entity_report:
        # Rasa writes "micro avg" for entities, or "accuracy" when micro equals accuracy.
        key = "micro avg" if "micro avg" in entity_report else "weighted avg"
        entity_f1 = _f1(entity_report, key, ENTITY_REPORT)
    return HeldOutScores(intent_f1, entity_f1)


def enforce_threshold(scores: HeldOutScores, minimum: float = MIN_INTENT_MACRO_F1) -> None:
    """Raise HeldOutScoreTooLow when the intent macro-F1 is below `minimum`."""
    if scores.intent_macro_f1 < minimum:
        raise HeldOutScoreTooLow(
            f"intent macro-F1 on the held-out set is {scores.intent_macro_f1:.3f}, below "
            f"{minimum:.2f}; see the errors in {INTENT_REPORT} and improve data/nlu."
        )


def top_confusions(
    errors: list[dict[str, Any]], limit: int = TOP_CONFUSIONS
) -> tuple[Confusion, ...]:
    """The most common (true, predicted) pairs in the misclassified examples Rasa lists.

    Most frequent first; ties in name order, so the list is the same on every run.
    """
    pairs: Counter[tuple[str, str]] = Counter()
    for error in errors:
        try:
            pairs[(str(error["intent"]), str(error["intent_prediction"]["name"]))] += 1
        except (KeyError, TypeError):
            raise ReportUnreadable(f"{INTENT_ERRORS} has an entry without intents") from None
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    return tuple(Confusion(true, predicted, n) for (true, predicted), n in ranked[:limit])


def messy_scores_from_reports(
    intent_report: dict[str, Any], errors: list[dict[str, Any]] | None
) -> MessyScores:
    """Read the messy set's figures from the parsed intent report and errors of `rasa test nlu`.

    No errors file means every message was understood: Rasa writes it only when some were not.
    """
    accuracy = intent_report.get("accuracy")
    if isinstance(accuracy, bool) or not isinstance(accuracy, int | float):
        raise ReportUnreadable(f"{INTENT_REPORT} has no 'accuracy' figure")
    macro_f1 = _f1(intent_report, "macro avg", INTENT_REPORT)
    return MessyScores(float(accuracy), macro_f1, top_confusions(errors or []))


def enforce_messy_threshold(
    scores: MessyScores, minimum: float = MIN_MESSY_INTENT_ACCURACY, name: str = "the messy set"
) -> None:
    """Raise MessyScoreTooLow when the messy set's intent accuracy is below `minimum`."""
    if scores.intent_accuracy < minimum:
        raise MessyScoreTooLow(
            f"intent accuracy on {name} is {scores.intent_accuracy:.3f}, below "
            f"{minimum:.2f}; see the confusions in {SCORES_FILE} and improve data/nlu "
            "(with new examples of your own, never the messy set's)."
        )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ReportUnreadable(f"{path} is not JSON: {error}") from None


def read_messy_scores(results_dir: Path) -> MessyScores:
    """Read the messy set's figures from a `rasa test nlu --out results_dir` run."""
    intent_path = results_dir / INTENT_REPORT
    if not intent_path.exists():
        raise ReportUnreadable(f"rasa test nlu wrote no {intent_path}")
    errors_path = results_dir / INTENT_ERRORS
    errors = _read_json(errors_path) if errors_path.exists() else None
    if errors is not None and not isinstance(errors, list):
        raise ReportUnreadable(f"{errors_path} is not a list of errors")
    return messy_scores_from_reports(_read_json(intent_path), errors)


def _messy_record(path: Path, messy: MessyScores, minimum: float) -> dict[str, Any]:
    return {
        "file": (path.relative_to(ROOT) if path.is_relative_to(ROOT) else path).as_posix(),
        "intent_accuracy": messy.intent_accuracy,
        "intent_macro_f1": messy.intent_macro_f1,
        "min_intent_accuracy": minimum,
        "top_confusions": [
            {"intent": c.true, "predicted": c.predicted, "count": c.count} for c in messy.confusions
        ],
    }


@dataclass(frozen=True)
class LaterMessySet:
    """A messy set written after the first, by another writer, with a gate of its own; scored
    when its file is there."""

    path: Path
    results: str  # its folder in the results folder, and its key in scores.json
    minimum: float
    ordinal: str  # "second": "messy NLU, second set", "the second messy set"


def later_messy_sets() -> list[LaterMessySet]:
    """The later messy sets whose files are there (read at each call, so a test may move them)."""
    sets = [
        LaterMessySet(MESSY_2_FILE, MESSY_2_RESULTS, MIN_MESSY_2_INTENT_ACCURACY, "second"),
        LaterMessySet(MESSY_3_FILE, MESSY_3_RESULTS, MIN_MESSY_3_INTENT_ACCURACY, "third"),
    ]
    return [later for later in sets if later.path.exists()]


def scores_record(
    model: str,
    held_out: HeldOutScores,
    messy: MessyScores,
    two_things: TwoThingsScores | None = None,
    later: dict[LaterMessySet, MessyScores] | None = None,
) -> dict[str, Any]:
    """What `scores.json` holds: each set's figures, their minimums and the top confusions."""
    record: dict[str, Any] = {
        "model": model,
        "held_out": {
            "file": HELD_OUT_FILE.relative_to(ROOT).as_posix(),
            "intent_macro_f1": held_out.intent_macro_f1,
            "entity_f1": held_out.entity_f1,
            "min_intent_macro_f1": MIN_INTENT_MACRO_F1,
        },
        "messy": _messy_record(MESSY_FILE, messy, MIN_MESSY_INTENT_ACCURACY),
    }
    for later_set, scores in (later or {}).items():
        record[later_set.results] = _messy_record(later_set.path, scores, later_set.minimum)
    if two_things is not None:
        record["two_things"] = {
            "file": TWO_THINGS_FILE.relative_to(ROOT).as_posix(),
            "intent_accuracy": two_things.intent_accuracy,
            "intent_macro_f1": two_things.intent_macro_f1,
            "min_intent_accuracy": MIN_TWO_THINGS_ACCURACY,
        }
    return record


def read_scores(results_dir: Path) -> HeldOutScores:
    """Read the scores from a `rasa test nlu --out results_dir` run."""
    intent_path = results_dir / INTENT_REPORT
    if not intent_path.exists():
        raise ReportUnreadable(f"rasa test nlu wrote no {intent_path}")
    entity_path = results_dir / ENTITY_REPORT
    try:
        intent_report = json.loads(intent_path.read_text())
        entity_report = json.loads(entity_path.read_text()) if entity_path.exists() else None
    except json.JSONDecodeError as error:
        raise ReportUnreadable(f"a report in {results_dir} is not JSON: {error}") from None
    return scores_from_reports(intent_report, entity_report)


def newest_model(models_dir: Path) -> Path | None:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    return models[-1] if models else None


def _test_sets(settings: Settings, name: str, sets: list[tuple[Path, Path]], model: Path) -> None:
    """Score `model` on each (test set, output folder) pair as `rasa test nlu` does, in one
    process that loads the model once (bot.nlu_sets), clearing the reports an earlier run left."""
    from bot.cli import run_step

    command = [processes.python(), "-m", "bot.nlu_sets", str(model)]
    for nlu_file, out in sets:
        out.mkdir(parents=True, exist_ok=True)
        for stale in (INTENT_REPORT, INTENT_ERRORS, ENTITY_REPORT):
            (out / stale).unlink(missing_ok=True)
        command += [str(nlu_file), str(out)]
    run_step(name, command, processes.child_environment(settings))


def check_nlu(
    settings: Settings, models_dir: Path, results_dir: Path
) -> tuple[HeldOutScores, MessyScores]:
    """Test the newest model on the three sets; raise CommandFailed when any scores too low.

    Every set is scored and its figures printed and written before any gate is applied, so a
    failure still shows the whole picture.
    """
    # Imported here: bot.cli imports this module for `command_test`.
    from bot.cli import CommandFailed, say

    model = newest_model(models_dir)
    if model is None:
        raise CommandFailed(f"no trained model in {models_dir}; run `python -m bot train` first")
    messy_dir = results_dir / MESSY_RESULTS
    (results_dir / SCORES_FILE).unlink(missing_ok=True)
    two_things_dir = results_dir / TWO_THINGS_RESULTS
    later_sets = later_messy_sets()
    sets = [
        (HELD_OUT_FILE, results_dir),
        (MESSY_FILE, messy_dir),
        (TWO_THINGS_FILE, two_things_dir),
    ]
    sets += [(later.path, results_dir / later.results) for later in later_sets]
    _test_sets(
        settings, "held-out NLU tests (tidy, messy, two things; one load of the model)", sets, model
    )
    try:
        held_out = read_scores(results_dir)
        messy = read_messy_scores(messy_dir)
        read = read_messy_scores(two_things_dir)
        later = {each: read_messy_scores(results_dir / each.results) for each in later_sets}
    except ReportUnreadable as error:
        raise CommandFailed(str(error)) from None
    two_things = TwoThingsScores(read.intent_accuracy, read.intent_macro_f1)
    say(held_out.summary())
    say(messy.summary())
    for each, scores in later.items():
        say(scores.summary(f"messy NLU, {each.ordinal} set", each.minimum))
    say(two_things.summary())
    scores_path = results_dir / SCORES_FILE
    record = scores_record(model.name, held_out, messy, two_things, later)
    scores_path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    say(f"NLU scores and the messy set's top confusions: {scores_path}")
    failures = []
    gates: list[Callable[[], None]] = [
        lambda: enforce_threshold(held_out),
        lambda: enforce_messy_threshold(messy),
        lambda: enforce_two_things_threshold(two_things, MIN_TWO_THINGS_ACCURACY),
    ]
    for each, scores in later.items():
        gates.append(
            lambda each=each, scores=scores: enforce_messy_threshold(  # type: ignore[misc]
                scores, each.minimum, f"the {each.ordinal} messy set"
            )
        )
    for gate in gates:
        try:
            gate()
        except (HeldOutScoreTooLow, MessyScoreTooLow, TwoThingsScoreTooLow) as error:
            failures.append(str(error))
    if failures:
        raise CommandFailed("; ".join(failures))
    return held_out, messy


def command_nlu_check(settings: Settings, args: argparse.Namespace) -> None:
    from bot.cli import RESULTS_DIR

    check_nlu(settings, settings.models_dir, RESULTS_DIR / "nlu")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "nlu-check",
        help=(
            "Score the newest model on the held-out sets in tests/nlu; fail below intent "
            f"macro-F1 {MIN_INTENT_MACRO_F1:.2f} (tests/nlu/held_out) or intent accuracy "
            f"{MIN_MESSY_INTENT_ACCURACY:.2f} (messy.yml) or {MIN_TWO_THINGS_ACCURACY:.2f} "
            "(two_things.yml)."
        ),
    )
    parser.set_defaults(handler=command_nlu_check)
