"""How the tests are shared between pytest-xdist's workers (`pytest -n 2 --dist loadgroup`, as
`python -m bot test` runs them): a test module stays on one worker, so its module-scoped
servers start once; and every module that uses one of the session-scoped servers runs on the
worker that started it, so that server starts once per run, not once per worker.

Without xdist (`pytest` alone) nothing changes: the marks below are only read by its scheduler.
"""

from __future__ import annotations

import pytest

# The session-scoped servers, by the fixtures that start them. Fixtures of one server (the
# e2e `rapport_server` and the integration `widget_server` are the same instance) share a name.
SESSION_SERVERS = {
    "widget_server": "widget-server",
    "rapport_server": "widget-server",
    "shared_bot": "shared-bot",
    "restartable_server": "restartable-server",
    "away_server": "away-server",
}


def _worker_groups(items: list[pytest.Item]) -> dict[str, str]:
    """Each test module's group: its own path, or the session servers its tests use (a module
    using two of them joins both into one group, so that each still starts once)."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    for item in items:
        module = item.nodeid.split("::", 1)[0]
        root(module)
        for fixture in item.fixturenames:
            server = SESSION_SERVERS.get(fixture)
            if server is not None:
                parent[root(module)] = root(server)
    return {module: root(module) for module in {i.nodeid.split("::", 1)[0] for i in items}}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not getattr(config.option, "loadgroup", False):
        return
    groups = _worker_groups(items)
    for item in items:
        item.add_marker(pytest.mark.xdist_group(groups[item.nodeid.split("::", 1)[0]]))


@pytest.fixture(scope="session")
def fact_words():  # type: ignore[no-untyped-def]
    """The sample shop's words for what a customer's bike is (business.yml), as the composition
    roots hand them to the fact extractor."""
    from pathlib import Path

    from memory.facts import FactWords
    from voice import business

    return FactWords.of(business.load(Path(__file__).parents[1] / "business.yml").vocabulary)
