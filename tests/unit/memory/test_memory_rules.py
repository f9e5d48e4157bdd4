"""The relationship rules: decay, stages, the at-risk flag and their reasons."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from memory.rules import (
    Reason,
    RelationshipInputs,
    RelationshipRules,
    RulesError,
    Tally,
    assess,
    decay,
    satisfaction_trend,
)

NOW = datetime(2024, 6, 1, 12, 0)
RULES = RelationshipRules()


def tally(*signals: str, days_ago: float = 0) -> Tally:
    result = Tally()
    for signal in signals:
        result = result.add(signal, NOW - timedelta(days=days_ago), RULES)
    return result


def test_decay_halves_after_one_half_life():
    assert decay(8.0, NOW - timedelta(days=90), NOW, 90) == pytest.approx(4.0)
    assert decay(8.0, NOW, NOW, 90) == pytest.approx(8.0)


def test_tally_adds_benefits_and_costs_with_their_weights():
    result = tally("resolved", "remembered", "not_understood")
    assert result.benefit == pytest.approx(RULES.weight_resolved + RULES.weight_remembered)
    assert result.cost == pytest.approx(RULES.weight_not_understood)


def test_old_signals_count_less():
    old = tally("resolved", "resolved", days_ago=180).faded(NOW, RULES)
    fresh = tally("resolved", "resolved").faded(NOW, RULES)
    assert old[0] == pytest.approx(fresh[0] / 4)


def test_unknown_signal_is_refused():
    with pytest.raises(ValueError, match="unknown relationship signal"):
        Tally().add("bribe", NOW, RULES)


def test_first_visit_is_new():
    result = assess(RelationshipInputs(visits=1, last_seen=NOW), NOW, RULES)
    assert result.stage == "new"
    assert not result.at_risk
    assert result.reasons == (Reason("new", (("visits", 1),)),)


def test_second_visit_is_acquainted():
    assert assess(RelationshipInputs(visits=2), NOW, RULES).stage == "acquainted"


def test_regular_needs_visits_and_a_balance_that_is_not_negative():
    good = RelationshipInputs(visits=5, tally=tally("resolved"), last_seen=NOW)
    poor = RelationshipInputs(visits=5, tally=tally("not_understood"), last_seen=NOW)
    assert assess(good, NOW, RULES).stage == "regular"
    assert assess(poor, NOW, RULES).stage == "acquainted"


def test_loyal_needs_many_visits_and_a_strong_balance():
    inputs = RelationshipInputs(visits=9, tally=tally(*["resolved"] * 3), last_seen=NOW)
    result = assess(inputs, NOW, RULES)
    assert result.stage == "loyal"
    assert result.reasons[0] == Reason("loyal", (("visits", 9), ("balance", 9.0)))


def test_advocate_shares_ideas():
    base = dict(visits=12, tally=tally(*["resolved"] * 6), last_seen=NOW)
    assert assess(RelationshipInputs(**base), NOW, RULES).stage == "loyal"
    result = assess(RelationshipInputs(**base, ideas_shared=2), NOW, RULES)
    assert result.stage == "advocate"
    assert result.reasons[0].code == "advocate_ideas"
    assert result.reasons[0].values()["ideas"] == 2


def test_advocate_by_high_ratings():
    inputs = RelationshipInputs(
        visits=12, tally=tally(*["resolved"] * 6), last_seen=NOW, recent_ratings=(5, 5, 4)
    )
    assert assess(inputs, NOW, RULES).stage == "advocate"


def test_at_risk_lists_every_reason():
    inputs = RelationshipInputs(
        visits=3,
        tally=tally("complaint", "complaint"),
        open_complaints=2,
        open_issues=2,
        not_understood_last_visit=3,
        last_seen=NOW,
    )
    result = assess(inputs, NOW, RULES)
    assert result.at_risk
    assert result.reasons[1:] == (
        Reason("risk_balance", (("balance", -10.0),)),
        Reason("risk_complaints", (("complaints", 2),)),
        Reason("risk_not_understood", (("messages", 3),)),
    )
    assert all(reason.at_risk for reason in result.reasons[1:])
    assert not result.reasons[0].at_risk


def test_open_issues_cost_until_resolved():
    with_issue = assess(RelationshipInputs(visits=1, open_issues=1), NOW, RULES)
    assert with_issue.balance == -RULES.weight_open_issue


def test_overdue_promise_and_low_rating_put_at_risk():
    result = assess(
        RelationshipInputs(visits=2, overdue_promises=1, recent_ratings=(1, 5)), NOW, RULES
    )
    assert result.at_risk
    assert Reason("risk_overdue_promises", (("promises", 1),)) in result.reasons
    assert Reason("risk_rating", (("rating", 1),)) in result.reasons


def test_a_lapsed_regular_is_at_risk_but_a_lapsed_newcomer_is_not():
    long_ago = NOW - timedelta(days=200)
    regular = RelationshipInputs(visits=5, tally=Tally(10, 0, NOW), last_seen=long_ago)
    newcomer = RelationshipInputs(visits=1, last_seen=long_ago)
    assert assess(regular, NOW, RULES).reasons[-1] == Reason("risk_lapsed", (("days", 200),))
    assert not assess(newcomer, NOW, RULES).at_risk


def test_rules_from_settings_mapping():
    rules = RelationshipRules.from_mapping(
        {"RELATIONSHIP_HALF_LIFE_DAYS": "30", "RELATIONSHIP_LOYAL_VISITS": "6", "OTHER": "x"}
    )
    assert rules.half_life_days == 30.0
    assert rules.loyal_visits == 6
    assert isinstance(rules.loyal_visits, int)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"RELATIONSHIP_HALF_LIFE": "3"}, "not a relationship setting"),
        ({"RELATIONSHIP_LOYAL_VISITS": "many"}, "not a int"),
        ({"RELATIONSHIP_WEIGHT_REWARD": "-1"}, "must not be negative"),
        ({"RELATIONSHIP_HALF_LIFE_DAYS": "0"}, "more than 0"),
    ],
)
def test_bad_rule_settings_say_what_is_wrong(values, message):
    with pytest.raises(RulesError, match=message):
        RelationshipRules.from_mapping(values)


@pytest.mark.parametrize(
    ("ratings", "trend"),
    [((), "unknown"), ((4,), "steady"), ((5, 3, 3), "rising"), ((2, 4, 5), "falling")],
)
def test_satisfaction_trend(ratings, trend):
    assert satisfaction_trend(ratings) == trend
