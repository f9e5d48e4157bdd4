"""The `python -m bot` command line and the Makefile's set-up guard."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

from bot.settings import ROOT


def run_bot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_explains_every_command() -> None:
    result = run_bot("--help")
    assert result.returncode == 0
    for command in ("run", "train", "validate", "test"):
        assert f"    {command} " in result.stdout


def test_a_broken_env_value_gives_one_line_and_no_traceback(tmp_path: Path) -> None:
    env_file = tmp_path / "broken.env"
    env_file.write_text("RASA_PORT=fifty\n")
    result = run_bot("--env-file", str(env_file), "run")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "rapport: error: RASA_PORT='fifty' in .env is not a whole number; "
        "set it to a number between 1 and 65535."
    ]


def test_a_port_in_use_gives_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env_file = tmp_path / "port.env"
        env_file.write_text(f"RASA_PORT={port}\n")
        result = run_bot("--env-file", str(env_file), "run")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"port {port} on 127.0.0.1 is already in use" in lines[0]


def test_setup_without_python_3_10_says_what_to_install(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "requirements.txt", tmp_path / "requirements.txt")
    shutil.copy(ROOT / "requirements-models.txt", tmp_path / "requirements-models.txt")
    # No Python 3.10 on PATH and none installed by pyenv.
    result = subprocess.run(
        ["make", "setup"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "PYENV_ROOT": str(tmp_path / "no-pyenv"),
            "HOME": str(tmp_path),
        },
    )
    assert result.returncode != 0
    assert "Python 3.10 is needed" in result.stderr
    assert "pyenv install 3.10" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_setup_finds_python_3_10_installed_by_pyenv_even_behind_a_silent_shim(
    tmp_path: Path,
) -> None:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / "python3.10"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.10: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    found = subprocess.run(
        ["make", "--no-print-directory", "-f", "Makefile", "-f", "-", "show"],
        input="show:\n\t@echo $(PYTHON310)\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": f"{shims}:/usr/bin:/bin", "HOME": str(Path.home())},
    )
    assert found.stdout.strip().endswith("/bin/python3.10")
    assert str(shims) not in found.stdout


def test_make_help_lists_the_two_commands() -> None:
    result = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True)
    assert "make run" in result.stdout and "make test" in result.stdout


def test_each_quick_part_of_the_checks_runs_only_its_own_steps(monkeypatch) -> None:
    """`make lint`, `make types` and `make unit` run their step and nothing else (no servers,
    no training); the Makefile's targets name these parts."""
    from bot import cli

    ran: list[str] = []
    monkeypatch.setattr(cli, "run_step", lambda name, command, env=None: ran.append(name))
    monkeypatch.setattr(
        cli,
        "pytest_step",
        lambda name, marker, env, paths=(), options=(): ran.append(f"{name} {paths}"),
    )
    monkeypatch.setattr(cli, "train", lambda config: ran.append("train"))
    monkeypatch.setattr(cli, "prepare", lambda config: ran.append("prepare"))
    parser = cli.build_parser()
    config = cli.Settings()
    expected = {
        "lint": ["ruff lint", "ruff format check"],
        "types": ["mypy"],
        "unit": ["unit tests ['tests/unit']"],
        "e2e": ["prepare", "train", "end-to-end tests ()"],
        "soak": ["prepare", "train", "soak ['tests/soak', '-s']"],
        "cluster": ["prepare", "train", "cluster tests (real servers) ['tests/cluster']"],
    }
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for part, steps in expected.items():
        ran.clear()
        cli.command_test(config, parser.parse_args(["test", part]))
        assert ran == steps, part
        assert f"-m bot test {part}\n" in makefile


def test_the_whole_chain_trains_before_the_tests_that_use_the_model(monkeypatch) -> None:
    """`make test` trains first (or finds the model up to date), so the integration tests'
    servers and the tone guard's tests use that model and classifier instead of building
    their own; the content is checked before training, the test stories and the NLU gates
    right after it, then every pytest test in one run (one start of the shared servers)."""
    from bot import cli

    ran: list[str] = []
    monkeypatch.setattr(cli, "lint", lambda env: ran.append("lint"))
    monkeypatch.setattr(cli, "types", lambda env: ran.append("types"))
    monkeypatch.setattr(cli, "prepare", lambda config: ran.append("prepare"))
    monkeypatch.setattr(cli, "command_validate", lambda config, args: ran.append("validate"))
    monkeypatch.setattr(
        cli.content_check, "check", lambda config, rasa_validation: ran.append("check")
    )
    monkeypatch.setattr(cli, "train", lambda config: ran.append("train"))
    monkeypatch.setattr(cli, "prune_models", lambda config: ran.append("prune"))
    monkeypatch.setattr(cli, "check_test_stories", lambda config, env: ran.append("stories"))
    monkeypatch.setattr(cli.nlu_check, "check_nlu", lambda *args: ran.append("nlu"))
    monkeypatch.setattr(
        cli,
        "pytest_step",
        lambda name, marker, env, paths=(), options=(): ran.append(f"pytest {marker}"),
    )
    cli.command_test(cli.Settings(), cli.build_parser().parse_args(["test"]))
    assert ran == [
        "prepare",
        "lint",
        "types",
        "validate",
        "check",
        "train",
        "prune",
        "stories",
        "nlu",
        "pytest not soak and not cluster",
    ]
