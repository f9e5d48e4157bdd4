"""How long a customer waits for a person (the words are domain responses, tone-checked with
the rest of the domain; tests/unit/console/test_handoff_action.py checks which one is said)."""

from __future__ import annotations

import pytest

from memory.handoffs import wait_estimate


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
