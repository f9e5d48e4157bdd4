"""How the tests are shared between pytest-xdist's workers (tests/conftest.py): a module stays on
one worker, and every module that uses a session-scoped server runs where that server started,
so that no server starts twice in one `python -m bot test`."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _load_groups():
    spec = importlib.util.spec_from_file_location("tests_root_conftest", TESTS / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class FakeItem:
    nodeid: str
    fixturenames: list[str]


def test_a_module_stays_together_and_a_shared_server_s_users_share_a_worker() -> None:
    groups = _load_groups()._worker_groups(
        [
            FakeItem("tests/unit/test_a.py::test_one", ["tmp_path"]),
            FakeItem("tests/unit/test_a.py::test_two", []),
            FakeItem("tests/unit/test_b.py::test_one", []),
            # Only one of this module's tests uses the server: the whole module goes with it.
            FakeItem("tests/integration/test_c.py::test_plain", []),
            FakeItem("tests/integration/test_c.py::test_server", ["open_widget", "widget_server"]),
            # The e2e name of the same server.
            FakeItem("tests/e2e/test_d.py::test_page", ["chromium", "rapport_server"]),
            FakeItem("tests/e2e/test_e.py::test_journey", ["bot", "shared_bot"]),
        ]
    )
    assert groups["tests/unit/test_a.py"] == "tests/unit/test_a.py"
    assert groups["tests/unit/test_b.py"] == "tests/unit/test_b.py"
    assert groups["tests/integration/test_c.py"] == groups["tests/e2e/test_d.py"]
    assert groups["tests/e2e/test_e.py"] not in (
        groups["tests/e2e/test_d.py"],
        groups["tests/unit/test_a.py"],
    )


def test_a_module_using_two_shared_servers_joins_their_groups() -> None:
    groups = _load_groups()._worker_groups(
        [
            FakeItem("tests/e2e/test_d.py::test_page", ["rapport_server"]),
            FakeItem("tests/e2e/test_e.py::test_journey", ["shared_bot"]),
            FakeItem("tests/e2e/test_f.py::test_both", ["rapport_server"]),
            FakeItem("tests/e2e/test_f.py::test_other", ["shared_bot"]),
        ]
    )
    assert len(set(groups.values())) == 1


def test_every_session_scoped_server_of_the_e2e_and_widget_tests_is_grouped() -> None:
    """A new session-scoped fixture that starts Rasa must be listed, or each worker would
    start its own."""
    listed = set(_load_groups().SESSION_SERVERS)
    found = set()
    for conftest in [
        TESTS / "e2e" / "conftest.py",
        TESTS / "integration" / "widget" / "conftest.py",
    ]:
        text = conftest.read_text(encoding="utf-8")
        found |= set(re.findall(r'@pytest\.fixture\(scope="session"\)\s*\ndef (\w+)', text))
    assert found and found <= listed
