"""`python -m bot evaluate`: a self-contained HTML report of how well the newest model does.

The report (`reports/evaluation.html`, gitignored) holds, for the held-out sets: intent macro-F1
and accuracy, per-intent precision and recall as bars, the confusion matrix as a picture and the
worst-confused pairs with example messages; the test stories that failed, each with the turn
where it failed; and the change against the previous report, whose figures are kept beside it
(`reports/evaluation.json`). The pictures are PNGs drawn by matplotlib and embedded as base64,
so the file can be mailed or opened anywhere. A short summary goes to the terminal.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
from pathlib import Path
from typing import Any

from bot.evaluation import FIGURE_NAMES, Evaluation, SetScores, score_model, what_got_worse
from bot.settings import ROOT, Settings

REPORTS_DIR = ROOT / "reports"
REPORT_FILE = "evaluation.html"
FIGURES_FILE = "evaluation.json"
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;"
    "color:#1d2b24}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccd;"
    "padding:.3rem .6rem;text-align:left;vertical-align:top}.worse{color:#a11}.better{color:#174}"
    "img{max-width:100%}"
)


def _png(figure: Any) -> str:
    """A matplotlib figure as an <img> with the PNG inline."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="" src="data:image/png;base64,{data}">'


def precision_recall_chart(scores: SetScores) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    intents = sorted(scores.per_intent)
    precision = [scores.per_intent[i]["precision"] for i in intents]
    recall = [scores.per_intent[i]["recall"] for i in intents]
    figure, axes = plt.subplots(figsize=(10, max(3.0, 0.28 * len(intents) + 1)))
    rows = range(len(intents))
    axes.barh([r + 0.2 for r in rows], precision, height=0.4, label="precision")
    axes.barh([r - 0.2 for r in rows], recall, height=0.4, label="recall")
    axes.set_yticks(list(rows), intents)
    axes.set_xlim(0, 1)
    axes.invert_yaxis()
    axes.legend(loc="lower right")
    axes.set_title(f"{scores.name}: precision and recall per intent")
    return _png(figure)


def confusion_matrix_chart(scores: SetScores) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    labels = sorted(
        {p.intent for p in scores.predictions} | {p.predicted for p in scores.predictions}
    )
    size = max(5.0, 0.35 * len(labels) + 2)
    figure, axes = plt.subplots(figsize=(size, size))
    ConfusionMatrixDisplay.from_predictions(
        [p.intent for p in scores.predictions],
        [p.predicted for p in scores.predictions],
        labels=labels,
        ax=axes,
        xticks_rotation="vertical",
        colorbar=False,
        cmap="Greens",
    )
    axes.set_title(f"{scores.name}: confusion matrix (rows: the intent, columns: taken for)")
    return _png(figure)


def changes(before: dict[str, float] | None, after: dict[str, float]) -> list[tuple[str, str]]:
    """Per figure, in words, and 'better', 'worse' or '' (same, or no previous report)."""
    rows = []
    for key, name in FIGURE_NAMES.items():
        if key not in after:
            continue
        new = after[key]
        if before is None or key not in before:
            rows.append((f"{name}: {new:g} (no previous report)", ""))
            continue
        old = before[key]
        kind = "better" if new > old else "worse" if new < old else ""
        rows.append((f"{name}: {old:g} → {new:g}", kind))
    return rows


def render(evaluation: Evaluation, previous: dict[str, Any] | None) -> str:
    """The whole report as one HTML page."""
    e = html.escape
    figures = evaluation.figures()
    before = previous.get("figures") if previous else None
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Model evaluation: {e(evaluation.model)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Model evaluation</h1><p>Model <code>{e(evaluation.model)}</code>"
        + (f", compared with <code>{e(str(previous.get('model')))}</code>" if previous else "")
        + ".</p>",
        "<h2>Change against the previous report</h2><ul>",
    ]
    parts += [f"<li class='{kind}'>{e(text)}</li>" for text, kind in changes(before, figures)]
    parts.append(
        "</ul><h2>Held-out sets</h2><table><tr><th>set</th><th>messages</th>"
        "<th>intent accuracy</th><th>intent macro-F1</th></tr>"
    )
    for scores in evaluation.sets.values():
        parts.append(
            f"<tr><td>{e(scores.name)}</td><td>{len(scores.predictions)}</td>"
            f"<td>{scores.accuracy:.3f}</td><td>{scores.macro_f1:.3f}</td></tr>"
        )
    parts.append("</table>")
    for scores in evaluation.sets.values():
        parts.append(f"<h3>{e(scores.name)}</h3>")
        if not scores.predictions:
            parts.append("<p>No messages of this set were tested.</p>")
            continue
        parts.append(precision_recall_chart(scores))
        parts.append(confusion_matrix_chart(scores))
        confusions = scores.confusions()
        if confusions:
            parts.append(
                "<table><tr><th>intent</th><th>taken for</th><th>times</th>"
                "<th>for example</th></tr>"
            )
            for intent, taken, count, examples in confusions:
                quoted = "<br>".join(f"“{e(text)}”" for text in examples)
                parts.append(
                    f"<tr><td>{e(intent)}</td><td>{e(taken)}</td><td>{count}</td>"
                    f"<td>{quoted}</td></tr>"
                )
            parts.append("</table>")
    parts.append(
        f"<h2>Test stories</h2><p>{evaluation.stories_total - len(evaluation.story_failures)} "
        f"of {evaluation.stories_total} passed.</p>"
    )
    if evaluation.story_failures:
        parts.append(
            "<table><tr><th>story</th><th>the turn that failed</th><th>the model did</th></tr>"
        )
        for failure in evaluation.story_failures:
            parts.append(
                f"<tr><td>{e(failure.story)}</td><td><code>{e(failure.turn)}</code></td>"
                f"<td><code>{e(failure.predicted)}</code></td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def summary(evaluation: Evaluation, previous: dict[str, Any] | None) -> list[str]:
    lines = [f"model {evaluation.model}"]
    for scores in evaluation.sets.values():
        lines.append(
            f"{scores.name}: intent accuracy {scores.accuracy:.3f}, macro-F1 "
            f"{scores.macro_f1:.3f} ({len(scores.predictions)} messages)"
        )
        for intent, taken, count, _ in scores.confusions(limit=3):
            lines.append(f"  most confused: {intent} → {taken} ({count})")
    passed = evaluation.stories_total - len(evaluation.story_failures)
    lines.append(f"test stories: {passed} of {evaluation.stories_total} passed")
    for failure in evaluation.story_failures:
        lines.append(f"  failed: {failure.story} at {failure.turn} (did {failure.predicted})")
    if previous:
        worse = what_got_worse(previous.get("figures") or {}, evaluation.figures())
        lines.append(
            "against the previous report: " + ("; ".join(worse) if worse else "nothing got worse")
        )
    return lines


def write_report(evaluation: Evaluation, folder: Path) -> tuple[Path, dict[str, Any] | None]:
    """Write the report and its figures; the previous figures are read first."""
    folder.mkdir(parents=True, exist_ok=True)
    figures_path = folder / FIGURES_FILE
    previous = json.loads(figures_path.read_text()) if figures_path.is_file() else None
    report = folder / REPORT_FILE
    report.write_text(render(evaluation, previous), encoding="utf-8")
    figures_path.write_text(json.dumps(evaluation.record(), indent=2) + "\n", encoding="utf-8")
    return report, previous


def command_evaluate(config: Settings, args: argparse.Namespace) -> None:
    from bot.cli import RESULTS_DIR, CommandFailed, say, shown

    model = args.model or nlu_check_newest(config.models_dir)
    if model is None:
        raise CommandFailed(f"no trained model in {config.models_dir}; run `python -m bot train`")
    evaluation = score_model(config, model, RESULTS_DIR / "evaluation")
    report, previous = write_report(evaluation, args.out)
    for line in summary(evaluation, previous):
        say(line)
    say(f"report: {shown(report)}")


def nlu_check_newest(models_dir: Path) -> Path | None:
    from bot.nlu_check import newest_model

    return newest_model(models_dir)


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="Test the newest model on the held-out sets and the test stories and write an "
        "HTML report (reports/evaluation.html) with the change since the last one.",
    )
    parser.add_argument("--model", type=Path, default=None, help="A model other than the newest.")
    parser.add_argument(
        "--out", type=Path, default=REPORTS_DIR, help="The report's folder (default: reports/)."
    )
    parser.set_defaults(handler=command_evaluate)
