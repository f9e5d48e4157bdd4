"""The domain and the action code agree: every action exists, every response the code names too."""

from __future__ import annotations

import re
from pathlib import Path

from rasa_sdk.executor import ActionExecutor

ROOT = Path(__file__).resolve().parents[3]


def registered_actions() -> set[str]:
    executor = ActionExecutor()
    executor.register_package("actions")
    return set(executor.actions)


def test_every_domain_action_is_served_and_every_served_action_is_declared(domain) -> None:
    assert set(domain["actions"]) == registered_actions()


def test_every_response_named_in_the_actions_exists(domain) -> None:
    code = "\n".join(path.read_text() for path in (ROOT / "actions").glob("*.py"))
    # "utter_action" is Rasa's metadata key naming a bot message's response, not a response.
    named = set(re.findall(r"\"(utter_[a-z_]+)\"", code)) - {"utter_action"}
    assert named, "the actions name no responses at all?"
    assert named - set(domain["responses"]) == set()


def test_every_form_slot_has_a_question_and_an_ask_action(domain) -> None:
    for form in domain["forms"].values():
        for slot in form["required_slots"]:
            assert f"utter_ask_{slot}" in domain["responses"]
            assert f"action_ask_{slot}" in domain["actions"]
