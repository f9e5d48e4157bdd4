"""The card's reasons read in the business file's words: codes and numbers from the relationship
rules, the sentences from templates (the shipped file's, and an in-test one's)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from bot.console.reasons import reason_lines, reason_words
from memory.rules import Reason, RelationshipInputs, RelationshipRules, Tally, assess
from voice.business import load

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


def test_the_shipped_words_read_the_stage_and_every_risk() -> None:
    shop = load(ROOT / "business.yml")
    inputs = RelationshipInputs(
        visits=3,
        tally=Tally(0.0, 10.0, NOW),
        open_complaints=2,
        not_understood_last_visit=3,
        last_seen=NOW,
    )
    reasons = assess(inputs, NOW, RelationshipRules()).reasons
    assert reason_lines(reasons, shop.templates, shop.wording) == [
        "acquainted: 3 visits",
        "at risk: balance -10.0 (costs outweigh benefits), 2 unresolved complaints "
        "and 3 messages not understood last visit",
    ]


def test_another_shop_words_them_its_own_way() -> None:
    words = {
        "reason_loyal": "fidèle ({visits}, solde {balance:+.0f})",
        "reason_visits_one": "{count} visite",
        "reason_visits_other": "{count} visites",
    }
    loyal = Reason("loyal", (("visits", 9), ("balance", 9.0)))
    assert reason_words(loyal, words) == "fidèle (9 visites, solde +9)"


def test_a_reason_without_words_shows_its_code_and_risks_stand_alone() -> None:
    reasons = [Reason("new", (("visits", 1),)), Reason("risk_rating", (("rating", 1),))]
    assert reason_lines(reasons, {}, None) == ["new", "risk_rating"]
    assert reason_words(Reason("new"), {"reason_new": "new: {visits}"}) == "new"
