"""The held-out gate's reading of Rasa's reports and its threshold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import nlu_check
from bot.nlu_check import (
    HeldOutScores,
    HeldOutScoreTooLow,
    ReportUnreadable,
    enforce_threshold,
    read_scores,
    scores_from_reports,
)

# The shape of the reports `rasa test nlu` writes (trimmed to what the gate reads).
INTENT_REPORT = {
    "greet": {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 7},
    "accuracy": 0.93,
    "macro avg": {"precision": 0.94, "recall": 0.93, "f1-score": 0.931, "support": 203},
    "weighted avg": {"precision": 0.94, "recall": 0.93, "f1-score": 0.935, "support": 203},
}
ENTITY_REPORT = {
    "product": {"precision": 1.0, "recall": 0.9, "f1-score": 0.947, "support": 10},
    "micro avg": {"precision": 0.96, "recall": 0.92, "f1-score": 0.94, "support": 25},
    "macro avg": {"precision": 0.9, "recall": 0.9, "f1-score": 0.9, "support": 25},
}


def test_scores_come_from_macro_avg_and_entity_micro_avg() -> None:
    scores = scores_from_reports(INTENT_REPORT, ENTITY_REPORT)
    assert scores == HeldOutScores(intent_macro_f1=0.931, entity_f1=0.94)


def test_no_entity_report_means_no_entity_score() -> None:
    scores = scores_from_reports(INTENT_REPORT, None)
    assert scores.entity_f1 is None
    assert "entity F1 n/a" in scores.summary()


def test_summary_is_one_line_with_both_figures() -> None:
    summary = HeldOutScores(0.9312, 0.8).summary()
    assert "\n" not in summary
    assert "intent macro-F1 0.931" in summary and "entity F1 0.800" in summary


def test_a_report_without_macro_avg_is_an_error() -> None:
    with pytest.raises(ReportUnreadable, match="macro avg"):
        scores_from_reports({"greet": {"f1-score": 1.0}}, None)


@pytest.mark.parametrize("f1", [0.90, 0.95, 1.0])
def test_scores_at_or_above_the_threshold_pass(f1: float) -> None:
    enforce_threshold(HeldOutScores(f1, None))


@pytest.mark.parametrize("f1", [0.0, 0.8999])
def test_scores_below_the_threshold_fail(f1: float) -> None:
    with pytest.raises(HeldOutScoreTooLow, match=r"below 0\.90"):
        enforce_threshold(HeldOutScores(f1, 1.0))


def test_threshold_is_the_issues_figure() -> None:
    assert nlu_check.MIN_INTENT_MACRO_F1 == 0.90


def test_read_scores_from_a_results_folder(tmp_path: Path) -> None:
    (tmp_path / "intent_report.json").write_text(json.dumps(INTENT_REPORT))
    (tmp_path / "DIETClassifier_report.json").write_text(json.dumps(ENTITY_REPORT))
    assert read_scores(tmp_path) == HeldOutScores(0.931, 0.94)


def test_read_scores_without_a_report_says_which_file(tmp_path: Path) -> None:
    with pytest.raises(ReportUnreadable, match=r"intent_report\.json"):
        read_scores(tmp_path)


def test_read_scores_with_broken_json(tmp_path: Path) -> None:
    (tmp_path / "intent_report.json").write_text("{not json")
    with pytest.raises(ReportUnreadable, match="not JSON"):
        read_scores(tmp_path)


def test_newest_model_is_the_latest_archive(tmp_path: Path) -> None:
    import os

    assert nlu_check.newest_model(tmp_path) is None
    older, newer = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    older.write_bytes(b"")
    newer.write_bytes(b"")
    os.utime(older, (1_000, 1_000))
    os.utime(newer, (2_000, 2_000))
    assert nlu_check.newest_model(tmp_path) == newer
