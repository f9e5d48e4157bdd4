"""`make test` trains the model while the unit tests run beside it: a training that fails
fails the step with its output shown; a failing unit test stops the training too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli


@pytest.fixture
def beside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(cli, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(cli, "train_tone_classifier", lambda config: None)
    monkeypatch.setattr(cli.processes, "child_environment", lambda config: None)
    return tmp_path


def training(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    command = [sys.executable, "-c", code]
    monkeypatch.setattr(cli, "training_command", lambda config, force=False: command)


def test_both_run_and_the_training_is_waited_for(
    beside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = beside / "trained"
    training(
        monkeypatch, f"import time, pathlib; time.sleep(1); pathlib.Path({str(marker)!r}).touch()"
    )
    ran: list[str] = []
    cli.train_beside(None, "unit tests", lambda: ran.append("step"))  # type: ignore[arg-type]
    assert ran == ["step"]
    assert marker.exists()


def test_a_failed_training_fails_with_its_output(
    beside: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    training(monkeypatch, "print('the domain is broken'); raise SystemExit(3)")
    with pytest.raises(cli.CommandFailed, match="training failed \\(exit 3\\)"):
        cli.train_beside(None, "unit tests", lambda: None)  # type: ignore[arg-type]
    assert "the domain is broken" in capsys.readouterr().out
    assert "the domain is broken" in (beside / "training.log").read_text()


def test_a_failed_step_stops_the_training(beside: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    training(monkeypatch, "import time; time.sleep(600)")
    started: list[subprocess.Popen] = []

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(cli.subprocess, "Popen", Recorded)

    def failing() -> None:
        raise cli.CommandFailed("unit tests failed (exit 1)")

    with pytest.raises(cli.CommandFailed, match="unit tests failed"):
        cli.train_beside(None, "unit tests", failing)  # type: ignore[arg-type]
    # Stopped by a signal, not waited for to the end of its ten minutes.
    assert started[0].returncode is not None and started[0].returncode < 0
