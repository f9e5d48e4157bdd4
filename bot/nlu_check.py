"""The held-out NLU gate: scores the newest model on `tests/nlu` and fails below a macro-F1.

`tests/nlu` holds examples that were never trained on, so its intent macro-F1 is the honest
measure of how well the bot understands customers. `python -m bot test` runs this check after
the test stories, and `python -m bot nlu-check` runs it on its own.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import processes
from bot.settings import ROOT, Settings

# Below this intent macro-F1 on the held-out set, `make test` fails.
MIN_INTENT_MACRO_F1 = 0.90
HELD_OUT_DIR = ROOT / "tests" / "nlu"
INTENT_REPORT = "intent_report.json"
# The entity report of the trainable extractor; spaCy's pretrained NER has its own report
# but is not ours to tune, so the gate's entity figure is DIET's.
ENTITY_REPORT = "DIETClassifier_report.json"


class HeldOutScoreTooLow(RuntimeError):
    """The model understands the held-out examples less well than the threshold demands."""


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


def check_held_out(settings: Settings, models_dir: Path, results_dir: Path) -> HeldOutScores:
    """Test the newest model on the held-out set; raise CommandFailed when it scores too low."""
    # Imported here: bot.cli imports this module for `command_test`.
    from bot.cli import CommandFailed, run_step, say

    model = newest_model(models_dir)
    if model is None:
        raise CommandFailed(f"no trained model in {models_dir}; run `python -m bot train` first")
    results_dir.mkdir(parents=True, exist_ok=True)
    for stale in (INTENT_REPORT, ENTITY_REPORT):
        (results_dir / stale).unlink(missing_ok=True)
    run_step(
        "held-out NLU test",
        processes.rasa_command(
            "test",
            "nlu",
            "--nlu",
            str(HELD_OUT_DIR),
            "--model",
            str(model),
            "--out",
            str(results_dir),
        ),
        processes.child_environment(settings),
    )
    try:
        scores = read_scores(results_dir)
        say(scores.summary())
        enforce_threshold(scores)
    except (ReportUnreadable, HeldOutScoreTooLow) as error:
        raise CommandFailed(str(error)) from None
    return scores


def command_nlu_check(settings: Settings, args: argparse.Namespace) -> None:
    from bot.cli import MODELS_DIR, RESULTS_DIR

    check_held_out(settings, MODELS_DIR, RESULTS_DIR / "nlu")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "nlu-check",
        help=(
            "Score the newest model on the held-out examples in tests/nlu; "
            f"fail below intent macro-F1 {MIN_INTENT_MACRO_F1:.2f}."
        ),
    )
    parser.set_defaults(handler=command_nlu_check)
