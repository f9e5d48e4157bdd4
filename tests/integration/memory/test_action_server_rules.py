"""The action server judges a customer with the same `RELATIONSHIP_*` settings as the Rasa
server's event broker: a threshold set in `.env` changes the action's say-yes decision."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from actions import base
from actions.complaints import record_complaint

DUE = datetime(2030, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def action_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Settings read from a `.env` of the test's own, as the action server reads them."""
    env_file = tmp_path / ".env"
    monkeypatch.setenv("RAPPORT_ENV_FILE", str(env_file))
    monkeypatch.setattr(base, "_services", None)  # composed from that `.env` on first use
    yield env_file
    base.composed().close()


def test_a_relationship_setting_reaches_the_action_servers_decision(action_server, memory_url):
    # The documented defaults: one open complaint costs enough to put a customer at risk.
    action_server.write_text(f"DATABASE_URL={memory_url}\n", encoding="utf-8")
    default = base.composed().memory()
    assert default.rules.weight_complaint > 0
    record_complaint(default, "web-default", "late delivery", "we call you", DUE)
    again = record_complaint(default, "web-default", "late again", "we call you", DUE)
    assert again.standing.at_risk

    # A shop that does not weigh complaints sets it in `.env`; the action server follows.
    action_server.write_text(
        f"DATABASE_URL={memory_url}\n"
        "RELATIONSHIP_WEIGHT_COMPLAINT=0\nRELATIONSHIP_WEIGHT_OPEN_ISSUE=0\n",
        encoding="utf-8",
    )
    base.composed().close()
    base.install(None)  # the action server starts again with the new `.env`
    lenient = base.composed().memory()
    assert lenient.rules.weight_complaint == 0
    record_complaint(lenient, "web-lenient", "late delivery", "we call you", DUE)
    again = record_complaint(lenient, "web-lenient", "late again", "we call you", DUE)
    assert again.standing.open_complaints == 2 and not again.standing.at_risk
