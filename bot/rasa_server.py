"""Rapport's Rasa server process: Rasa's own command line, with what Rasa 3.6 pays needlessly
on every message taken off first.

`python -m bot.rasa_server run ...` is `python -m rasa run ...` (the same arguments, the same
server) after `install()`. What it changes, each with the profile that showed it
(docs/performance.md):

- Rasa checks every answer of the action server against its JSON schema with
  `jsonschema.validate`, which first checks the schema itself against the JSON Schema
  meta-schema and builds a new validator: about 25 ms of CPU per custom action on this machine,
  most of what the Rasa process spends calling the action server. The schema never changes, so
  it is checked once and its validator kept; each answer is still checked in full, and a bad
  answer fails with the same error and message as before.
"""

from __future__ import annotations

import functools
from typing import Any

import rasa
from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

# The Rasa versions whose `RemoteAction._validate_action_result` is the one replaced here (it
# validates with the schema of `action_response_format_spec()` and appends this message).
FIXED_RASA = "3.6."
FAILED_TO_VALIDATE = (
    ". Failed to validate Action server response from API, "
    "make sure your response from the Action endpoint is valid. "
    "For more information about the format visit "
    f"{DOCS_BASE_URL}/custom-actions"
)


@functools.lru_cache(maxsize=1)
def action_result_validator() -> Any:
    """The validator of the action server's answers, its schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(action: RemoteAction, result: dict[str, Any]) -> bool:
    """`RemoteAction._validate_action_result` with the schema checked once: True for a valid
    answer, else the same `ValidationError` (the best match, Rasa's message appended)."""
    error = exceptions.best_match(action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += FAILED_TO_VALIDATE
    raise error


def install() -> bool:
    """Replace Rasa's per-message costs listed above; False (nothing changed) on a Rasa version
    this was not written for, which then runs as it comes."""
    if not rasa.__version__.startswith(FIXED_RASA):
        return False
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    return True


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
