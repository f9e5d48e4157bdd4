"""Training from the console: the decision (load only when nothing got worse) and the run, with
a stand-in for the training subprocess (a real subprocess that writes what `bot
train-candidate` writes) and a loader that records what it was asked to load."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.console.training import ConsoleTrainer, decide, may_train

LOADED = {
    "held_out.intent_macro_f1": 0.95,
    "messy.intent_accuracy": 0.90,
    "two_things.intent_accuracy": 0.80,
    "stories.passed": 40.0,
}


def test_a_model_no_worse_is_loaded() -> None:
    better = {**LOADED, "messy.intent_accuracy": 0.93}
    assert decide(LOADED, better).load
    assert decide(LOADED, dict(LOADED)) == decide(LOADED, better)


def test_a_model_worse_on_any_figure_is_kept_out_with_what_got_worse() -> None:
    worse = {**LOADED, "held_out.intent_macro_f1": 0.91, "stories.passed": 38.0}
    decision = decide(LOADED, worse)
    assert not decision.load
    assert decision.worse == (
        "intent macro-F1 on the held-out set: 0.950 before, 0.910 now",
        "test stories passed: 40 before, 38 now",
    )


def test_a_figure_the_new_model_lacks_counts_as_worse() -> None:
    missing = {key: value for key, value in LOADED.items() if key != "stories.passed"}
    assert decide(LOADED, missing).worse == ("test stories passed: 40 before, missing now",)


def test_only_managers_and_trainers_may_train() -> None:
    assert may_train(SimpleNamespace(role="manager"))
    assert may_train(SimpleNamespace(role="trainer"))
    assert not may_train(SimpleNamespace(role="agent"))
    # Accounts without roles: nobody.
    assert not may_train(SimpleNamespace(agent="sam"))


FAKE_TRAINING = """
import json, sys, time
from pathlib import Path
out = Path(sys.argv[1])
figures = json.loads(sys.argv[2])
print("rapport: training the new model ...", flush=True)
time.sleep(float(sys.argv[3]))
(out / "model").mkdir()
model = out / "model" / "20990101-000000-new.tar.gz"
model.write_bytes(b"model")
print("rapport: the new model is trained and scored", flush=True)
result = {"model": str(model), "figures": figures, "loaded_figures": json.loads(sys.argv[4])}
(out / "result.json").write_text(json.dumps(result))
"""


def trainer(
    tmp_path: Path,
    figures: dict[str, float],
    loads: list[Path],
    seconds: float = 0.0,
    exit_code: int = 0,
) -> ConsoleTrainer:
    script = FAKE_TRAINING + (f"\nsys.exit({exit_code})\n" if exit_code else "")

    def command(out: Path, loaded: Path | None) -> list[str]:
        return [
            *(sys.executable, "-c", script, str(out), json.dumps(figures), str(seconds)),
            json.dumps(LOADED),
        ]

    async def load(model: Path) -> None:
        loads.append(model)

    models = tmp_path / "models"
    models.mkdir(exist_ok=True)
    return ConsoleTrainer(command, tmp_path / "training", models, load)


async def finished(run: ConsoleTrainer) -> None:
    assert run.task is not None
    await asyncio.wait_for(run.task, timeout=60)


async def test_a_better_model_is_moved_to_the_models_and_loaded(tmp_path: Path) -> None:
    loads: list[Path] = []
    run = trainer(tmp_path, {**LOADED, "stories.passed": 41.0}, loads)
    assert run.start("sam", tmp_path / "models" / "old.tar.gz")
    await finished(run)
    status = run.status.as_json()
    assert status["state"] == "loaded" and status["started_by"] == "sam"
    assert loads == [tmp_path / "models" / "20990101-000000-new.tar.gz"]
    assert loads[0].read_bytes() == b"model"
    assert "training the new model ..." in status["steps"]
    assert status["worse"] == []


async def test_a_worse_model_is_not_loaded_and_the_page_says_why(tmp_path: Path) -> None:
    loads: list[Path] = []
    run = trainer(tmp_path, {**LOADED, "messy.intent_accuracy": 0.85}, loads)
    assert run.start("sam", None)
    await finished(run)
    status = run.status.as_json()
    assert status["state"] == "kept"
    assert status["worse"] == [
        "intent accuracy on the messy customer messages: 0.900 before, 0.850 now"
    ]
    assert "messy customer messages" in status["message"]
    assert loads == []
    assert list((tmp_path / "models").iterdir()) == []


async def test_one_run_at_a_time_and_the_loop_is_free_meanwhile(tmp_path: Path) -> None:
    loads: list[Path] = []
    run = trainer(tmp_path, LOADED, loads, seconds=1.0)
    assert run.start("sam", None)
    assert run.status.as_json()["running"]
    assert not run.start("alex", None)
    ticks = 0
    while run.running:  # the event loop keeps serving while the subprocess trains
        ticks += 1
        await asyncio.sleep(0.05)
    assert ticks > 1
    assert run.status.started_by == "sam" and run.status.state == "loaded"
    assert run.start("alex", None)
    await finished(run)


async def test_a_training_that_fails_says_so_and_loads_nothing(tmp_path: Path) -> None:
    loads: list[Path] = []
    run = trainer(tmp_path, LOADED, loads, exit_code=3)
    run.command = lambda out, loaded: [
        sys.executable,
        "-c",
        "print('rapport: error: boom'); exit(3)",
    ]
    assert run.start("sam", None)
    await finished(run)
    assert run.status.state == "failed"
    assert "exit 3" in run.status.message and "boom" in run.status.message
    assert loads == []


@pytest.mark.parametrize("state", ["loaded", "kept", "failed"])
def test_the_status_a_page_polls_is_plain_json(state: str) -> None:
    from bot.console.training import TrainingStatus

    assert json.loads(json.dumps(TrainingStatus(state).as_json()))["state"] == state


def test_the_training_api_lets_a_trainer_start_with_the_page_s_token_only() -> None:
    from bot.console.training_routes import NOT_ALLOWED, api_refusal

    trainer = SimpleNamespace(role="trainer", csrf_token="page-token", agent="sam")
    manager = SimpleNamespace(role="manager", csrf_token="page-token", agent="alex")
    agent = SimpleNamespace(role="agent", csrf_token="page-token", agent="blake")
    assert api_refusal(trainer, "GET", None) is None
    assert api_refusal(trainer, "POST", "page-token") is None
    assert api_refusal(manager, "POST", "page-token") is None
    assert api_refusal(trainer, "POST", None) == (
        403,
        "missing or wrong CSRF token; reload the page",
    )
    assert api_refusal(trainer, "POST", "another") is not None
    assert api_refusal(agent, "GET", None) == (403, NOT_ALLOWED)
    assert api_refusal(None, "GET", None) == (401, "sign in to the console first")
