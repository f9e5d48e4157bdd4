"""Using a tone suggestion never keeps the hurtful words: the rest of a scolding goes too."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import pytest
from spacy.tokens import Doc

from voice import tone
from voice.tone import KINDS, ToneGuard
from voice.tone_classifier import ToneClassifier

SCOLDING = (
    "That's not our problem, you obviously didn't charge them properly. Read the manual next time."
)


@dataclass(frozen=True)
class _WordsClassifier(ToneClassifier):
    """A classifier that flags, as criticism, any text with one of `words` in it."""

    words: tuple[str, ...] = ()

    def scores(self, docs: Iterable[Doc]) -> list[dict[str, float]]:
        return [
            {
                kind: 0.9 if kind == "criticism" and any(w in doc.text for w in self.words) else 0
                for kind in KINDS
            }
            for doc in docs
        ]


@pytest.fixture(scope="module")
def whole_guard() -> ToneGuard:
    """The guard as the console uses it: the rules and the trained classifier."""
    tone.train_classifier()
    guard = tone.build_guard()
    assert guard.classifier is not None
    return guard


@functools.cache
def _rules_guard() -> ToneGuard:
    return tone.build_rules_guard()


def _guard_flagging(*words: str) -> ToneGuard:
    rules = _rules_guard()
    return ToneGuard(rules.nlp, rules.book, _WordsClassifier(rules.nlp, 0.5, "test", words=words))


def test_the_rest_of_a_scolding_is_left_out_of_the_rewrite() -> None:
    guard = _guard_flagging("next time")
    draft = "You obviously didn't tighten the brakes. Read the manual next time. Bring it in today."
    verdict = guard.check(draft)
    assert not verdict.ok
    assert "Read the manual" not in verdict.rewrite
    assert verdict.rewrite.endswith(" Bring it in today.")
    for finding in verdict.findings:
        assert "Read the manual" not in finding.rewrite
        # The subject is the draft's ("the brakes"), never one from a sentence that goes.
        assert "the brakes" in finding.suggestion
        assert "manual" not in finding.suggestion


def test_a_sentence_left_alone_by_the_classifier_is_kept() -> None:
    guard = _guard_flagging("no such words")
    draft = "You obviously didn't tighten the brakes. Read the manual next time."
    verdict = guard.check(draft)
    assert verdict.dropped == ()
    assert verdict.rewrite.endswith("Read the manual next time.")


def test_the_console_s_scolding_gives_a_suggestion_that_passes(whole_guard: ToneGuard) -> None:
    verdict = whole_guard.check(SCOLDING)
    assert not verdict.ok
    assert "Read the manual" not in verdict.rewrite
    assert "obviously" not in verdict.rewrite
    for finding in verdict.findings:
        assert "manual" not in finding.suggestion, finding.suggestion
        assert "Read the manual" not in finding.rewrite
        assert whole_guard.check(finding.rewrite).ok, finding.rewrite
    assert whole_guard.check(verdict.rewrite).ok, verdict.rewrite
