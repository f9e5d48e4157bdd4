"""Never a dead end: every place a conversation can stop leaves the customer a next step.

Walks the conversation graph in data/rules/*.yml and data/stories/*.yml: the last bot action of
every rule and story must be a response that offers a next step (buttons, a question, or an
offer of a person / something we will do, as the tone guard's `next_step` patterns define it),
or a form that is still asking. Custom actions (action_*, validate_*) build their messages in
code and are trusted to be checked by their own unit tests; they are listed in the output.
Also: every question a form asks (utter_ask_*) is a question, and every form failure path
(utter_explain_*) and every rung of the fallback ladder leaves a next step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from voice import tone

ROOT = Path(__file__).resolve().parents[3]
DOMAIN = ROOT / "domain.yml"
GRAPH_FILES = sorted([*ROOT.glob("data/rules/*.yml"), *ROOT.glob("data/stories/*.yml")])
# Rasa's own actions: they end a turn without a message of ours (listed, like custom actions).
RASA_ACTIONS = {
    "action_listen",
    "action_restart",
    "action_session_start",
    "action_default_fallback",
    "action_deactivate_loop",
    "action_revert_fallback_events",
    "action_default_ask_affirmation",
    "action_default_ask_rephrase",
    "action_two_stage_fallback",
    "action_unlikely_intent",
    "action_back",
    "action_extract_slots",
}
FALLBACK_PREFIXES = ("utter_fallback", "utter_default", "utter_out_of_scope", "utter_ask_rephrase")


def load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        pytest.fail(f"{path.relative_to(ROOT)} is not valid YAML{where}", pytrace=False)


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    return load_yaml(DOMAIN)


@pytest.fixture(scope="module")
def responses(domain: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [variation for variation in variations or [] if isinstance(variation, dict)]
        for name, variations in (domain.get("responses") or {}).items()
    }


@pytest.fixture(scope="module")
def forms(domain: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, form in (domain.get("forms") or {}).items():
        required = (form or {}).get("required_slots") or []
        # Rasa 3 lists slots; older domains mapped slot -> mappings.
        found[name] = list(required) if isinstance(required, list) else list(required.keys())
    return found


@dataclass(frozen=True)
class Ending:
    """Where a rule or story stops: its last bot action, and whether a form is still active."""

    where: str
    action: str | None
    active_loop: str | None
    continues: str | None = None  # why the conversation does not really stop here


def ending_of(where: str, entry: dict[str, Any]) -> Ending:
    steps = [step for step in entry.get("steps") or [] if isinstance(step, dict)]
    if entry.get("wait_for_user_input") is False:
        return Ending(where, None, None, continues="wait_for_user_input: false")
    if steps and "checkpoint" in steps[-1]:
        return Ending(where, None, None, continues=f"checkpoint {steps[-1]['checkpoint']}")
    action: str | None = None
    active_loop: str | None = None
    for step in steps:
        if "action" in step:
            action = step["action"]
        if "active_loop" in step:
            active_loop = step["active_loop"]
    return Ending(where, action, active_loop)


def graph_endings() -> list[Ending]:
    endings = []
    for path in GRAPH_FILES:
        document = load_yaml(path)
        for key, label in (("rules", "rule"), ("stories", "story")):
            for entry in document.get(key) or []:
                if isinstance(entry, dict):
                    name = entry.get(label) or "(unnamed)"
                    endings.append(ending_of(f"{path.relative_to(ROOT)}: {label} {name!r}", entry))
    return endings


def next_step_problem(name: str, variations: list[dict[str, Any]]) -> str | None:
    """Why the response leaves the customer nowhere to go, or None when every variation is fine."""
    if not variations:
        return f"{name} is not in domain.yml's responses"
    guard = tone.build_guard()
    for number, variation in enumerate(variations, start=1):
        if variation.get("buttons") or variation.get("quick_replies"):
            continue
        text = str(variation.get("text") or "")
        if "?" in text or guard.has_next_step(text):
            continue
        return f"{name} (variation {number}) has no buttons, no question and no offer: {text!r}"
    return None


def question_problem(name: str, variations: list[dict[str, Any]]) -> str | None:
    for number, variation in enumerate(variations, start=1):
        if not (variation.get("buttons") or "?" in str(variation.get("text") or "")):
            return f"{name} (variation {number}) is not a question: {variation.get('text')!r}"
    return None


def test_the_graph_files_are_found() -> None:
    assert GRAPH_FILES, "no data/rules/*.yml or data/stories/*.yml"
    assert graph_endings(), "the rules and stories files hold no rules or stories"


def test_every_rule_and_story_ends_with_a_next_step(
    responses: dict[str, list[dict[str, Any]]],
    forms: dict[str, list[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    problems: list[str] = []
    trusted: dict[str, list[str]] = {}
    for ending in graph_endings():
        if ending.continues:
            continue
        action = ending.action
        if action is None:
            problems.append(f"{ending.where}: has no bot action at all")
        elif action.startswith("utter_"):
            problem = next_step_problem(action, responses.get(action, []))
            if problem:
                problems.append(f"{ending.where}: ends with {problem}")
        elif action in forms:
            if ending.active_loop in (None, "null"):
                problems.append(
                    f"{ending.where}: ends when {action} completes, with nothing after it"
                )
        else:
            trusted.setdefault(action, []).append(ending.where)
    with capsys.disabled():
        print(
            f"\nendings left to custom or Rasa actions (checked by their own tests): {len(trusted)}"
        )
        for action in sorted(trusted):
            print(f"  {action}: {len(trusted[action])} ending(s)")
    assert not problems, "dead ends:\n" + "\n".join(problems)


def test_every_form_question_is_a_question(
    responses: dict[str, list[dict[str, Any]]], forms: dict[str, list[str]]
) -> None:
    problems = []
    for form, slots in forms.items():
        for slot in slots:
            candidates = (f"utter_ask_{form}_{slot}", f"utter_ask_{slot}")
            asked = next((name for name in candidates if name in responses), None)
            if asked is None:
                # A custom action_ask_* may ask instead; Rasa validates that it exists.
                continue
            problem = question_problem(asked, responses[asked])
            if problem:
                problems.append(f"form {form}, slot {slot}: {problem}")
    assert not problems, "\n".join(problems)


def test_form_failure_paths_and_the_fallback_ladder_leave_a_next_step(
    responses: dict[str, list[dict[str, Any]]],
) -> None:
    names = [
        name
        for name in responses
        if name.startswith("utter_explain_") or name.startswith(FALLBACK_PREFIXES)
    ]
    problems = [problem for name in names if (problem := next_step_problem(name, responses[name]))]
    assert not problems, "dead ends:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("variations", "fine"),
    [
        ([{"text": "Your bike is ready."}], False),
        ([{"text": "Your bike is ready. Anything else?"}], True),
        (
            [
                {
                    "text": "Your bike is ready.",
                    "buttons": [{"title": "Thanks", "payload": "/thank"}],
                }
            ],
            True,
        ),
        ([{"text": "A person from our team will call you today."}], True),
        ([{"text": "Ready? Great."}, {"text": "That's all."}], False),
    ],
)
def test_the_next_step_check_itself(variations: list[dict[str, Any]], fine: bool) -> None:
    assert (next_step_problem("utter_x", variations) is None) is fine


def test_a_story_ending_is_its_last_action() -> None:
    story = {
        "steps": [
            {"intent": "greet"},
            {"action": "return_form"},
            {"active_loop": "return_form"},
            {"intent": "deny"},
            {"action": "utter_goodbye"},
        ]
    }
    assert ending_of("s", story) == Ending("s", "utter_goodbye", "return_form")
    assert ending_of("s", {"steps": [{"checkpoint": "next"}]}).continues == "checkpoint next"
