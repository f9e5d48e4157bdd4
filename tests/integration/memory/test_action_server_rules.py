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
    base._settings.cache_clear()
    base._stores.clear()
    yield env_file
    for store in base._stores.values():
        store.close()
    base._stores.clear()
    base._settings.cache_clear()


def test_a_relationship_setting_reaches_the_action_servers_decision(action_server, memory_url):
    # The documented defaults: one open complaint costs enough to put a customer at risk.
    default = base.memory_store(memory_url)
    assert default.rules.weight_complaint > 0
    record_complaint(default, "web-default", "late delivery", "we call you", DUE)
    again = record_complaint(default, "web-default", "late again", "we call you", DUE)
    assert again.standing.at_risk

    # A shop that does not weigh complaints sets it in `.env`; the action server follows.
    action_server.write_text(
        "RELATIONSHIP_WEIGHT_COMPLAINT=0\nRELATIONSHIP_WEIGHT_OPEN_ISSUE=0\n", encoding="utf-8"
    )
    base._settings.cache_clear()
    base._stores.clear()
    lenient = base.memory_store(memory_url)
    assert lenient.rules.weight_complaint == 0
    record_complaint(lenient, "web-lenient", "late delivery", "we call you", DUE)
    again = record_complaint(lenient, "web-lenient", "late again", "we call you", DUE)
    assert again.standing.open_complaints == 2 and not again.standing.at_risk
