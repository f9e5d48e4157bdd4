"""How well a trained model does: its figures on the held-out sets and the test stories.

`score_model` runs the same `rasa test nlu` as the NLU gates (`bot.nlu_check`) on each held-out
set, and `rasa test core` on the test stories (without failing on an error: a failure is a
figure here), and reads Rasa's reports into `Evaluation`. `python -m bot evaluate` turns one
into an HTML report (`bot.evaluation_report`); training from the console compares two with
`what_got_worse`. None of these sets is ever trained on.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot import nlu_check, processes
from bot.settings import Settings

INTENT_SUCCESSES = "intent_successes.json"
FAILED_STORIES = "failed_test_stories.yml"
# The held-out sets, each with the folder its reports go to and the figure that counts.
SETS = (
    ("held_out", nlu_check.HELD_OUT_FILE, "intent macro-F1 on the held-out set"),
    ("messy", nlu_check.MESSY_FILE, "intent accuracy on the messy customer messages"),
    ("two_things", nlu_check.TWO_THINGS_FILE, "intent accuracy on the two-things messages"),
)
# A figure lower by more than this counts as worse (the figures are rounded to this).
TOLERANCE = 0.0005
PREDICTED = re.compile(r"#\s*predicted:\s*(?P<predicted>.+?)\s*$")


@dataclass(frozen=True)
class Prediction:
    text: str
    intent: str
    predicted: str


@dataclass(frozen=True)
class StoryFailure:
    """A test story the model got wrong: where (the file's line) and what it did instead."""

    story: str
    turn: str
    predicted: str
    line: int


@dataclass
class SetScores:
    name: str
    accuracy: float
    macro_f1: float
    # Per intent: precision, recall, f1-score, support.
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    predictions: list[Prediction] = field(default_factory=list)

    def confusions(self, limit: int = 10) -> list[tuple[str, str, int, list[str]]]:
        """The most common (intent, taken for, count, example messages), most first."""
        pairs: Counter[tuple[str, str]] = Counter()
        examples: dict[tuple[str, str], list[str]] = {}
        for p in self.predictions:
            if p.intent != p.predicted:
                pairs[(p.intent, p.predicted)] += 1
                examples.setdefault((p.intent, p.predicted), []).append(p.text)
        ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [(a, b, n, examples[(a, b)][:3]) for (a, b), n in ranked]


@dataclass
class Evaluation:
    model: str
    sets: dict[str, SetScores]
    stories_total: int
    story_failures: list[StoryFailure]

    def figures(self) -> dict[str, float]:
        """The figures compared between models and reports (higher is better)."""
        figures = {}
        for name, scores in self.sets.items():
            key = "intent_macro_f1" if name == "held_out" else "intent_accuracy"
            value = scores.macro_f1 if name == "held_out" else scores.accuracy
            figures[f"{name}.{key}"] = round(value, 4)
        passed = self.stories_total - len(self.story_failures)
        figures["stories.passed"] = float(passed)
        return figures

    def record(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "figures": self.figures(),
            "stories_total": self.stories_total,
            "story_failures": [asdict(failure) for failure in self.story_failures],
        }


FIGURE_NAMES = {
    "held_out.intent_macro_f1": "intent macro-F1 on the held-out set",
    "messy.intent_accuracy": "intent accuracy on the messy customer messages",
    "two_things.intent_accuracy": "intent accuracy on the two-things messages",
    "stories.passed": "test stories passed",
}


def what_got_worse(before: dict[str, float], after: dict[str, float]) -> list[str]:
    """Each figure that is lower `after` than `before`, in words; empty when none is."""
    worse = []
    for key, name in FIGURE_NAMES.items():
        if key not in before:
            continue
        old, new = before[key], after.get(key)
        if new is None or new < old - TOLERANCE:
            shown_new = "missing" if new is None else _shown(key, new)
            worse.append(f"{name}: {_shown(key, old)} before, {shown_new} now")
    return worse


def _shown(key: str, value: float) -> str:
    return f"{value:.0f}" if key == "stories.passed" else f"{value:.3f}"


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def read_predictions(folder: Path) -> list[Prediction]:
    """Every message's intent and prediction from `rasa test nlu --successes` reports."""
    predictions = []
    for file in (nlu_check.INTENT_ERRORS, INTENT_SUCCESSES):
        for entry in _read_json(folder / file) or []:
            try:
                predicted = str(entry["intent_prediction"]["name"])
                predictions.append(Prediction(str(entry["text"]), str(entry["intent"]), predicted))
            except (KeyError, TypeError):
                raise nlu_check.ReportUnreadable(
                    f"{folder / file} has an entry without intents"
                ) from None
    return predictions


def set_scores(name: str, predictions: list[Prediction]) -> SetScores:
    """A set's figures computed from its predictions as Rasa computes them (scikit-learn's
    report over the intents that are either expected or predicted)."""
    from sklearn.metrics import classification_report

    if not predictions:
        return SetScores(name, 0.0, 0.0)
    report = classification_report(
        [p.intent for p in predictions],
        [p.predicted for p in predictions],
        output_dict=True,
        zero_division=0,
    )
    per_intent = {
        intent: {key: float(values[key]) for key in ("precision", "recall", "f1-score", "support")}
        for intent, values in report.items()
        if isinstance(values, dict) and intent not in ("macro avg", "weighted avg", "micro avg")
    }
    accuracy = sum(p.intent == p.predicted for p in predictions) / len(predictions)
    return SetScores(
        name, accuracy, float(report["macro avg"]["f1-score"]), per_intent, predictions
    )


def split_by_set(
    predictions: list[Prediction], members: dict[str, set[tuple[str, str]]]
) -> dict[str, SetScores]:
    """Each set's scores from the predictions of its messages; a set none of whose messages
    was predicted means the reports and the sets do not match, which is an error, not a 0."""
    sets = {}
    for name, messages in members.items():
        mine = [p for p in predictions if (p.text, p.intent) in messages]
        if messages and not mine:
            raise nlu_check.ReportUnreadable(
                f"rasa test nlu reported none of the {len(messages)} messages of the {name} set"
            )
        sets[name] = set_scores(name, mine)
    return sets


def set_messages(source: Path) -> set[tuple[str, str]]:
    """The (message, intent) pairs of a held-out file or folder."""
    from bot.content_check import _examples_of, _load, plain_text

    pairs = set()
    files = sorted(source.rglob("*.yml")) if source.is_dir() else [source]
    for path in files:
        document = _load(path, path.parent) or {}
        for item in document.get("nlu") or []:
            if not isinstance(item, dict) or "intent" not in item:
                continue
            intent = str(item["intent"])
            examples = item.get("examples")
            if isinstance(examples, list):  # the long form: `- text: ...` with metadata
                pairs |= {
                    (plain_text(str(entry["text"])), intent)
                    for entry in examples
                    if isinstance(entry, dict) and "text" in entry
                }
            for example in _examples_of(item, "examples", path.name, intent):
                pairs.add((example.plain, example.intent))
    return pairs


def read_story_failures(folder: Path, stories_file: Path | None = None) -> list[StoryFailure]:
    """The failed test stories Rasa wrote, each with the first turn it got wrong.

    Rasa marks a wrong turn with `# predicted: <what the model did>` after the expected step.
    """
    path = folder / FAILED_STORIES
    if not path.is_file():
        return []
    failures: list[StoryFailure] = []
    story = ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("- story:"):
            story = stripped.removeprefix("- story:").strip()
            continue
        match = PREDICTED.search(stripped)
        if match and story and not any(f.story == story for f in failures):
            turn = PREDICTED.sub("", stripped).strip().removeprefix("- ").strip()
            failures.append(StoryFailure(story, turn, match.group("predicted"), number))
    return failures


def count_stories(stories_dir: Path) -> int:
    return sum(
        len(re.findall(r"^\s*- story:", path.read_text(encoding="utf-8"), re.MULTILINE))
        for path in sorted(stories_dir.rglob("*.yml"))
    )


def _rasa(settings: Settings, name: str, *args: str) -> None:
    from bot.cli import run_step

    run_step(name, processes.rasa_command(*args), processes.child_environment(settings))


def score_model(settings: Settings, model: Path, out: Path) -> Evaluation:
    """`evaluate_model`, with a report Rasa did not write as expected said in one line."""
    from bot.cli import CommandFailed

    try:
        return evaluate_model(settings, model, out)
    except nlu_check.ReportUnreadable as error:
        raise CommandFailed(str(error)) from None


def evaluate_model(settings: Settings, model: Path, out: Path) -> Evaluation:
    """Test `model` on every held-out set and on the test stories; reports go under `out`.

    The sets are tested in one `rasa test nlu` run (the model loads once) and the predictions
    are then split by set.
    """
    import shutil

    sets_dir = out / "sets"
    shutil.rmtree(sets_dir, ignore_errors=True)
    sets_dir.mkdir(parents=True)
    members = {}
    for name, source, _ in SETS:
        files = sorted(source.rglob("*.yml")) if source.is_dir() else [source]
        for path in files:
            shutil.copy(path, sets_dir / f"{name}--{path.name}")
        members[name] = set_messages(source)
    nlu = out / "nlu"
    nlu.mkdir(parents=True, exist_ok=True)
    for stale in (nlu_check.INTENT_REPORT, nlu_check.INTENT_ERRORS, INTENT_SUCCESSES):
        (nlu / stale).unlink(missing_ok=True)
    _rasa(
        settings,
        "held-out NLU tests",
        *("test", "nlu", "--nlu", str(sets_dir), "--model", str(model)),
        *("--out", str(nlu), "--successes"),
    )
    predictions = read_predictions(nlu)
    sets = split_by_set(predictions, members)
    core = out / "core"
    core.mkdir(parents=True, exist_ok=True)
    (core / FAILED_STORIES).unlink(missing_ok=True)
    _rasa(
        settings,
        "test stories",
        *("test", "core", "--stories", str(settings.stories_dir), "--model", str(model)),
        *("--endpoints", "endpoints.yml", "--out", str(core)),
    )
    return Evaluation(
        model.name, sets, count_stories(settings.stories_dir), read_story_failures(core)
    )
