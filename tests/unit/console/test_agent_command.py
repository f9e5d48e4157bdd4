"""`python -m bot agent add NAME`: the password from stdin (not a terminal), hashed, refused when
too short or the name is taken."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.future import create_engine

from bot.settings import ROOT
from memory import schema


def _bot(env_file: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--env-file", str(env_file), "agent", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_agent_add_hashes_the_password_and_refuses_duplicates(tmp_path: Path) -> None:
    database = tmp_path / "memory.db"
    env_file = tmp_path / ".env"
    env_file.write_text(f"DATABASE_URL=sqlite:///{database}\n")
    added = _bot(env_file, "add", "Alex", stdin="a long secret phrase\n")
    assert added.returncode == 0, added.stderr
    assert "/console" in added.stdout
    engine = create_engine(f"sqlite:///{database}", future=True)
    with engine.connect() as conn:
        row = conn.execute(select(schema.agents.c.name, schema.agents.c.password_hash)).one()
    assert row.name == "Alex" and row.password_hash.startswith("$argon2id$")
    assert "a long secret phrase" not in row.password_hash

    again = _bot(env_file, "add", "Alex", stdin="another long phrase\n")
    assert again.returncode == 1 and "already exists" in again.stderr
    short = _bot(env_file, "add", "Blake", stdin="short\n")
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    bad_name = _bot(env_file, "add", "<script>", stdin="a long secret phrase\n")
    assert bad_name.returncode == 1 and "agent name" in bad_name.stderr
    assert _bot(env_file, "list").stdout.split() == ["Alex"]


def test_agent_add_with_a_role_and_the_role_in_the_session(tmp_path: Path) -> None:
    from memory.agents import AgentAccounts

    database = tmp_path / "memory.db"
    env_file = tmp_path / ".env"
    env_file.write_text(f"DATABASE_URL=sqlite:///{database}\n")
    trainer = _bot(env_file, "add", "Tess", "--role", "trainer", stdin="a long secret phrase\n")
    assert trainer.returncode == 0, trainer.stderr
    assert "trainer 'Tess'" in trainer.stdout
    assert _bot(env_file, "add", "Alex", stdin="a long secret phrase\n").returncode == 0
    wrong = _bot(env_file, "add", "Bo", "--role", "owner", stdin="a long secret phrase\n")
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr
    accounts = AgentAccounts(f"sqlite:///{database}")
    assert (accounts.role("Tess"), accounts.role("Alex"), accounts.role("Bo")) == (
        "trainer",
        "agent",
        None,
    )
    agent_id = accounts.authenticate("Tess", "a long secret phrase")
    assert agent_id is not None
    token, opened = accounts.open_session(agent_id)
    assert opened.role == "trainer"
    session = accounts.session(token)
    assert session is not None and session.role == "trainer"

    promoted = _bot(env_file, "role", "Alex", "manager")
    assert promoted.returncode == 0, promoted.stderr
    assert accounts.role("Alex") == "manager"
    assert _bot(env_file, "role", "Tess", "agent").returncode == 0
    assert accounts.session(token) is None  # a new role signs the account out
    missing = _bot(env_file, "role", "Nobody", "agent")
    assert missing.returncode == 1 and "no agent is named" in missing.stderr


def test_the_command_offers_the_roles_the_accounts_know() -> None:
    from bot.agent_commands import ROLE_CHOICES
    from memory.agents import ROLES

    assert ROLE_CHOICES == ROLES
