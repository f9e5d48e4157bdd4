"""The tone guard understands language: the brief's examples, spans, suggestions, safe_text."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from voice import language, tone
from voice.tone import ToneGuard, ToneRulesError


@pytest.fixture(scope="module")
def guard() -> ToneGuard:
    """The rules (what these tests are about); the classifier has its own tests."""
    return tone.build_rules_guard()


@pytest.mark.parametrize(
    "text",
    [
        "You should receive your refund by Friday.",
        "We can't wait to see you!",
        "We can't fit that rack, but we can fit a seatpost rack instead. Would you like one?",
        "I'm sorry we got that wrong. We'll fix it free of charge this week.",
        "It's not your fault at all, and we'll send a replacement today.",
        "Great, your repair is booked for Tuesday!",
        "No problem, I've cancelled that order.",
        "The frame size is printed clearly on the seat tube.",
    ],
)
def test_fine_texts_pass(guard: ToneGuard, text: str) -> None:
    verdict = guard.check(text)
    assert verdict.ok, verdict.describe()
    assert verdict.findings == ()


@pytest.mark.parametrize(
    ("text", "kind", "span"),
    [
        ("You should have checked the size.", "criticism", "You should have checked the size"),
        ("That's not our fault.", "defensiveness", "not our fault"),
        ("As I already said, we close at six.", "defensiveness", "As I already said"),
        ("Sorry, but the part is late.", "defensiveness", "Sorry, but"),
        ("Obviously the battery needs charging.", "contempt", "Obviously"),
        ("Great, another one of these.", "sarcasm", "Great, another"),
        (
            "We can't do anything about that.",
            "stonewalling",
            "We can't do anything about that",
        ),
        ("There is nothing we can do.", "stonewalling", "nothing we can do"),
        ("No.", "stonewalling", "No"),
    ],
)
def test_relationship_killers_are_found_with_span_and_suggestion(
    guard: ToneGuard, text: str, kind: str, span: str
) -> None:
    verdict = guard.check(text)
    assert not verdict.ok
    finding = next(finding for finding in verdict.findings if finding.kind == kind)
    assert finding.span == span
    assert text[finding.start : finding.end] == span
    assert finding.suggestion and finding.suggestion != span
    assert set(finding.as_dict()) == {"kind", "span", "suggestion", "advice", "rewrite"}


def test_a_refusal_with_a_next_step_is_not_stonewalling(guard: ToneGuard) -> None:
    assert not guard.check("That model is out of stock.").ok
    assert guard.check("That model is out of stock. I can order it in by Friday.").ok
    assert guard.check("That model is out of stock. Shall I order it in?").ok
    assert not guard.check("There's nothing we can do about late deliveries.").ok


def test_several_kinds_in_one_text(guard: ToneGuard) -> None:
    verdict = guard.check("Obviously you didn't read the manual. Sorry, but that's the rule.")
    assert verdict.kinds == {"contempt", "criticism", "defensiveness", "stonewalling"}
    starts = [finding.start for finding in verdict.findings]
    assert starts == sorted(starts)


def test_check_many_gives_the_same_verdicts_as_check(guard: ToneGuard) -> None:
    texts = ["You should have read the policy.", "See you on Sunday!", "That's not possible."]
    assert guard.check_many(texts) == [guard.check(text) for text in texts]


def test_verdict_as_dict_is_the_command_line_shape(guard: ToneGuard) -> None:
    replacement = guard.book.kinds["stonewalling"].replacement.replace("{subject}", "this")
    suggestion = replacement[:1].upper() + replacement[1:]
    assert guard.check("Nope.").as_dict() == {
        "text": "Nope.",
        "ok": False,
        "findings": [
            {
                "kind": "stonewalling",
                "span": "Nope",
                "suggestion": suggestion,
                "advice": guard.rules["bare-no"].suggestion,
                # The suggestion ends in "?", so the draft's full stop goes with "Nope".
                "rewrite": suggestion,
            }
        ],
        "rewrite": suggestion,
    }


@pytest.mark.parametrize(
    ("draft", "subject", "kept"),
    [
        ("You should have bled the brakes before the ride.", "the brakes", ""),
        (
            "Thanks for the photos. You didn't charge the battery.",
            "the battery",
            "Thanks for the photos.",
        ),
        ("Your order is late because you typed the wrong postcode.", "your order", ""),
        ("Nobody else has complained about the saddle.", "the saddle", ""),
        (
            "Thanks for the photos. You should have registered your e-bike within 14 days.",
            "your e-bike",
            "Thanks for the photos. Let's",
        ),
        ("Obviously the chain needs oil. I'll add some now.", "the chain", "I'll add some now."),
        ("I don't make the rules on returns, sorry.", "returns", ""),
        (
            "The rear wheel snapped because you never trued it. We can rebuild it.",
            "the rear wheel",
            "We can rebuild it.",
        ),
    ],
)
def test_suggestions_keep_the_drafts_subject_and_replace_only_the_hurtful_sentence(
    guard: ToneGuard, draft: str, subject: str, kept: str
) -> None:
    verdict = guard.check(draft)
    assert not verdict.ok
    for finding in verdict.findings:
        assert subject in finding.suggestion, (finding.kind, finding.suggestion)
        assert finding.rewrite.startswith(draft[: finding.replaces_start])
        assert finding.rewrite.endswith(draft[finding.replaces_end :])
        assert finding.span not in finding.rewrite
    assert kept in verdict.rewrite
    assert verdict.rewrite != draft


def test_suggestions_pass_the_guard_themselves() -> None:
    # The whole guard, classifier included, as the console shows them.
    tone.train_classifier()
    guard = tone.build_guard()
    assert guard.classifier is not None
    for subject in ("the brakes", "your order", "this"):
        for kind, wording in guard.book.kinds.items():
            text = wording.replacement.replace("{subject}", subject)
            verdict = guard.check(text[:1].upper() + text[1:] + ".")
            assert verdict.ok, (kind, verdict.describe())


def test_every_kind_has_advice_and_a_replacement_with_the_subject(guard: ToneGuard) -> None:
    assert set(guard.book.kinds) == set(tone.KINDS)
    for kind, wording in guard.book.kinds.items():
        assert wording.advice and "{subject}" in wording.replacement, kind


def test_safe_text_passes_fine_text_and_replaces_and_logs_bad_text(
    guard: ToneGuard, caplog: pytest.LogCaptureFixture
) -> None:
    fallback = "Thanks for your patience; a colleague will be in touch today."
    with caplog.at_level(logging.WARNING, logger="voice.tone"):
        assert guard.safe_text("Your bike is ready!", fallback) == "Your bike is ready!"
        assert not caplog.records
        assert guard.safe_text("That's not our problem.", fallback) == fallback
    assert "defensiveness" in caplog.text
    assert "not our problem" in caplog.text


def test_the_composition_roots_build_each_guard_once() -> None:
    from actions.composition import compose as compose_actions
    from bot.composition import compose as compose_server
    from bot.settings import Settings

    actions, server = compose_actions(Settings()), compose_server(Settings())
    assert actions.rules_guard() is actions.rules_guard()
    assert actions.rules_guard().classifier is None  # the bot's own words: the rules alone
    assert server.tone_guard() is server.tone_guard()


def test_every_rule_has_a_kind_description_and_suggestion() -> None:
    book = tone.load_rules()
    assert {rule.kind for rule in book.rules} == set(tone.KINDS)
    for rule in book.rules:
        assert rule.description and rule.suggestion, rule.id


def write_rules(tmp_path: Path, rules: list[dict[str, object]]) -> Path:
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump({"rules": rules}))
    return path


def good_rule(**changes: object) -> dict[str, object]:
    rule: dict[str, object] = {
        "id": "test-rule",
        "kind": "contempt",
        "description": "A test rule.",
        "suggestion": "Say it kindly.",
        "patterns": [[{"LOWER": "meh"}]],
    }
    rule.update(changes)
    return rule


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (good_rule(kind="rudeness"), "kind `rudeness` is not one of"),
        (good_rule(suggestion=""), "`suggestion` is required"),
        (good_rule(colour="red"), "unknown keys ['colour']"),
        (good_rule(patterns=None), "needs `patterns` or `dependency_patterns`"),
        (good_rule(span="word"), "span `word` is not one of"),
        (good_rule(patterns=[{"LOWER": "meh"}]), "must be a list of patterns"),
    ],
)
def test_a_bad_rule_is_named_in_one_line(
    tmp_path: Path, rule: dict[str, object], message: str
) -> None:
    with pytest.raises(ToneRulesError) as caught:
        tone.load_rules(write_rules(tmp_path, [rule]))
    assert message in str(caught.value)
    assert str(caught.value).startswith("rule test-rule")
    assert "\n" not in str(caught.value)


def test_a_pattern_spacy_rejects_is_named_with_a_hint(tmp_path: Path) -> None:
    # YAML reads an unquoted `no` as false: the classic mistake in a rules file.
    path = tmp_path / "rules.yml"
    path.write_text(
        "rules:\n  - {id: bare, kind: stonewalling, description: d, suggestion: s,\n"
        "     patterns: [[{LOWER: no}]]}\n"
    )
    book = tone.load_rules(path)
    with pytest.raises(ToneRulesError) as caught:
        ToneGuard(language.load(), book)
    assert str(caught.value).startswith("rule bare: a pattern is not valid")
    assert '"no"' in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unreadable_rules_files_give_one_line(tmp_path: Path) -> None:
    with pytest.raises(ToneRulesError, match="cannot read the tone rules"):
        tone.load_rules(tmp_path / "missing.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("rules: [\n  - {id: x\n")
    with pytest.raises(ToneRulesError, match="is not valid YAML at line"):
        tone.load_rules(broken)
    duplicate = write_rules(tmp_path, [good_rule(), good_rule()])
    with pytest.raises(ToneRulesError, match="the id is used twice"):
        tone.load_rules(duplicate)


def test_a_trainer_can_add_a_rule(tmp_path: Path) -> None:
    path = write_rules(tmp_path, [good_rule()])
    guard = ToneGuard(language.load(), tone.load_rules(path))
    verdict = guard.check("Meh, that bike.")
    assert [(finding.kind, finding.span) for finding in verdict.findings] == [("contempt", "Meh")]
    assert guard.check("A lovely bike.").ok


@pytest.mark.parametrize(
    ("text", "has_next_step"),
    [
        ("Your bike is ready.", False),
        ("Your bike is ready. Anything else?", True),
        ("I'll text you when it's done.", True),
        ("A colleague will call you back today.", True),
        ("Just reply here any time.", True),
        ("There is nothing we can do.", False),
        ("We won't be able to help.", False),
    ],
)
def test_has_next_step(guard: ToneGuard, text: str, has_next_step: bool) -> None:
    assert guard.has_next_step(text) is has_next_step


@pytest.mark.parametrize(
    "text",
    [
        "We can't open on Sundays, sorry. Anything else?",
        "It's not our policy to refund shipping. Is there anything else I can help you with?",
        "We can't open on Sundays. Any other questions?",
    ],
)
def test_a_closing_question_after_a_refusal_leaves_no_way_forward(
    guard: ToneGuard, text: str
) -> None:
    """ "Anything else?" ends a chat; it offers nothing for what was refused."""
    assert "stonewalling" in guard.check(text).kinds


@pytest.mark.parametrize(
    "text",
    [
        "We can't open on Sundays, sorry. Would Saturday morning suit you instead?",
        "We can't open on Sundays, sorry, and I can book you in for Saturday. Anything else?",
        "Your bike is ready. Anything else?",
    ],
)
def test_a_refusal_with_a_real_next_step_beside_a_closing_question_is_fine(
    guard: ToneGuard, text: str
) -> None:
    assert "stonewalling" not in guard.check(text).kinds


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Frankly, that's ridiculous.", "contempt"),
        ("Did you even try turning it off and on?", "contempt"),
        ("Whatever.", "contempt"),
        ("It's not our policy to refund shipping.", "stonewalling"),
        ("We can't open on Sundays, sorry.", "stonewalling"),
    ],
)
def test_dismissive_and_policy_texts(guard: ToneGuard, text: str, kind: str) -> None:
    assert kind in guard.check(text).kinds


def test_whatever_inside_a_sentence_is_fine(guard: ToneGuard) -> None:
    assert guard.check("Whatever you need, just ask!").ok


@pytest.mark.parametrize(
    "text",
    [
        # What is there instead, said as a fact or already done, is a next step.
        "We can't hold tables past 8, but there's a bar area you can wait in.",
        "We can't give cash for vouchers; the balance can be moved to a new card.",
        "That size is sold out, but the medium is in stock.",
        "The morning class is full; the evening one still has places.",
        "We can't refund that, but I've added a credit to your account.",
        "We don't allow pets inside, but you're welcome to sit on the terrace.",
        "That date is fully booked. Here are the next free dates: 3, 5 and 9 May.",
        "We can't reserve machines, sorry; the quietest time is 2-4pm if that helps.",
        "We can't change that over chat. Tap the link in your email to do it.",
        "Unfortunately that model is discontinued; a good alternative is the 2025 version.",
        "You should have received a code by email.",
    ],
)
def test_refusals_with_a_way_forward_and_promises_pass(guard: ToneGuard, text: str) -> None:
    verdict = guard.check(text)
    assert verdict.ok, verdict.describe()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("We can't do that; there is no alternative.", "stonewalling"),
        ("We have reviewed your file and we can't help.", "stonewalling"),
        ("cant help sorry", "stonewalling"),
        ("Can't do that.", "stonewalling"),
        ("You should have checked the size.", "criticism"),
        ("Bold choice, riding that in the snow.", "sarcasm"),
        ("Washing it at ninety, what could possibly go wrong.", "sarcasm"),
        ("Thanks for teaching us how to bake bread.", "sarcasm"),
        ("We're thrilled you've discovered that the sale ended.", "sarcasm"),
        ("You've really outdone yourself this time.", "sarcasm"),
        ("People like you make this job hard.", "contempt"),
        ("Try reading the email a bit more carefully.", "contempt"),
        ("What did you think would happen?", "contempt"),
    ],
)
def test_phrasings_of_the_weak_kinds_are_found(guard: ToneGuard, text: str, kind: str) -> None:
    assert kind in guard.check(text).kinds, guard.check(text).describe()


@pytest.mark.parametrize(
    "text",
    [
        "Can't wait to see you!",
        "Thanks for telling us how the ride went.",
        "We're glad you found the clinic useful.",
        "Congratulations on finding your dream home!",
        "Have a read, and take a closer look at the photos if you like.",
    ],
)
def test_kind_sentences_with_the_same_words_pass(guard: ToneGuard, text: str) -> None:
    verdict = guard.check(text)
    assert verdict.ok, verdict.describe()
