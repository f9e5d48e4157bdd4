"""A new session keeps a slot only for a stated reason: working values never carry over."""

from __future__ import annotations

from typing import Any

from action_testkit import make_tracker

from actions import session

# Slots Rasa adds to every domain.
BUILT_IN = ("requested_slot", "session_started_metadata")


def _a_value(definition: dict[str, Any]) -> Any:
    kind = definition.get("type")
    return {"bool": True, "float": 1.0, "list": ["something"]}.get(kind, "something")


def test_every_slot_is_carried_only_with_a_reason(domain) -> None:
    slots = {name: _a_value(definition) for name, definition in domain["slots"].items()}
    slots.update({name: "something" for name in BUILT_IN})
    tracker = make_tracker("greet", slots=slots)
    carried = {event["name"] for event in session.carried_over(tracker, domain)}
    without_reason = sorted(name for name in carried if not session.CARRIED_OVER.get(name))
    assert without_reason == []
    assert carried == set(session.CARRIED_OVER)


def test_every_reason_names_a_slot_of_the_domain(domain) -> None:
    assert set(session.CARRIED_OVER) <= set(domain["slots"])
    assert all(len(reason.split()) >= 5 for reason in session.CARRIED_OVER.values())


def test_one_visits_number_or_product_never_reaches_the_next_visit(domain) -> None:
    # "about 50 days ago" left 50 in `product`; the next visit must not start with it.
    tracker = make_tracker(
        "greet", slots={"product": "50", "order_id": "A1234", "bike_type": "gravel"}
    )
    carried = {event["name"] for event in session.carried_over(tracker, domain)}
    assert carried.isdisjoint({"product", "order_id", "bike_type"})


def test_what_the_session_start_reads_from_memory_is_not_carried(domain) -> None:
    tracker = make_tracker(
        "greet", slots={"known_bike": "Trek FX 3", "open_issue": "brakes", "forgotten": True}
    )
    assert session.carried_over(tracker, domain) == []
