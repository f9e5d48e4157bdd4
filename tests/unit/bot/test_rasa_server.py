"""Rapport's Rasa server process: Rasa's check of the action server's answers, schema checked
once, accepts and refuses exactly what Rasa's own check does, with the same message."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_server

ORIGINAL = RemoteAction._validate_action_result

GOOD: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "customer_name", "value": "Ana"},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [{"response": "utter_greet"}, {"text": "Hello", "buttons": []}],
    },
    {},
]
BAD: list[dict[str, Any]] = [
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": [42]},
    {"events": [{"event": "slot", "timestamp": "yesterday"}]},
]


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_any", EndpointConfig("http://localhost:1"))


@pytest.mark.parametrize("result", GOOD)
def test_a_valid_answer_passes_both_checks(action: RemoteAction, result: dict) -> None:
    assert ORIGINAL(action, result) is True
    assert rasa_server.validate_action_result(action, result) is True


@pytest.mark.parametrize("result", BAD)
def test_a_bad_answer_fails_both_checks_with_the_same_message(
    action: RemoteAction, result: dict
) -> None:
    with pytest.raises(jsonschema.ValidationError) as rasas:
        ORIGINAL(action, result)
    with pytest.raises(jsonschema.ValidationError) as ours:
        rasa_server.validate_action_result(action, result)
    assert ours.value.message == rasas.value.message
    assert list(ours.value.path) == list(rasas.value.path)


def test_the_schema_is_checked_once(monkeypatch: pytest.MonkeyPatch, action: RemoteAction) -> None:
    rasa_server.action_result_validator.cache_clear()
    checks: list[object] = []
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    original_check = validator_class.check_schema
    monkeypatch.setattr(
        validator_class,
        "check_schema",
        classmethod(lambda cls, schema, **kw: checks.append(schema) or original_check(schema)),
    )
    for _ in range(3):
        rasa_server.validate_action_result(action, GOOD[1])
    assert len(checks) == 1
    rasa_server.action_result_validator.cache_clear()


def test_install_replaces_rasas_check_only_on_the_rasa_it_was_written_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", ORIGINAL)
    monkeypatch.setattr(rasa_server.rasa, "__version__", "3.7.0")
    assert rasa_server.install() is False
    assert RemoteAction._validate_action_result is ORIGINAL
    monkeypatch.setattr(rasa_server.rasa, "__version__", "3.6.21")
    assert rasa_server.install() is True
    assert RemoteAction._validate_action_result is rasa_server.validate_action_result


def test_the_server_command_runs_rasa_through_this_module(tmp_path) -> None:
    from bot import processes, settings

    command = processes.rasa_server_command(settings.load(tmp_path / ".env", {}), "m.tar.gz")
    assert command[1:4] == ["-m", "bot.rasa_server", "run"]
