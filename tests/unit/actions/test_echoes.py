"""What forms repeat back is the customer's problem, never their asides or a defensive phrase."""

from __future__ import annotations

from typing import Any

import pytest
from action_testkit import make_tracker

from actions.forms import ValidateRepairForm, ValidateReturnForm
from voice import tone
from voice.echo import trim_echo

DEFENSIVE = "like I said, the gears keep slipping, obviously, and it's not my fault"


@pytest.mark.parametrize(
    ("said", "echo"),
    [
        ("Like I said, the gears keep slipping!", "the gears keep slipping"),
        ("the gears keep slipping, like I said before. So annoying", "the gears keep slipping"),
        ("well the problem is that my brakes squeal, thanks", "my brakes squeal"),
        ("for the third time, the chain falls off and it's not my fault", "the chain falls off"),
        ("puncture", "puncture"),
    ],
)
def test_an_echo_is_trimmed_to_the_problem(said: str, echo: str) -> None:
    assert trim_echo(said) == echo


@pytest.mark.parametrize(
    ("form", "slot", "validate"),
    [
        ("repair_form", "repair_problem", ValidateRepairForm().validate_repair_problem),
        ("return_form", "return_reason", ValidateReturnForm().validate_return_reason),
    ],
)
async def test_every_form_that_echoes_text_keeps_no_defensive_phrase(
    dispatcher: Any, form: str, slot: str, validate: Any
) -> None:
    tracker = make_tracker("inform", DEFENSIVE, slots={"requested_slot": slot}, active_loop=form)
    result = await validate(DEFENSIVE, dispatcher, tracker, {})
    echo = result[slot]
    assert echo == "the gears keep slipping"
    assert "said" not in echo and "fault" not in echo and "obviously" not in echo
    assert tone.build_rules_guard().check(f"Your bike is booked in for: {echo}.").ok
