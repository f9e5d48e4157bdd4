"""Each process's composition root builds its services once, from the settings: the memory
judged by the `RELATIONSHIP_*` rules, one store per database, nothing opened before it is needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions import composition as action_composition
from bot import composition
from bot.settings import load

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `.env` of the test's own, named the way `python -m bot run` names it to Rasa."""
    path = tmp_path / ".env"
    path.write_text(
        f"DATABASE_URL=sqlite:///{tmp_path / 'memory.db'}\nRELATIONSHIP_WEIGHT_COMPLAINT=0\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("RAPPORT_ENV_FILE", str(path))
    monkeypatch.setattr(composition, "_services", None)
    return path


def test_the_rasa_servers_components_share_one_memory_judged_by_the_settings(
    env_file: Path, tmp_path: Path
) -> None:
    services = composition.server()
    assert composition.server() is services  # once per process
    memory = services.memory()
    # The settings' rules, not the defaults (the channel's store used to have the defaults).
    assert memory.rules.weight_complaint == 0
    assert memory.engine.url.database == str(tmp_path / "memory.db")
    assert services.memory(services.settings.database_url) is memory  # one store per database
    assert services.agents().engine is memory.engine

    def extractor(text: str) -> list:
        return []

    feeding = services.memory_with_facts("", extractor)
    # The broker's store finds facts but shares the engine and the rules.
    assert feeding.engine is memory.engine and feeding.rules.weight_complaint == 0
    assert feeding.context.fact_extractor is extractor and memory.context.fact_extractor is None
    services.close()


def test_the_action_servers_services_open_nothing_until_asked(tmp_path: Path) -> None:
    settings = load(
        tmp_path / "absent.env",
        environ={
            "DATABASE_URL": "not a database url",
            "BUSINESS_FILE": str(tmp_path / "missing.yml"),
        },
    )
    services = action_composition.compose(settings)  # neither file nor database read yet
    with pytest.raises(Exception, match="not a database URL"):
        services.memory()
    with pytest.raises(Exception, match=r"missing\.yml"):
        services.business()


def test_the_action_servers_memory_and_business_are_built_once(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        f"DATABASE_URL=sqlite:///{tmp_path / 'memory.db'}\n"
        f"BUSINESS_FILE={ROOT / 'business.yml'}\n"
        "RELATIONSHIP_WEIGHT_COMPLAINT=0\n",
        encoding="utf-8",
    )
    settings = load(env, environ={})
    services = action_composition.compose(settings)
    memory = services.memory()
    assert services.memory() is memory and memory.rules.weight_complaint == 0
    assert services.agents().engine is memory.engine
    assert services.business() is services.business()
    services.close()
