"""`python -m bot facts-check`: the scoring cannot flatter (a fact kept that the sentence does
not state is WRONG, a different value too), and the real extraction on the development set
stays at or above the floor it has reached."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import facts_check
from bot.facts_check import FactsFileError, Sentence, load_sentences, matches, score
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
