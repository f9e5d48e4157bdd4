"""`python -m bot evaluate`: the figures read from Rasa's reports, the failed stories with their
turn, and the self-contained HTML report with the change since the previous one."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

from bot import evaluation_report
from bot.evaluation import (
    Evaluation,
    Prediction,
    count_stories,
    read_predictions,
    read_story_failures,
    set_scores,
)

FAILED_STORIES = """version: "3.1"
stories:
- story: hours, then directions (tests/stories/test_shop.yml)
  steps:
  - intent: ask_hours
  - action: action_tell_hours
  - intent: affirm
  - action: action_tell_location  # predicted: utter_how_can_i_help
  - intent: thank
  - action: utter_youre_welcome  # predicted: action_listen
- story: a person, please (tests/stories/test_handoff.yml)
  steps:
  - intent: request_human  # predicted: complain: I want a person
  - action: action_handoff
"""


def predictions() -> list[Prediction]:
    said = [
        ("what time do you open", "ask_hours", "ask_hours"),
        ("opening times?", "ask_hours", "ask_hours"),
        ("where are you", "ask_location", "ask_hours"),
        ("address pls", "ask_location", "ask_location"),
        ("hi", "greet", "greet"),
    ]
    return [Prediction(text, intent, predicted) for text, intent, predicted in said]


def evaluation(model: str = "new.tar.gz", wrong: int = 1) -> Evaluation:
    scores = set_scores("held_out", predictions())
    failures = read_story_failures_from_text(FAILED_STORIES)[:wrong]
    return Evaluation(model, {"held_out": scores}, 10, failures)


def read_story_failures_from_text(text: str) -> list:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "failed_test_stories.yml").write_text(text)
        return read_story_failures(Path(folder))


def test_figures_are_computed_as_rasa_does() -> None:
    scores = set_scores("held_out", predictions())
    assert scores.accuracy == 0.8
    # ask_hours: p 2/3 r 1; ask_location: p 1 r 1/2; greet: 1 and 1.
    expected = ((2 * (2 / 3) / (2 / 3 + 1)) + (2 * 0.5 / 1.5) + 1) / 3
    assert abs(scores.macro_f1 - expected) < 1e-9
    assert scores.per_intent["ask_location"]["recall"] == 0.5
    assert scores.confusions() == [("ask_location", "ask_hours", 1, ["where are you"])]


def test_predictions_are_read_from_rasa_s_errors_and_successes(tmp_path: Path) -> None:
    entry = {"text": "hi", "intent": "greet", "intent_prediction": {"name": "greet"}}
    wrong = {"text": "yo", "intent": "greet", "intent_prediction": {"name": "thank"}}
    (tmp_path / "intent_successes.json").write_text(json.dumps([entry]))
    (tmp_path / "intent_errors.json").write_text(json.dumps([wrong]))
    assert sorted(read_predictions(tmp_path), key=lambda p: p.text) == [
        Prediction("hi", "greet", "greet"),
        Prediction("yo", "greet", "thank"),
    ]


def test_each_failed_story_is_named_with_the_first_turn_it_got_wrong() -> None:
    failures = read_story_failures_from_text(FAILED_STORIES)
    assert [(f.story, f.turn, f.predicted) for f in failures] == [
        (
            "hours, then directions (tests/stories/test_shop.yml)",
            "action: action_tell_location",
            "utter_how_can_i_help",
        ),
        (
            "a person, please (tests/stories/test_handoff.yml)",
            "intent: request_human",
            "complain: I want a person",
        ),
    ]
    assert read_story_failures_from_text("# None of the test stories failed - all good!") == []


def test_stories_are_counted_in_the_test_stories(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("stories:\n  - story: one\n  - story: two\n")
    (tmp_path / "b.yml").write_text("stories:\n- story: three\n")
    assert count_stories(tmp_path) == 3


def test_the_report_is_one_file_with_its_pictures_inside(tmp_path: Path) -> None:
    report, previous = evaluation_report.write_report(evaluation(), tmp_path)
    assert previous is None
    page = report.read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2  # precision and recall bars, the confusion matrix
    assert all(base64.b64decode(image).startswith(b"\x89PNG") for image in images)
    assert 'src="http' not in page and "<script" not in page
    assert "where are you" in page  # the worst-confused pair's example
    assert "action_tell_location" in page and "utter_how_can_i_help" in page
    assert "9 of 10 passed" in page


def test_the_report_shows_the_change_since_the_previous_one(tmp_path: Path) -> None:
    evaluation_report.write_report(evaluation("old.tar.gz", wrong=0), tmp_path)
    report, previous = evaluation_report.write_report(evaluation("new.tar.gz", wrong=2), tmp_path)
    assert previous is not None and previous["model"] == "old.tar.gz"
    page = report.read_text()
    assert "<li class='worse'>test stories passed: 10 → 8</li>" in page
    kept = json.loads((tmp_path / "evaluation.json").read_text())
    assert kept["model"] == "new.tar.gz" and kept["figures"]["stories.passed"] == 8.0
    lines = evaluation_report.summary(evaluation("new.tar.gz", wrong=2), previous)
    assert lines[-1] == ("against the previous report: test stories passed: 10 before, 8 now")


def test_a_set_s_messages_are_read_in_both_of_rasa_s_forms(tmp_path: Path) -> None:
    from bot.evaluation import set_messages

    (tmp_path / "short.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: greet\n    examples: |\n      - hi [Sam](PERSON)\n'
    )
    (tmp_path / "long.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: request_human\n    examples:\n'
        '      - text: "hiya, a person pls"\n        metadata:\n          also: [greet]\n'
    )
    assert set_messages(tmp_path) == {("hi Sam", "greet"), ("hiya, a person pls", "request_human")}
    assert set_messages(tmp_path / "long.yml") == {("hiya, a person pls", "request_human")}


def test_a_set_whose_messages_were_not_tested_is_an_error_not_a_zero() -> None:
    import pytest

    from bot.evaluation import split_by_set
    from bot.nlu_check import ReportUnreadable

    members = {"held_out": {("hi", "greet")}, "messy": {("hiya m8", "greet")}}
    tested = [Prediction("hi", "greet", "greet")]
    with pytest.raises(ReportUnreadable, match="none of the 1 messages of the messy set"):
        split_by_set(tested, members)
    both = [*tested, Prediction("hiya m8", "greet", "thank")]
    scores = split_by_set(both, members)
    assert (scores["held_out"].accuracy, scores["messy"].accuracy) == (1.0, 0.0)
