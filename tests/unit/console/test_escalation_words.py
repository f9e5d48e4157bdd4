"""What escalation tells the customer: honest, with a next step, and clean by the tone guard."""

from __future__ import annotations

import pytest

from memory.handoffs import customer_message, wait_estimate


@pytest.mark.parametrize(
    ("position", "handle", "agents", "minutes"),
    [
        (1, 6.0, 1, 6),
        (3, 6.0, 1, 18),
        (3, 6.0, 2, 9),
        (1, 0.2, 1, 1),
        (0, 6.0, 1, 0),
        (2, 5, 0, 10),
    ],
)
def test_wait_is_position_times_handle_time_shared_by_agents(
    position: int, handle: float, agents: int, minutes: int
) -> None:
    assert wait_estimate(position, handle, agents) == minutes


def test_the_messages_say_what_happens_next() -> None:
    assert "you're next" in customer_message(1, 6, None)
    assert "about 1 minute." in customer_message(1, 1, None)
    queued = customer_message(4, 24, None)
    assert "number 4 in line" in queued and "24 minutes" in queued
    offline = customer_message(1, None, "tomorrow from 9:00")
    assert "take a message" in offline and "tomorrow from 9:00" in offline
    assert "email or phone" in offline


@pytest.mark.slow
def test_the_messages_pass_the_tone_guard() -> None:
    from voice import tone

    guard = tone.guard()
    for text in (
        customer_message(1, 6, None),
        customer_message(3, 18, None),
        customer_message(1, None, "on Monday from 9:00"),
    ):
        verdict = guard.check(text)
        assert verdict.ok, verdict.as_dict()
