"""A typed answer to the bot's own buttons acts as the button (bot.typed_buttons): a button's
title typed out, or a plain yes to a yes-or-no question, with the buttons the real domain and
business file give and the plain yes of the business file; the buttons are those the channel
noted when it sent the bot's latest message, and each customer message takes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.live_state import LocalLiveState
from bot.typed_buttons import PlainYes, as_pressed, buttons_of, offer, pressed
from voice.business import load

ROOT = Path(__file__).resolve().parents[3]
YES = PlainYes.of(load(ROOT / "business.yml"))
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
    assert YES.said(text) == (text != "sure thing")


@pytest.mark.parametrize(
    "text", ["yes but how much is it", "no", "yes i want a refund", "okay what time do you open"]
)
def test_a_yes_with_more_to_say_is_not_a_plain_yes(text: str) -> None:
    assert not YES.said(text)


@pytest.mark.parametrize("text", ["yes that's it", "Yep", "yes pls"])
def test_a_typed_yes_to_are_you_asking_about_acts_as_its_yes_button(text: str) -> None:
    assert pressed(DID_YOU_MEAN, text, YES) == "/ask_repair_price"


def test_a_typed_yes_to_the_offer_of_a_person_brings_one() -> None:
    assert pressed(OFFER_PERSON, "yes please", YES) == "/request_human"


def test_a_typed_title_acts_as_its_button() -> None:
    [title, payload] = SOUNDS_WRONG[1]["title"], SOUNDS_WRONG[1]["payload"]
    assert pressed(SOUNDS_WRONG, title.lower() + ".", YES) == payload
    assert pressed(DID_YOU_MEAN, TEMPLATES["did_you_mean_no"], YES) == "/deny"


def test_anything_else_reaches_the_bot_as_typed() -> None:
    assert pressed(DID_YOU_MEAN, "yes but how much is it", YES) is None
    # Three buttons: which one a yes means is unclear.
    assert pressed(SOUNDS_WRONG, "yes", YES) is None
    assert pressed([], "yes", YES) is None
    assert pressed(DID_YOU_MEAN, "/request_human", YES) is None  # never a command from the text


def test_the_words_of_a_plain_yes_come_from_the_business_file() -> None:
    cafe = PlainYes.of(load(ROOT / "examples" / "cafe" / "business.yml"))
    assert cafe.said("yes please") and not cafe.said("aye")  # not among the café's words
    assert YES.said("aye")
    other = PlainYes(frozenset({"oui"}), frozenset({"merci"}))
    assert pressed(DID_YOU_MEAN, "oui merci", other) == "/ask_repair_price"
    assert pressed(DID_YOU_MEAN, "yes", other) is None
    assert not PlainYes.of(None).said("yes")  # no business file: only titles act as buttons


# Offers whose buttons are not a yes and a /deny: "Shall I reserve it?", "Would you like that?"
RESERVE = RESPONSES["utter_product_in_stock"][0]["buttons"]
LOYALTY = RESPONSES["utter_loyalty_how_it_works"][0]["buttons"]
CANCEL = RESPONSES["utter_confirm_cancel_booking"][0]["buttons"]
HOURS = RESPONSES["utter_hours_open_now"][0]["buttons"]


@pytest.mark.parametrize("text", ["yes pls", "go on then", "yeah do it", "Yep!"])
@pytest.mark.parametrize("offer", [RESERVE, LOYALTY, CANCEL, OFFER_PERSON])
def test_a_typed_yes_takes_the_accepting_button_of_any_yes_or_no_offer(
    text: str, offer: list[dict[str, str]]
) -> None:
    assert pressed(offer, text, YES) == offer[0]["payload"]


@pytest.mark.parametrize("text", ["no", "nah thanks", "No thank you", "not now"])
def test_a_typed_no_takes_the_declining_button(text: str) -> None:
    assert pressed(CANCEL, text, YES) == "/deny"
    assert pressed(OFFER_PERSON, text, YES) == OFFER_PERSON[1]["payload"]
    # A second button that is another choice, not a no: the no reaches the bot as typed.
    assert pressed(RESERVE, text, YES) is None
    assert pressed(LOYALTY, text, YES) is None


def test_a_yes_or_no_to_two_choices_that_are_not_a_yes_and_a_no_is_as_typed() -> None:
    assert pressed(HOURS, "yes please", YES) is None
    assert pressed(HOURS, "no", YES) is None
    assert pressed(RESERVE, "no but how much is it", YES) is None


def test_the_words_of_a_plain_no_come_from_the_business_file() -> None:
    cafe = PlainYes.of(load(ROOT / "examples" / "cafe" / "business.yml"))
    assert cafe.said_no("nope thanks") and not cafe.said_no("not now")
    assert YES.said_no("not now") and not YES.said_no("no i want a refund")


# A complaint's remedies (business.yml's say_yes.kinds.complaint): two choices, no yes or no.
REMEDIES = [
    {"title": offer["label"], "payload": offer["payload"]}
    for offer in yaml.safe_load((ROOT / "business.yml").read_text(encoding="utf-8"))["say_yes"][
        "kinds"
    ]["complaint"]["alternatives"]["offer"]
]


@pytest.mark.parametrize("text", ["yes the free check please", "free check pls", "Yes, a check"])
def test_a_yes_that_names_one_choice_takes_it(text: str) -> None:
    [book] = [button["payload"] for button in REMEDIES if "check" in button["title"].lower()]
    assert pressed(REMEDIES, text, YES) == book


@pytest.mark.parametrize("text", ["yes please", "yes i want my money back", "it", "ok thanks"])
def test_a_yes_that_names_no_one_choice_is_as_typed(text: str) -> None:
    assert pressed(REMEDIES, text, YES) is None


def test_the_buttons_of_a_message_are_read_from_either_shape() -> None:
    rasa = {"text": "...", "buttons": DID_YOU_MEAN}
    widget = {"text": "...", "quick_replies": [{**DID_YOU_MEAN[0], "extra": 1}]}
    assert buttons_of(rasa) == DID_YOU_MEAN
    assert buttons_of(widget) == DID_YOU_MEAN[:1]
    assert buttons_of({"text": "..."}) == buttons_of(None) == []


async def test_a_typed_yes_presses_the_buttons_the_bot_offered_last() -> None:
    live = LocalLiveState()
    await offer(live, "c1", {"text": "Are you asking about repairs?", "buttons": DID_YOU_MEAN})
    await offer(live, "c2", {"text": "Hello!"})
    assert await as_pressed(live, "c1", "yep", YES) == "/ask_repair_price"
    assert await as_pressed(live, "c2", "yep", YES) == "yep"  # no buttons on c2's latest


async def test_a_customer_message_takes_the_buttons() -> None:
    live = LocalLiveState()
    await offer(live, "c1", {"text": "...", "buttons": DID_YOU_MEAN})
    assert await as_pressed(live, "c1", "what time do you open?", YES) == "what time do you open?"
    # The bot's answer to that had no buttons (or none was sent): a later yes is only words.
    assert await as_pressed(live, "c1", "yes", YES) == "yes"


async def test_a_later_message_without_buttons_withdraws_them() -> None:
    live = LocalLiveState()
    await offer(live, "c1", {"text": "...", "buttons": DID_YOU_MEAN})
    await offer(live, "c1", {"text": "Alex has joined"})  # an agent's notice, say
    assert await as_pressed(live, "c1", "yes", YES) == "yes"
    await offer(live, "c1", {"text": "...", "buttons": DID_YOU_MEAN})
    await offer(live, "c1", None)  # a turn with no bot message at all
    assert await as_pressed(live, "c1", "yes", YES) == "yes"


async def test_a_live_state_that_fails_leaves_the_message_as_typed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken(LocalLiveState):
        async def take_buttons(self, conversation_id: str) -> list[dict[str, Any]]:
            raise ConnectionError("down")

        async def offer_buttons(self, conversation_id: str, buttons: list[dict[str, Any]]) -> None:
            raise ConnectionError("down")

    live = Broken()
    await offer(live, "c1", {"text": "...", "buttons": DID_YOU_MEAN})
    assert await as_pressed(live, "c1", "yes", YES) == "yes"
    assert "buttons offered to c1 failed" in caplog.text


DONT_KNOW = RESPONSES["utter_fallback_dont_know"][0]["buttons"]


@pytest.mark.parametrize(
    "text", ["ok thanks", "Okay, thank you very much!", "ok cheers", "alright ta", "ok thx mate"]
)
def test_thanks_for_an_answer_takes_up_no_offer(text: str) -> None:
    # "ok thanks" to "... or I can bring someone in now. Shall I?" thanks the bot: no person.
    assert not YES.said(text)
    assert pressed(DONT_KNOW, text, YES) is None
    assert pressed(OFFER_PERSON, text, YES) is None


@pytest.mark.parametrize("text", ["ok", "yes thanks", "ok go on then", "ok please"])
def test_a_yes_with_or_without_thanks_is_still_a_yes(text: str) -> None:
    assert pressed(DONT_KNOW, text, YES) == "/request_human"
