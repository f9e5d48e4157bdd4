"""`python -m bot train-candidate`: train a model into a folder of its own and score it beside
the loaded one, for training from the console (bot.console.training).

The new model is not put in MODELS_DIR here: only the console does that, and only when none of
its figures is worse. The loaded model's figures are kept in var/training/figures/ so that it is
scored once.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from bot import processes
from bot.settings import ROOT, Settings

FIGURES_DIR = ROOT / "var" / "training" / "figures"


REPORT_DIR = "report"


def figures_of(config: Settings, model: Path, out: Path) -> dict[str, float]:
    from bot.evaluation import score_model

    return score_model(config, model, out).figures()


def scored_with_report(config: Settings, model: Path, out: Path) -> dict[str, float]:
    """The new model's figures, and its evaluation report in `out/report/` (compared with the
    last report's figures), which the console publishes when it loads the model."""
    from bot.evaluation import score_model
    from bot.evaluation_report import FIGURES_FILE, REPORTS_DIR, write_report

    evaluation = score_model(config, model, out)
    folder = out / REPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    if (REPORTS_DIR / FIGURES_FILE).is_file():
        shutil.copy(REPORTS_DIR / FIGURES_FILE, folder / FIGURES_FILE)
    write_report(evaluation, folder)
    return evaluation.figures()


def loaded_figures(config: Settings, model: Path, out: Path) -> dict[str, float]:
    """The loaded model's figures, scored once and kept."""
    cached = FIGURES_DIR / f"{model.name}.json"
    if cached.is_file():
        return dict(json.loads(cached.read_text(encoding="utf-8")))
    figures = figures_of(config, model, out)
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


def command_train_candidate(config: Settings, args: argparse.Namespace) -> None:
    from bot.cli import CommandFailed, prepare, run_step, say, write_lookups
    from bot.nlu_check import newest_model

    out: Path = args.out
    prepare(config)
    write_lookups(config)
    run_step(
        "training the new model",
        processes.rasa_command(
            *("train", "--out", str(out / "model"), "--data", str(config.data_dir)),
            *("--domain", str(config.domain_file), "--config", str(config.config_file)),
            *("--endpoints", "endpoints.yml"),
        ),
        processes.child_environment(config),
    )
    model = newest_model(out / "model")
    if model is None:
        raise CommandFailed("training wrote no model")
    say("scoring the new model on the held-out sets and the test stories ...")
    result: dict[str, Any] = {
        "model": str(model),
        "figures": scored_with_report(config, model, out / "new"),
    }
    if args.loaded is not None and args.loaded.is_file():
        say(f"scoring the loaded model {args.loaded.name} ...")
        result["loaded"] = args.loaded.name
        result["loaded_figures"] = loaded_figures(config, args.loaded, out / "loaded")
    (out / "result.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    say("the new model is trained and scored")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "train-candidate",
        help="Train a model into a folder of its own and score it and the loaded model "
        "(what the console's training runs).",
    )
    parser.add_argument("--out", type=Path, required=True, help="The folder for the new model.")
    parser.add_argument("--loaded", type=Path, default=None, help="The loaded model, to compare.")
    parser.set_defaults(handler=command_train_candidate)
