"""Accepted examples go into the data file that holds their intent, round-trip (order, comments
and quoting kept), never twice; a new intent gets its file, its domain line, and optionally a
response with a rule. On a temporary copy of the project's data and domain."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot.review.training_files import (
    EntitySpan,
    TrainingData,
    TrainingDataError,
    example_key,
)
from bot.settings import ROOT


@pytest.fixture
def content(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copy(ROOT / "domain.yml", tmp_path / "domain.yml")
    return tmp_path


def _added_lines(before: str, after: str) -> list[str]:
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    assert not [line for line in diff if line.startswith("- ")], "a line was changed or lost"
    return [line[2:] for line in diff if line.startswith("+ ")]


def _intents_of(path: Path) -> dict[str, list[str]]:
    data = YAML(typ="safe").load(path.read_text())
    return {
        entry["intent"]: [line[2:] for line in entry["examples"].splitlines()]
        for entry in data["nlu"]
        if "intent" in entry
    }


def test_an_example_goes_into_the_file_of_its_intent_keeping_everything_else(
    content: Path,
) -> None:
    data = TrainingData(content)
    home = data.intent_files()["ask_hours"]
    before = home.read_text()
    assert "#" in before  # the file has comments to keep
    added = data.add_example("ask_hours", "wen do u lot open on sundayz")
    assert added.added and added.path == home
    after = home.read_text()
    assert _added_lines(before, after) == ["      - wen do u lot open on sundayz"]
    assert "wen do u lot open on sundayz" in _intents_of(home)["ask_hours"]
    others = [p for p in (content / "data" / "nlu").glob("*.yml") if p != home]
    for path in others:
        assert path.read_text() == (ROOT / "data" / "nlu" / path.name).read_text()
    assert (content / "domain.yml").read_text() == (ROOT / "domain.yml").read_text()


def test_no_duplicates_in_the_same_intent_or_across_intents(content: Path) -> None:
    data = TrainingData(content)
    first = data.add_example("ask_hours", "wen do u lot open on sundayz")
    again = data.add_example("ask_hours", "Wen do u lot open on SUNDAYZ!")
    assert not again.added
    assert _intents_of(first.path)["ask_hours"].count("wen do u lot open on sundayz") == 1
    existing = _intents_of(first.path)["ask_hours"][0]
    with pytest.raises(TrainingDataError, match="already an example of ask_hours"):
        data.add_example("greet", existing)


def test_a_new_intent_gets_its_file_its_domain_line_a_response_and_a_rule(content: Path) -> None:
    data = TrainingData(content)
    domain_before = (content / "domain.yml").read_text()
    added = data.add_example("ask_parking", "can I park near the shop", new_intent_file="parking")
    assert added.path == content / "data" / "nlu" / "parking.yml"
    assert _intents_of(added.path) == {"ask_parking": ["can I park near the shop"]}
    assert "ask_parking" in data.domain_intents()
    name = data.add_response("ask_parking", "Yes: there is parking right outside the shop.")
    assert name == "utter_ask_parking"
    new_lines = _added_lines(domain_before, (content / "domain.yml").read_text())
    assert new_lines == [
        "  - ask_parking",
        "  utter_ask_parking:",
        '    - text: "Yes: there is parking right outside the shop."',
    ]
    rules = YAML(typ="safe").load((content / "data" / "rules" / "review.yml").read_text())
    assert rules["rules"] == [
        {
            "rule": "answer ask_parking",
            "steps": [{"intent": "ask_parking"}, {"action": "utter_ask_parking"}],
        }
    ]
    with pytest.raises(TrainingDataError, match="already has the response"):
        data.add_response("ask_parking", "Another answer.")


def test_a_new_intent_can_go_into_a_chosen_existing_file(content: Path) -> None:
    data = TrainingData(content)
    store = data.intent_files()["ask_hours"]
    added = data.add_example("ask_parking", "where do I park", new_intent_file=store.stem)
    assert added.path == store
    assert _intents_of(store)["ask_parking"] == ["where do I park"]
    assert "ask_hours" in _intents_of(store)


def test_entity_spans_are_written_in_rasas_form(content: Path) -> None:
    data = TrainingData(content)
    added = data.add_example("ask_hours", "open for gravel folk?", [EntitySpan(9, 15, "bike_type")])
    assert added.example == "open for [gravel](bike_type) folk?"
    assert example_key(added.example) == "open for gravel folk"
    with pytest.raises(TrainingDataError, match="no entity"):
        data.add_example("ask_hours", "open for gravel folk", [EntitySpan(0, 4, "colour")])
    with pytest.raises(TrainingDataError, match="outside the text"):
        data.add_example("ask_hours", "short", [EntitySpan(2, 40, "bike_type")])


@pytest.mark.parametrize("intent", ["Ask Hours", "x", "ask-hours", "1ask"])
def test_a_bad_intent_name_is_refused_with_what_to_do(content: Path, intent: str) -> None:
    with pytest.raises(TrainingDataError, match="intent name"):
        TrainingData(content).add_example(intent, "hello there")


def test_a_message_of_a_held_out_set_is_never_written(content: Path, tmp_path: Path) -> None:
    held_out = tmp_path / "held_out"
    held_out.mkdir()
    (held_out / "set.yml").write_text(
        "nlu:\n  - intent: ask_hours\n    examples: |\n      - r u open on [xmas](DATE) eve\n"
        'feelings:\n  - text: "so the shop shuts at 5??"\n'
    )
    data = TrainingData(content, held_out=[held_out])
    for said in ("R U open on xmas eve", "so the shop shuts at 5"):
        with pytest.raises(TrainingDataError, match="held-out test set"):
            data.add_example("ask_hours", said)
    assert data.add_example("ask_hours", "r u open on xmas day").added


def test_the_projects_held_out_messages_are_refused(content: Path) -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    messy = load_data(str(ROOT / "tests" / "nlu" / "messy.yml")).intent_examples[0]
    data = TrainingData(content, held_out=[ROOT / "tests" / "nlu"])
    with pytest.raises(TrainingDataError, match="held-out test set"):
        data.add_example(messy.get("intent"), messy.get("text"))
