"""Every answer that offers a person with a yes-or-no question carries a second button beside
the yes (a no, or another choice), so a typed yes ("yeah go on", "yes pls") to a yes-and-no pair
takes the offer as the button would (bot.typed_buttons)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.settings import ROOT
from bot.typed_buttons import PlainYes, pressed
from voice.business import load

YES = PlainYes.of(load(ROOT / "business.yml"))

# A question that offers a person and is answered with a yes or a no.
OFFER = re.compile(
    r"(?:Shall I bring (?:someone|them|in a person)[^?]*|Would you like (?:that|me to bring "
    r"someone in[^?]*|a person[^?]*))\?$"
)


def person_offers(domain: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    found = []
    for name, variants in domain["responses"].items():
        for variant in variants:
            text = str(variant.get("text") or "").strip()
            buttons = list(variant.get("buttons") or [])
            payloads = [button.get("payload") for button in buttons]
            if OFFER.search(text) and "/request_human" in payloads[:1] + payloads[-1:]:
                found.append((name, buttons))
    return found


def test_no_offer_of_a_person_has_its_yes_button_alone(domain: dict[str, Any]) -> None:
    offers = person_offers(domain)
    assert len(offers) >= 10
    assert [name for name, buttons in offers if len(buttons) < 2] == []


@pytest.mark.parametrize("typed", ["yeah go on", "yes pls", "yep"])
def test_a_typed_yes_to_a_yes_or_no_offer_of_a_person_takes_it(
    domain: dict[str, Any], typed: str
) -> None:
    yes_or_no = [
        (name, buttons)
        for name, buttons in person_offers(domain)
        if [button.get("payload") for button in buttons] == ["/request_human", "/deny"]
    ]
    assert len(yes_or_no) >= 10
    assert [
        name for name, buttons in yes_or_no if pressed(buttons, typed, YES) != "/request_human"
    ] == []
    for name, buttons in yes_or_no:
        assert pressed(buttons, buttons[-1]["title"], YES) == "/deny", name
