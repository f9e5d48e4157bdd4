"""The example café (examples/cafe/) runs on the machinery as it is: no Python of its own, every
action it names served by the action server, every response those actions can utter in its
domain, and a business file and lookups the loaders accept.

The response check is what catches a merge that teaches an action a new response: the bike
shop's domain gets it, and this test names the café's missing one.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from rasa_sdk.executor import ActionExecutor

from bot import lookups
from bot.settings import ROOT, from_mapping
from voice import business

sys.path.insert(0, str(Path(__file__).resolve().parent))
from action_responses import ActionCode

CAFE = ROOT / "examples" / "cafe"


@pytest.fixture(scope="module")
def cafe_domain() -> dict:
    return yaml.safe_load((CAFE / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def action_code() -> ActionCode:
    return ActionCode()


def test_the_example_has_no_python_of_its_own() -> None:
    assert (CAFE / "domain.yml").is_file() and (CAFE / "business.yml").is_file()
    assert sorted(CAFE.rglob("*.py")) == []


def test_every_action_of_the_example_is_served_by_the_action_server(cafe_domain: dict) -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    assert "action_handle_complaint" in cafe_domain["actions"]
    assert set(cafe_domain["actions"]) - set(executor.actions) == set()


def test_the_analysis_finds_responses_through_helpers_and_bases(action_code: ActionCode) -> None:
    found = action_code.responses(["action_greet", "action_handoff", "action_fallback_ladder"])
    # Named in a helper function (choose_greeting), not in the action's class.
    assert "utter_greet_new" in found["action_greet"]
    assert "utter_handoff" in found["action_handoff"]
    # Through the shared base (ShopAction.run answers a crash with it).
    assert "utter_something_went_wrong" in found["action_fallback_ladder"]
    # Not what another module's action says.
    assert "utter_greet_new" not in found["action_handoff"]


def test_the_analysis_follows_a_name_across_modules(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text(
        'def offer(dispatcher):\n    dispatcher.utter_message(response="utter_offer")\n'
    )
    (tmp_path / "things.py").write_text(
        "from helpers import offer\n"
        "class Thing:\n"
        "    def name(self):\n"
        '        return "action_thing"\n'
        "    def run(self, dispatcher):\n"
        "        offer(dispatcher)\n"
        "class Other:\n"
        "    def name(self):\n"
        '        return "action_other"\n'
        "    def run(self, dispatcher):\n"
        '        dispatcher.utter_message(response="utter_other")\n'
    )
    found = ActionCode(tmp_path).responses(["action_thing", "action_other"])
    assert found == {"action_thing": {"utter_offer"}, "action_other": {"utter_other"}}


def test_every_response_the_example_s_actions_can_utter_is_in_its_domain(
    cafe_domain: dict, action_code: ActionCode
) -> None:
    responses = set(cafe_domain["responses"])
    missing = {
        action: sorted(needed - responses)
        for action, needed in action_code.responses(cafe_domain["actions"]).items()
        if needed - responses
    }
    assert missing == {}


def test_the_example_s_business_file_and_lookups_load() -> None:
    settings = from_mapping({"CONTENT_DIR": str(CAFE)})
    cafe = business.load(settings.business_file)
    assert cafe.shop.currency == "EUR" and cafe.repairs == () and cafe.events == ()
    assert "complaint" in cafe.say_yes_rules().kinds
    # `python -m bot train` writes them; committed, they must say what the business file says.
    assert lookups.stale(cafe, settings.lookups_dir) == []
