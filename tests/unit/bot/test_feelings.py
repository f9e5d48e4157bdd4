"""The feeling check with the real VADER lexicon and the markers of config.yml (no mocks).

The messages here are the issue's examples and others written for these tests; the held-out
list, tests/nlu/feelings.yml, is scored on a trained model by `python -m bench.feelings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from bot.feelings import FEELING, FeelingCheck, FeelingReader

ROOT = Path(__file__).resolve().parents[3]


def check_config() -> dict[str, Any]:
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    [step] = [step for step in pipeline if step["name"] == "bot.feelings.FeelingCheck"]
    return {**FeelingCheck.get_default_config(), **step}


@pytest.fixture(scope="module")
def reader() -> FeelingReader:
    return FeelingReader.from_config(check_config())


@pytest.fixture(scope="module")
def check() -> FeelingCheck:
    return FeelingCheck(check_config())


NEGATIVE = [
    "great, the brakes are squealing AGAIN after your 'repair'",
    "thanks for nothing",
    "love waiting 3 weeks for a bell lol",
    "cheers mate, really appreciate being left on hold for ages",
    "oh fab, the tube you sold me has gone down again",
    "excellent work losing my bike",
    "thanks, it's still broken",
    "yeah right, like that's ever going to happen 🙄",
    "super helpful as always /s",
    "hello, your website charged me twice and i'm furious",
    "hey it's happening again, the clicking",
    "hi, it's me, the chain has gone again",
]

POSITIVE = [
    "thanks, that's brilliant",
    "love the new bell lol",
    "cheers, the brakes are silent now",
    "hi, hope you're having a good day",
    "yes that's perfect",
    "thanks again!",
    "see you again soon",
    "hiya, me again",
    "hello again!",
    "hi it's me again",
    "hello, it is me again",
    "hi it's Dave again",
    "its us again, the tandem couple",
    "bye, will definitely shop here again",
    "ta, bye",
    "yes please",
    "ok",
    "yes i'm still interested",
    "thank you, you've been really helpful",
]


@pytest.mark.parametrize("text", NEGATIVE)
def test_negative_feeling_is_read_whatever_the_words(reader: FeelingReader, text: str) -> None:
    feeling = reader.read(text)
    assert feeling.negative, f"{text!r} read as not negative (VADER {feeling.compound:.2f})"
    assert feeling.reasons


@pytest.mark.parametrize("text", POSITIVE)
def test_genuine_thanks_praise_and_yes_are_left_alone(reader: FeelingReader, text: str) -> None:
    feeling = reader.read(text)
    assert not feeling.negative, f"{text!r} read as negative: {feeling.reasons}"


def test_vader_alone_misses_sarcasm_so_the_markers_are_needed(reader: FeelingReader) -> None:
    """The reason for the markers: VADER scores these sarcastic complaints positive."""
    text = "great, the brakes are squealing AGAIN after your 'repair'"
    assert reader.score(text) > 0
    assert any(reason.startswith("sarcasm") for reason in reader.read(text).reasons)
    assert any(reason.startswith("trouble") for reason in reader.read(text).reasons)


def test_a_negative_part_is_not_hidden_by_a_thanks_in_front(reader: FeelingReader) -> None:
    assert reader.parts("thanks, but the wheel is useless") == ["thanks", "the wheel is useless"]
    feeling = reader.read("thanks, but the wheel is useless")
    assert any(reason.startswith("negative part") for reason in feeling.reasons)


def test_a_problem_word_in_a_positive_part_is_not_trouble(reader: FeelingReader) -> None:
    assert not reader.read("it rides beautifully again").negative
    assert reader.read("it's rattling again").negative


@pytest.mark.parametrize(
    "text",
    [
        "hiya, me again - still weighing up that hybrid from earlier",
        "hello again, still thinking about the gravel bike",
        "hi, i'm still deciding between the two helmets",
        "hey, still looking at lights for my commute",
    ],
)
def test_a_customer_still_deciding_is_not_a_problem_that_came_back(
    check: FeelingCheck, text: str
) -> None:
    found = message(text, "greet")
    check.check(found)
    assert found.get("intent")["name"] == "greet", found.get(FEELING)


def test_a_fault_still_happening_is_still_trouble(reader: FeelingReader) -> None:
    assert reader.read("the chain is still slipping").negative
    assert reader.read("hi, my gears are still clicking").negative


def message(text: str, intent: str, confidence: float = 0.9) -> Message:
    ranking = [{"name": intent, "confidence": confidence}, {"name": "complain", "confidence": 0.05}]
    found = Message(data={"text": text})
    found.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    found.set("intent_ranking", ranking, add_to_output=True)
    return found


@pytest.mark.parametrize("intent", ["thank", "praise", "greet", "goodbye"])
def test_a_cheerful_intent_with_negative_feeling_becomes_a_complaint(
    check: FeelingCheck, intent: str
) -> None:
    [checked] = check.process([message("thanks for nothing", intent, 0.93)])
    assert checked.get("intent") == {"name": "complain", "confidence": 0.93}
    ranking = checked.get("intent_ranking")
    assert ranking[0] == {"name": "complain", "confidence": 0.93}
    assert [entry["name"] for entry in ranking].count("complain") == 1
    assert checked.get(FEELING)["intent_was"] == intent
    assert checked.get(FEELING)["negative"] is True
    # What the Rasa server keeps as the parse data.
    assert checked.as_dict(only_output_properties=True)["intent"]["name"] == "complain"
    assert FEELING in checked.as_dict(only_output_properties=True)


def test_genuine_thanks_keeps_its_intent(check: FeelingCheck) -> None:
    [checked] = check.process([message("cheers, that sorted it, you're stars", "thank")])
    assert checked.get("intent")["name"] == "thank"
    assert checked.get(FEELING)["negative"] is False


@pytest.mark.parametrize("intent", ["order_status", "book_repair"])
def test_other_intents_are_not_touched(check: FeelingCheck, intent: str) -> None:
    """A request in an angry voice is still that request; an unsure guess still falls back."""
    [checked] = check.process([message("my parcel is late AGAIN, useless", intent)])
    assert checked.get("intent")["name"] == intent
    assert checked.get(FEELING) is None


def test_a_complaint_keeps_its_intent_and_has_its_feeling_read(check: FeelingCheck) -> None:
    """A complaint needs a negative feeling or a fault (actions/complaints.py): the check reads
    the feeling of a message read as a complaint and never changes its intent."""
    [angry] = check.process([message("my parcel is late AGAIN, useless", "complain")])
    assert angry.get("intent")["name"] == "complain"
    assert angry.get(FEELING)["negative"] is True
    [pleased] = check.process([message("I had my test ride and loved it", "complain")])
    assert pleased.get("intent")["name"] == "complain"
    assert pleased.get(FEELING)["negative"] is False


def test_the_check_watches_the_cheerful_intents_of_the_domain() -> None:
    config = check_config()
    intents = set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])
    assert set(config["intents"]) <= intents
    assert config["complaint_intent"] in intents
    assert {"thank", "praise", "greet"} <= set(config["intents"])


def test_a_yes_with_trouble_in_it_stays_a_yes_for_the_form_that_asked(check: FeelingCheck) -> None:
    [checked] = check.process([message("yes, and it's broken again", "affirm")])
    assert checked.get("intent")["name"] == "affirm"


def test_an_unsure_message_has_its_feeling_read_but_keeps_falling_back(check: FeelingCheck) -> None:
    [checked] = check.process([message("my parcel is late AGAIN, useless", "nlu_fallback")])
    assert checked.get("intent")["name"] == "nlu_fallback"
    assert checked.get(FEELING)["negative"] is True
    assert FEELING in checked.as_dict(only_output_properties=True)


SERIOUS = [
    ("I crashed because the wheel you trued came loose, I've hurt my wrist", "recommend_product"),
    ("no! I'm INJURED because of your repair. I want to speak to the manager", "request_human"),
    ("the brakes failed on the hill and I had an accident", "nlu_fallback"),
    ("hi, my lad came off, the forks you fitted are dangerous", "greet"),
    ("thanks, I've been injured twice on this bike now", "thank"),
]


@pytest.mark.parametrize(("text", "intent"), SERIOUS)
def test_serious_words_make_a_complaint_whatever_the_intent(
    check: FeelingCheck, text: str, intent: str
) -> None:
    """The business file's serious words (an injury, a crash, a lawyer) win over any intent,
    so the complaint protocol answers and a person is brought in at once."""
    [checked] = check.process([message(text, intent, 0.97)])
    assert checked.get("intent")["name"] == "complain"
    assert checked.get("intent_ranking")[0]["name"] == "complain"
    assert checked.get(FEELING)["serious"] is True
    assert checked.get(FEELING)["intent_was"] == intent


def test_an_ache_from_riding_keeps_its_intent(check: FeelingCheck) -> None:
    """A comfort question that names a pain is a fit question, not a serious complaint."""
    text = "my back hurts on my current bike"
    [checked] = check.process([message(text, "product_recommendation", 0.9)])
    assert checked.get("intent")["name"] == "product_recommendation"
    assert (checked.get(FEELING) or {}).get("serious") is not True


def test_the_serious_words_are_the_business_files(check: FeelingCheck) -> None:
    from bot.settings import ROOT as PROJECT
    from voice import business

    words = business.load(PROJECT / "business.yml").say_yes_rules().complaints.serious_words
    assert set(check.serious.serious_words) == set(words)
    [kept] = check.process([message("do you sell pads for the van?", "product_info")])
    assert kept.get("intent")["name"] == "product_info"
    assert kept.get(FEELING) is None
