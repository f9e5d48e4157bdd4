"""`python -m bot check`: each check catches a mistake planted in a copy of the sample shop's
content, at the file and line where it was planted, and the shop as shipped has no findings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import content_check
from bot.content_check import Finding
from bot.settings import ROOT

CONTENT = ("domain.yml", "config.yml", "business.yml", content_check.ALLOW_FILE)


@pytest.fixture()
def shop(tmp_path: Path) -> Path:
    """A copy of the sample shop's content to plant mistakes in."""
    for name in CONTENT:
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def plant(path: Path, after: str, text: str) -> None:
    """Insert `text` (whole lines) after the first line that is exactly `after`."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.rstrip("\n") == after)
    lines.insert(index + 1, text)
    path.write_text("".join(lines), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def findings(shop: Path, check: str) -> list[Finding]:
    return content_check.run_checks(shop, shop / "business.yml", only=[check])


def test_the_sample_shop_has_no_findings() -> None:
    assert content_check.run_checks(ROOT, ROOT / "business.yml") == []


def test_the_example_cafe_has_no_findings() -> None:
    cafe = ROOT / "examples" / "cafe"
    assert content_check.run_checks(cafe, cafe / "business.yml") == []


def test_an_intent_with_too_few_examples(shop: Path) -> None:
    plant(shop / "domain.yml", "  - ask_hours", "  - ask_parking\n")
    plant(
        shop / "data/nlu/store.yml",
        "nlu:",
        "  - intent: ask_parking\n    examples: |\n      - where can I park\n"
        "      - is there parking\n",
    )
    plant(
        shop / "data/rules/shop.yml",
        "rules:",
        "  - rule: parking\n    steps:\n"
        "      - intent: ask_parking\n      - action: action_tell_location\n",
    )
    [finding] = findings(shop, "few-examples")
    assert finding.subject == "ask_parking"
    assert (finding.file, finding.line) == (
        "data/nlu/store.yml",
        line_of(shop / "data/nlu/store.yml", "where can I park"),
    )
    assert "has 2 examples" in finding.message and "add at least 8 more" in finding.message


def test_the_same_example_under_two_intents(shop: Path) -> None:
    plant(
        shop / "data/nlu/store.yml",
        "nlu:",
        "  - intent: thank\n    examples: |\n      - I need to book a repair\n",
    )
    [finding] = findings(shop, "same-example")
    assert finding.file == "data/nlu/store.yml"
    assert finding.line == line_of(shop / "data/nlu/store.yml", "I need to book a repair")
    assert "book_repair" in finding.message and "thank" in finding.message


def test_near_duplicates_across_intents(shop: Path) -> None:
    plant(
        shop / "data/nlu/store.yml",
        "nlu:",
        "  - intent: ask_location\n    examples: |\n      - I need to book a repair now\n",
    )
    found = [f for f in findings(shop, "near-duplicate") if "ask_location" in f.subject]
    assert [f.subject for f in found][:1] == ["ask_location/book_repair"]
    assert found[0].line == line_of(shop / "data/nlu/store.yml", "book a repair now")
    assert "I need to book a repair" in found[0].message


def test_an_intent_no_rule_or_story_answers(shop: Path) -> None:
    plant(shop / "domain.yml", "  - ask_hours", "  - ask_parking\n")
    examples = "".join(f"      - where can I park {n}\n" for n in range(12))
    plant(
        shop / "data/nlu/store.yml", "nlu:", f"  - intent: ask_parking\n    examples: |\n{examples}"
    )
    [finding] = findings(shop, "intent-unused")
    assert (finding.file, finding.line) == (
        "domain.yml",
        line_of(shop / "domain.yml", "- ask_parking"),
    )


def test_a_response_never_said(shop: Path) -> None:
    plant(shop / "domain.yml", "responses:", '  utter_planted:\n    - text: "Anything else?"\n')
    [finding] = findings(shop, "response-unused")
    assert finding.subject == "utter_planted"
    assert finding.line == line_of(shop / "domain.yml", "utter_planted:")


def test_a_response_that_fails_the_tone_guard(shop: Path) -> None:
    plant(
        shop / "domain.yml",
        "  utter_iamabot:",
        '    - text: "Obviously you should have read the returns policy first."\n',
    )
    found = findings(shop, "tone")
    assert {f.subject for f in found} == {"utter_iamabot"}
    assert {f.line for f in found} == {line_of(shop / "domain.yml", "Obviously you should")}


def test_a_story_that_contradicts_a_rule(shop: Path) -> None:
    plant(
        shop / "data/stories/shop.yml",
        "stories:",
        "  - story: planted\n    steps:\n      - intent: bot_challenge\n"
        "      - action: utter_youre_welcome\n",
    )
    [finding] = findings(shop, "story-contradicts-rule")
    assert finding.file == "data/stories/shop.yml"
    assert finding.line == line_of(shop / "data/stories/shop.yml", "action: utter_youre_welcome")
    assert "utter_iamabot" in finding.message


def test_a_story_may_answer_after_its_own_question(shop: Path) -> None:
    # "yes" after the hours is directions, though a rule answers a "yes" out of context.
    assert findings(shop, "story-contradicts-rule") == []
    text = (shop / "data/stories/shop.yml").read_text()
    assert "- intent: affirm\n      - action: action_tell_location" in text


def test_an_entity_annotated_nowhere(shop: Path) -> None:
    plant(shop / "domain.yml", "entities:", "  - frame_size\n")
    [finding] = findings(shop, "entity-unannotated")
    assert finding.subject == "frame_size"
    assert finding.line == line_of(shop / "domain.yml", "- frame_size")


def test_a_placeholder_nothing_fills(shop: Path) -> None:
    plant(
        shop / "domain.yml",
        "  utter_iamabot:",
        '    - text: "I can hold it until {pickup_hour}?"\n',
    )
    [finding] = findings(shop, "placeholder-unfilled")
    assert finding.subject == "utter_iamabot/pickup_hour"
    assert finding.line == line_of(shop / "domain.yml", "{pickup_hour}")


def test_a_button_naming_what_the_business_file_lacks(shop: Path) -> None:
    domain = shop / "domain.yml"
    text = domain.read_text()
    assert '"bike_type": "kids"' in text
    domain.write_text(text.replace('"bike_type": "kids"', '"bike_type": "unicycle"'))
    [finding] = findings(shop, "business-value")
    assert finding.line == line_of(domain, "unicycle")
    assert "business.yml" in finding.message


def test_an_allow_list_entry_hides_its_finding_and_a_stale_one_is_reported(shop: Path) -> None:
    plant(shop / "domain.yml", "entities:", "  - frame_size\n")
    allow = shop / content_check.ALLOW_FILE
    allow.write_text(
        allow.read_text()
        + "- check: entity-unannotated\n  subject: frame_size\n  why: planted\n"
        + "- check: response-unused\n  subject: utter_gone\n  why: planted\n"
    )
    found = content_check.run_checks(
        shop, shop / "business.yml", only=["entity-unannotated", "response-unused"]
    )
    assert [(f.check, f.subject) for f in found] == [("allow-list", "utter_gone")]


def test_an_allow_list_entry_must_say_why(shop: Path) -> None:
    allow = shop / content_check.ALLOW_FILE
    allow.write_text(allow.read_text() + "- check: tone\n  subject: utter_iamabot\n")
    with pytest.raises(content_check.ContentUnreadable, match="say why"):
        content_check.run_checks(shop, shop / "business.yml", only=["tone"])
