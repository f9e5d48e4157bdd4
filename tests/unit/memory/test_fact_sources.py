"""Only what the customer gave is a fact: the session's display copies are not."""

from __future__ import annotations

from memory.facts import facts_from_slots


def test_the_sessions_shortened_copy_of_a_goal_is_not_stored_as_a_new_goal() -> None:
    # action_session_start fills `aspiration` with a stored goal, cut to fit a greeting.
    assert facts_from_slots({"aspiration": "ride the whole of the gravel century route in…"}) == []


def test_a_form_answer_is_a_fact() -> None:
    [fact] = facts_from_slots({"riding_goal": "ride a gravel century"})
    assert (fact.kind, fact.value, fact.confidence) == ("aspiration", "ride a gravel century", 1.0)
