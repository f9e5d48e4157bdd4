"""`python -m bot review` lists the inbox with message ids, and `accept` / `ignore` decide, on a
temporary memory database and a temporary copy of the content (REVIEW_CONTENT_DIR)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ruamel.yaml import YAML
from sqlalchemy import select

import memory
from bot.settings import ROOT
from memory import schema as s
from memory.records import Exchange
from memory.store import MemoryStore


def _bot(env_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Only the test's .env: a REVIEW_CONTENT_DIR or DATABASE_URL in the environment would win.
    env = {k: v for k, v in os.environ.items() if k not in ("REVIEW_CONTENT_DIR", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--env-file", str(env_file), "review", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_review_lists_accepts_and_ignores_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    memory.migrate(url)
    store = MemoryStore(url)
    at = datetime.now(timezone.utc) - timedelta(hours=1)
    store.exchanges.start_conversation("cli-1", at)
    for number, text in enumerate(["wen r u lot open, ring 07700 900123", "zzzz"], 1):
        store.exchanges.record_exchange(
            Exchange(f"c{number}", "cli-1", "customer", text, at, "nlu_fallback", 0.5)
        )
    with store.engine.connect() as conn:
        ids = dict(conn.execute(select(s.exchanges.c.text, s.exchanges.c.id)).all())
    content = tmp_path / "content"
    shutil.copytree(ROOT / "data", content / "data")
    for name in ("domain.yml", "config.yml"):
        shutil.copy(ROOT / name, content / name)
    env_file = tmp_path / ".env"
    env_file.write_text(f"DATABASE_URL={url}\nREVIEW_CONTENT_DIR={content}\n")

    repo_data = {p: p.read_text() for p in (ROOT / "data" / "nlu").glob("*.yml")}
    listing = _bot(env_file)
    assert listing.returncode == 0, listing.stderr
    hours = ids["wen r u lot open, ring 07700 900123"]
    assert f"[{hours}] wen r u lot open, ring <phone>" in listing.stdout
    assert "07700" not in listing.stdout

    accepted = _bot(env_file, "accept", str(hours), "--intent", "ask_hours", "--as", "Tess")
    assert accepted.returncode == 0, accepted.stderr
    assert "data/nlu/store.yml: ask_hours: + wen r u lot open, ring <phone>" in accepted.stdout
    store_file = YAML(typ="safe").load((content / "data" / "nlu" / "store.yml").read_text())
    examples = next(e for e in store_file["nlu"] if e["intent"] == "ask_hours")["examples"]
    assert "- wen r u lot open, ring <phone>" in examples.splitlines()

    wrong = _bot(env_file, "accept", str(ids["zzzz"]), "--intent", "Not An Intent")
    assert wrong.returncode == 1 and "intent name" in wrong.stderr
    ignored = _bot(env_file, "ignore", str(ids["zzzz"]))
    assert ignored.returncode == 0 and "ignored 1" in ignored.stdout
    assert "nothing to review" in _bot(env_file).stdout
    # The project's own data is never written by a test.
    assert {p: p.read_text() for p in (ROOT / "data" / "nlu").glob("*.yml")} == repo_data
