"""What "Use the suggestion" puts in the agent's box (bot/console/suggestion.py), on verdicts
shaped as the tone guard gives them: only the hurtful parts replaced, the rest kept, and a
suggestion that promises more left for the agent to finish."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.console.suggestion import PLACEHOLDER, unfinished, used_suggestion
from voice.business import load
from voice.tone import Finding, ToneVerdict

ROOT = Path(__file__).resolve().parents[3]
SORTED = "Let's get {s} sorted together: here's what I can do now"
SORRY = "I'm sorry about {s}, and I'll put it right"


@pytest.fixture(scope="module")
def templates() -> dict[str, str]:
    return load(ROOT / "business.yml").templates


def finding(text: str, kind: str, span: str, suggestion: str, sentence: str) -> Finding:
    """A finding on `span`, replacing `sentence` (its stop kept out, as the guard does when the
    suggestion brings none)."""
    start = text.index(span)
    first = text.index(sentence)
    return Finding(
        kind=kind,
        span=span,
        suggestion=suggestion,
        rule=kind,
        start=start,
        end=start + len(span),
        replaces_start=first,
        replaces_end=first + len(sentence.rstrip(".")),
    )


def test_a_two_sentence_draft_keeps_the_sentence_that_did_not_hurt(templates) -> None:
    text = "Your brakes are adjusted and ready to collect. You should have booked earlier."
    hurtful = "You should have booked earlier."
    verdict = ToneVerdict(
        text,
        (
            finding(
                text,
                "criticism",
                "You should have booked earlier",
                SORTED.format(s="the brakes"),
                hurtful,
            ),
        ),
    )
    used = used_suggestion(verdict, templates)
    assert used.text.startswith(
        "Your brakes are adjusted and ready to collect. Let's get the brakes"
    )
    assert "should have" not in used.text
    placeholder = templates[PLACEHOLDER]
    assert used.select is not None
    assert used.text[used.select[0] : used.select[1]] == placeholder
    assert unfinished(used.text, templates)
    assert not unfinished(used.text.replace(placeholder, "a free re-adjust on Saturday"), templates)


def test_only_the_flagged_clause_goes_when_the_sentence_says_more(templates) -> None:
    text = "The order left us on Monday with tracking, but that's not our problem."
    verdict = ToneVerdict(
        text,
        (
            finding(
                text, "defensiveness", "not our problem", SORRY.format(s="the order") + ".", text
            ),
        ),
    )
    used = used_suggestion(verdict, templates)
    assert used.text == (
        "The order left us on Monday with tracking, "
        "I'm sorry about the order, and I'll put it right."
    )
    assert used.select is None  # nothing promised beyond what it says: nothing to finish


def test_a_sentence_of_two_hurtful_parts_gets_both_suggestions_the_promise_last(templates) -> None:
    text = "You should have checked it before you signed for it, that's not our fault."
    verdict = ToneVerdict(
        text,
        (
            finding(
                text,
                "criticism",
                "You should have checked it before you signed for it",
                SORTED.format(s="this"),
                text,
            ),
            finding(text, "defensiveness", "not our fault", SORRY.format(s="this"), text),
        ),
    )
    used = used_suggestion(verdict, templates)
    assert used.text.startswith(
        "I'm sorry about this, and I'll put it right. Let's get this sorted"
    )
    assert used.text.endswith(templates[PLACEHOLDER] + ".")
    assert "fault" not in used.text and "should have" not in used.text


def test_a_word_inside_a_flagged_clause_adds_no_second_suggestion(templates) -> None:
    text = "That's not our problem, you obviously didn't charge them properly. See you soon."
    clause = "That's not our problem, you obviously didn't charge them properly"
    verdict = ToneVerdict(
        text,
        (
            finding(text, "criticism", clause, SORTED.format(s="the lights"), clause + "."),
            finding(
                text,
                "contempt",
                "obviously",
                "Good question about this: here's how it works",
                clause + ".",
            ),
        ),
    )
    used = used_suggestion(verdict, templates)
    assert "Good question" not in used.text and "obviously" not in used.text
    assert used.text.endswith("See you soon.")


def test_the_guards_gap_becomes_the_placeholder_and_dropped_sentences_go(templates) -> None:
    text = "Nothing we can do about the cable. Read the manual next time. Thanks for waiting."
    sentence = "Nothing we can do about the cable."
    verdict = ToneVerdict(
        text,
        (
            finding(
                text,
                "stonewalling",
                "Nothing we can do",
                "Here's what I can do about the cable: ... Would that help?",
                sentence,
            ),
        ),
        dropped=((text.index("Read"), text.index("Thanks") - 1),),
    )
    used = used_suggestion(verdict, templates)
    placeholder = templates[PLACEHOLDER]
    assert used.text == (
        f"Here's what I can do about the cable: {placeholder}. Would that help? Thanks for waiting."
    )


def test_without_the_business_files_words_nothing_is_left_to_finish() -> None:
    text = "You should have booked earlier."
    verdict = ToneVerdict(
        text,
        (
            finding(
                text, "criticism", "You should have booked earlier", SORTED.format(s="this"), text
            ),
        ),
    )
    used = used_suggestion(verdict, {})
    assert used.text == SORTED.format(s="this") + "."
    assert used.select is None and not unfinished(used.text, {})
