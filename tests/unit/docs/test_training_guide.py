"""docs/training.md is followed as written, on a copy of the project's content: the steps' YAML
blocks (each names its file and the line it goes under) add a small intent, its response and its
rule; the guide's `python -m bot check` passes on that; then the mistake the guide shows is
planted, and the check finds it at its line, in the words the guide shows."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.content_check import ALLOW_FILE
from bot.settings import ROOT

GUIDE = ROOT / "docs" / "training.md"
BLOCK = re.compile(r"```(?P<kind>\w+)\n(?P<body>.*?)```", re.DOTALL)
WHERE = re.compile(r"^# (?P<file>\S+), under (?P<key>\w+):$")

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Addition:
    file: str
    under: str
    text: str


def blocks(text: str, kind: str) -> list[str]:
    return [m.group("body") for m in BLOCK.finditer(text) if m.group("kind") == kind]


def additions(text: str) -> list[Addition]:
    found = []
    for body in blocks(text, "yaml"):
        first, _, rest = body.partition("\n")
        where = WHERE.match(first)
        assert where, f"a YAML block of the guide does not say where it goes: {first!r}"
        found.append(Addition(where.group("file"), where.group("key"), rest))
    return found


def apply(root: Path, addition: Addition) -> None:
    path = root / addition.file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.rstrip() == f"{addition.under}:")
    lines.insert(index + 1, addition.text)
    path.write_text("".join(lines), encoding="utf-8")


def check_command(text: str) -> list[str]:
    [command] = [
        line
        for body in blocks(text, "sh")
        for line in body.splitlines()
        if line.startswith("python -m bot check")
    ]
    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "bot"]
    return words[3:]


def run_check(root: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONTENT_DIR": str(root), "PYTHONPATH": str(ROOT)}
    env.pop("BUSINESS_FILE", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "--env-file", str(root / ".env"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for name in ("domain.yml", "config.yml", "business.yml", ALLOW_FILE):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def test_the_guide_s_steps_add_an_intent_the_check_accepts_and_a_mistake_it_finds(
    project: Path,
) -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    steps, _, checking = guide.partition("\n## Check\n")
    added = additions(steps)
    assert {a.file for a in added} >= {"domain.yml", "data/nlu/basics.yml"}
    assert any(a.file.startswith("data/rules/") for a in added)
    for addition in added:
        apply(project, addition)
    command = check_command(guide)

    passed = run_check(project, command)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "check: ok, no findings" in passed.stdout + passed.stderr

    [mistake] = additions(checking)
    apply(project, mistake)
    [shown] = blocks(checking, "text")
    expected = (
        re.escape(shown.strip()).replace("NN", r"(?P<line>\d+)").replace(re.escape("..."), ".*")
    )
    failed = run_check(project, command)
    assert failed.returncode == 1
    found = re.search(expected, failed.stdout)
    assert found, failed.stdout + failed.stderr
    domain = (project / "domain.yml").read_text(encoding="utf-8").splitlines()
    assert "{pickup_time}" in domain[int(found.group("line")) - 1]


def test_the_guide_never_points_at_the_held_out_sets_as_training_data() -> None:
    for addition in additions(GUIDE.read_text(encoding="utf-8")):
        assert not addition.file.startswith("tests/")
