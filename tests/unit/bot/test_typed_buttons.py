"""A typed answer to the bot's own buttons acts as the button (bot.typed_buttons): a button's
title typed out, or a plain yes to a yes-or-no question, with the buttons the real domain and
business file give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.typed_buttons import latest_buttons, pressed, says_plain_yes

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = yaml.safe_load((ROOT / "business.yml").read_text(encoding="utf-8"))["templates"]
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]

# The fallback ladder's "Are you asking about our ...?" buttons (actions/fallback.py).
DID_YOU_MEAN = [
    {"title": TEMPLATES["did_you_mean_yes"], "payload": "/ask_repair_price"},
    {"title": TEMPLATES["did_you_mean_no"], "payload": "/deny"},
]
OFFER_PERSON = RESPONSES["utter_fallback_offer_person"][0]["buttons"]
SOUNDS_WRONG = RESPONSES["utter_fallback_sounds_wrong"][0]["buttons"]


@pytest.mark.parametrize(
    "text", ["yes", "Yep", "yes that's it", "Yes, that’s it!", "yeah go on", "ok pls", "sure thing"]
)
def test_a_plain_yes_is_read_as_one(text: str) -> None:
    assert says_plain_yes(text) == (text != "sure thing")


@pytest.mark.parametrize(
    "text", ["yes but how much is it", "no", "yes i want a refund", "okay what time do you open"]
)
def test_a_yes_with_more_to_say_is_not_a_plain_yes(text: str) -> None:
    assert not says_plain_yes(text)


@pytest.mark.parametrize("text", ["yes that's it", "Yep", "yes pls"])
def test_a_typed_yes_to_are_you_asking_about_acts_as_its_yes_button(text: str) -> None:
    assert pressed(DID_YOU_MEAN, text) == "/ask_repair_price"


def test_a_typed_yes_to_the_offer_of_a_person_brings_one() -> None:
    assert pressed(OFFER_PERSON, "yes please") == "/request_human"


def test_a_typed_title_acts_as_its_button() -> None:
    [title, payload] = SOUNDS_WRONG[1]["title"], SOUNDS_WRONG[1]["payload"]
    assert pressed(SOUNDS_WRONG, title.lower() + ".") == payload
    assert pressed(DID_YOU_MEAN, TEMPLATES["did_you_mean_no"]) == "/deny"


def test_anything_else_reaches_the_bot_as_typed() -> None:
    assert pressed(DID_YOU_MEAN, "yes but how much is it") is None
    assert pressed(SOUNDS_WRONG, "yes") is None  # three buttons: which one a yes means is unclear
    assert pressed([], "yes") is None
    assert pressed(DID_YOU_MEAN, "/request_human") is None  # never a command from the text


def bot(buttons: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"event": "bot", "text": "...", "data": {"buttons": buttons or []}}


def test_only_the_buttons_of_the_bots_latest_message_count() -> None:
    user = {"event": "user", "text": "hi"}
    listen = {"event": "action", "name": "action_listen"}
    assert latest_buttons([user, bot(DID_YOU_MEAN), listen]) == DID_YOU_MEAN
    assert latest_buttons([bot(DID_YOU_MEAN), bot()]) == []
    assert latest_buttons([bot(DID_YOU_MEAN), user]) == []
