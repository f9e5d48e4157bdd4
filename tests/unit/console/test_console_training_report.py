"""A training run from the console publishes the new model's evaluation report when it loads
the model (the console's report page then shows it), and only then."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from bot.console.training import ConsoleTrainer

LOADED = {"held_out.intent_macro_f1": 0.95, "stories.passed": 40.0}
# What `bot train-candidate` writes: a model, its figures, and the report under new/report/.
FAKE_TRAINING = """
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
(out / "model").mkdir()
model = out / "model" / "20990101-000000-new.tar.gz"
model.write_bytes(b"model")
(out / "new" / "report").mkdir(parents=True)
(out / "new" / "report" / "evaluation.html").write_text("<p>report of the new model</p>")
figures, loaded = json.loads(sys.argv[2]), json.loads(sys.argv[3])
result = {"model": str(model), "figures": figures, "loaded_figures": loaded}
(out / "result.json").write_text(json.dumps(result))
"""


def _run(tmp_path: Path, figures: dict[str, float]) -> ConsoleTrainer:
    def command(out: Path, loaded: Path | None) -> list[str]:
        return [
            sys.executable,
            "-c",
            FAKE_TRAINING,
            str(out),
            json.dumps(figures),
            json.dumps(LOADED),
        ]

    async def load(model: Path) -> None:
        return None

    models = tmp_path / "models"
    models.mkdir(exist_ok=True)
    return ConsoleTrainer(
        command, tmp_path / "training", models, load, reports_dir=tmp_path / "reports"
    )


async def test_a_loaded_model_s_report_is_published(tmp_path: Path) -> None:
    run = _run(tmp_path, {**LOADED, "stories.passed": 41.0})
    assert run.start("tess", None)
    assert run.task is not None
    await asyncio.wait_for(run.task, timeout=60)
    assert run.status.state == "loaded"
    report = tmp_path / "reports" / "evaluation.html"
    assert report.read_text() == "<p>report of the new model</p>"
    assert "the evaluation report now shows the loaded model" in run.status.steps


async def test_a_model_kept_out_leaves_the_report_alone(tmp_path: Path) -> None:
    run = _run(tmp_path, {**LOADED, "stories.passed": 30.0})
    assert run.start("tess", None)
    assert run.task is not None
    await asyncio.wait_for(run.task, timeout=60)
    assert run.status.state == "kept"
    assert not (tmp_path / "reports").exists()
