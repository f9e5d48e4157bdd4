"""`python -m bot facts-check`: the scoring cannot flatter (a fact kept that the sentence does
not state is WRONG, a different value too), and the real extraction on the development set
stays at or above the floor it has reached."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import facts_check
from bot.facts_check import (
    FactsFileError,
    Sentence,
    load_sentences,
    matches,
    score,
    style_namer,
)
from memory.facts import FactExtractor, FactWords


@dataclass(frozen=True)
class Kept:
    kind: str
    value: str


@pytest.mark.parametrize(
    ("kept", "expected", "same"),
    [
        ("an old Raleigh", "old Raleigh", True),
        ("My Boardman hybrid!", "Boardman hybrid", True),
        ("Boardman", "Boardman hybrid", True),  # one contains the other
        ("thx", "Boardman hybrid", False),
        ("the", "Trek", False),
        ("54 cm", "54cm", True),  # the same without spaces
        ("", "", False),
    ],
)
def test_values_match_when_one_contains_the_other(kept: str, expected: str, same: bool) -> None:
    assert matches(kept, expected) is same


def test_a_fact_kept_but_not_stated_or_with_another_value_is_wrong() -> None:
    sentences = [
        Sentence("thx", ()),
        Sentence("Dave here", (("name", "Dave"),)),
        Sentence("I ride a Trek", (("bike", "Trek"),)),
    ]
    kept = {
        "thx": [Kept("bike", "thx")],
        "Dave here": [Kept("name", "Sarah")],
        "I ride a Trek": [Kept("bike", "Trek"), Kept("bike", "a Trek")],
    }
    result = score(sentences, lambda text: kept[text])
    assert result.by_kind["bike"].wrong == 1
    assert result.by_kind["bike"].kept_right == 1
    assert result.by_kind["name"].wrong == 1 and result.by_kind["name"].missed == 1
    assert result.overall.wrong == 2
    assert result.overall.precision == pytest.approx(1 / 3)
    assert result.worst()[0].text in ("thx", "Dave here")
    report = facts_check.report(result, Path("x.yml"))
    assert "WRONG bike='thx'" in report and "overall" in report


def test_a_bad_file_says_what_is_wrong(tmp_path: Path) -> None:
    bad = tmp_path / "facts.yml"
    bad.write_text("sentences:\n  - text: hi\n    facts: {shoe: 42}\n", encoding="utf-8")
    with pytest.raises(FactsFileError, match="shoe"):
        load_sentences(bad)


def test_the_held_out_file_is_the_default_once_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facts_check, "HELD_OUT_FILE", tmp_path / "held_out.yml")
    assert facts_check.default_file() == facts_check.DEV_FILE
    (tmp_path / "held_out.yml").write_text("sentences: []\n", encoding="utf-8")
    assert facts_check.default_file() == tmp_path / "held_out.yml"


def test_the_development_set_is_a_fair_measure() -> None:
    sentences = load_sentences(facts_check.DEV_FILE)
    without = [sentence for sentence in sentences if not sentence.facts]
    assert len(sentences) >= 120 and len(without) >= 0.45 * len(sentences)


def test_the_extraction_on_the_development_set_stays_at_its_floor(fact_words: FactWords) -> None:
    # The same extractor the event broker uses: the real spaCy pipeline, the shop's words.
    extractor = FactExtractor(words=fact_words)
    result = score(load_sentences(facts_check.DEV_FILE), extractor.extract)
    overall = result.overall
    assert overall.wrong <= 1, facts_check.report(result, facts_check.DEV_FILE)
    assert overall.precision >= 0.97 and overall.recall >= 0.88
    assert result.by_kind["name"].recall >= 0.9 and result.by_kind["name"].wrong == 0
    assert result.by_kind["bike"].wrong == 0 and result.by_kind["bike"].recall >= 0.85


def test_a_riding_style_said_in_the_customers_words_matches_the_shops_name_for_it() -> None:
    named = style_namer([{"crit": "racing"}, {"commute": "commuting"}, {"work": "commuting"}])
    assert named("crits") == "racing"
    assert named("cycle to work") == "commuting"
    assert named("commuter") == "commuting"
    assert named("school run") is None
    kept = {"I race crits": [Kept("riding_style", "racing")]}
    sentences = [Sentence("I race crits", (("riding_style", "crits"),))]
    assert score(sentences, lambda text: kept[text]).overall.wrong == 1
    result = score(sentences, lambda text: kept[text], named)
    assert (result.overall.kept_right, result.overall.wrong) == (1, 0)


def test_the_extraction_on_the_held_out_set_stays_at_its_floor(fact_words: FactWords) -> None:
    """tests/memory/facts_held_out.yml was written outside the team before the extraction was
    tuned, and is never tuned on. First measure (2026-11-27, after that morning's work):
    precision 0.89, recall 0.31, 7 wrong facts in 277 sentences (before that work: 0.87, 0.23,
    6). The floor is that measure: remembering wrongly must not grow."""
    words = fact_words
    named = style_namer([words.styles, words.style_verbs, words.style_places, words.style_people])
    extractor = FactExtractor(words=fact_words)
    result = score(load_sentences(facts_check.HELD_OUT_FILE), extractor.extract, named)
    overall = result.overall
    assert overall.wrong <= 7, facts_check.report(result, facts_check.HELD_OUT_FILE)
    assert overall.precision >= 0.88 and overall.recall >= 0.30
    assert result.by_kind["name"].wrong == 0
