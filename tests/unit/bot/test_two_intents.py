"""Two things in one message: the request wins over a pleasantry, a person over everything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import RequestChooser
from bot.two_intents import (
    ChoiceRules,
    choose,
    choose_from_parts,
    chosen_intent,
    small_talk_not_a_request,
)

ROOT = Path(__file__).resolve().parents[3]

RULES = ChoiceRules(
    person="request_human",
    pleasantries=frozenset({"greet", "thank", "goodbye"}),
    not_requests=frozenset({"inform", "out_of_scope"}),
    person_yields_to=frozenset({"bot_challenge"}),
    min_person=0.1,
    min_request=0.05,
)


def ranking(*pairs: tuple[str, float]) -> list[dict[str, Any]]:
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        # "thanks, do you sell helmets?": the request, though the pleasantry ranks first.
        ((("thank", 0.9), ("buy_product", 0.07), ("greet", 0.02)), "buy_product"),
        # "hi, where's my order": the first request in the ranking strong enough.
        ((("greet", 0.8), ("inform", 0.1), ("order_status", 0.06)), "order_status"),
        # "I need a person, my order never came": the person wins over the request.
        ((("order_status", 0.8), ("request_human", 0.15)), "request_human"),
        # ... and over a pleasantry.
        ((("thank", 0.7), ("buy_product", 0.2), ("request_human", 0.1)), "request_human"),
        # ... and over a message the classifier was unsure of.
        ((("nlu_fallback", 0.45), ("complain", 0.45), ("request_human", 0.4)), "request_human"),
        # A `+`-joined intent: its request part, or the person in it.
        ((("thank+buy_product", 0.9), ("thank", 0.05)), "buy_product"),
        ((("order_status+request_human", 0.9),), "request_human"),
        # Two pleasantries joined: the first, an intent the domain knows.
        ((("thank+greet", 0.9),), "thank"),
    ],
)
def test_the_request_is_chosen(pairs, expected) -> None:
    parse = {"intent": ranking(*pairs)[0], "intent_ranking": ranking(*pairs)}
    chosen = choose(parse, RULES)
    assert chosen["intent"]["name"] == expected
    assert chosen["intent_ranking"][0] == chosen["intent"]
    names = [entry["name"] for entry in chosen["intent_ranking"]]
    assert sorted(names) == sorted({*(name for name, _ in pairs), expected})


@pytest.mark.parametrize(
    "pairs",
    [
        # A pleasantry alone: nothing else is strong enough.
        (("thank", 0.95), ("buy_product", 0.03), ("request_human", 0.02)),
        # What follows a pleasantry is not a request.
        (("greet", 0.8), ("inform", 0.15), ("out_of_scope", 0.05)),
        # The request already leads.
        (("buy_product", 0.6), ("thank", 0.3)),
        (("request_human", 0.6), ("order_status", 0.3)),
        # "are you a real person?" is not a request for one.
        (("bot_challenge", 0.7), ("request_human", 0.25)),
        # A request second to another request is not chosen over it.
        (("order_status", 0.7), ("repair_status", 0.25)),
        # A fallback stays a fallback unless a person is asked for.
        (("nlu_fallback", 0.4), ("greet", 0.4), ("buy_product", 0.3)),
    ],
)
def test_the_ranking_stands(pairs) -> None:
    parse = {"intent": ranking(*pairs)[0], "intent_ranking": ranking(*pairs), "text": "x"}
    assert chosen_intent(ranking(*pairs), RULES) is None
    assert choose(parse, RULES) == parse


def test_parts_of_a_joined_intent() -> None:
    assert choose_from_parts(["greet", "order_status", "request_human"], RULES) == ("request_human")
    assert choose_from_parts(["thank", "inform"], RULES) == "thank"
    assert choose_from_parts([], RULES) is None


def test_a_joined_part_missing_from_the_ranking_takes_the_joined_confidence() -> None:
    chosen = choose({"intent_ranking": ranking(("greet+repair_status", 0.8))}, RULES)
    assert chosen["intent"] == {"name": "repair_status", "confidence": 0.8}


def test_the_component_puts_the_chosen_intent_first() -> None:
    chooser = RequestChooser(
        {
            **RequestChooser.get_default_config(),
            "pleasantries": ["thank"],
            "min_person": 0.1,
            "min_request": 0.05,
        }
    )
    message = Message(
        data={
            "text": "cheers, where's my order",
            "intent": {"name": "thank", "confidence": 0.9},
            "intent_ranking": ranking(("thank", 0.9), ("order_status", 0.08)),
        }
    )
    no_intent = Message(data={"text": "hi"})
    chooser.process([message, no_intent])
    assert message.get("intent") == {"name": "order_status", "confidence": 0.08}
    assert [entry["name"] for entry in message.get("intent_ranking")] == ["order_status", "thank"]
    assert no_intent.get("intent") is None


def test_the_configured_rules_name_domain_intents() -> None:
    """config.yml's chooser speaks of intents the domain has, and follows the fallback."""
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    names = [step["name"] for step in pipeline]
    config = pipeline[names.index("bot.nlu.RequestChooser")]
    assert names.index("bot.nlu.RequestChooser") > names.index("FallbackClassifier")
    rules = ChoiceRules.from_config({**RequestChooser.get_default_config(), **config})
    intents = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    named = {rules.person} | rules.pleasantries | rules.not_requests | rules.person_yields_to
    assert named <= intents
    assert rules.person not in rules.pleasantries | rules.not_requests


def test_over_a_fallback_a_person_must_be_read_surely() -> None:
    """ "about 50 days ago", answered to a form's question, fell back with a person at 0.22 (and
    an order at 0.21): the chat was handed over. Over a fallback, a person needs more."""
    unsure = ChoiceRules(**{**RULES.__dict__, "min_person_unsure": 0.3})
    answer = ranking(("nlu_fallback", 0.5), ("request_human", 0.22), ("order_status", 0.21))
    assert chosen_intent(answer, RULES) == "request_human"  # without the rule: handed over
    assert chosen_intent(answer, unsure) is None
    asked = ranking(("nlu_fallback", 0.5), ("request_human", 0.45), ("complain", 0.3))
    assert chosen_intent(asked, unsure) == "request_human"
    # Over an intent the classifier was sure of, the usual minimum stands.
    assert chosen_intent(ranking(("order_status", 0.8), ("request_human", 0.15)), unsure) == (
        "request_human"
    )


def test_the_shipped_config_asks_more_of_a_person_over_a_fallback() -> None:
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    [step] = [step for step in pipeline if step["name"] == "bot.nlu.RequestChooser"]
    rules = ChoiceRules.from_config(step)
    assert rules.min_person_unsure > rules.min_person


def test_a_complaint_behind_a_greeting_must_be_read_surely() -> None:
    """ "hey me again, still thinking about that bike" ranked a greeting first and a complaint
    at 0.17: the complaint won and the customer got an apology. A complaint or a booking behind
    a pleasantry needs its own, higher minimum; other requests keep the usual one."""
    careful = ChoiceRules(**{**RULES.__dict__, "min_request_for": {"complain": 0.3}})
    back_again = ranking(("greet", 0.61), ("complain", 0.17), ("inform", 0.06))
    assert chosen_intent(back_again, RULES) == "complain"  # without the rule: a complaint
    assert chosen_intent(back_again, careful) is None
    unhappy = ranking(("greet", 0.5), ("complain", 0.45))
    assert chosen_intent(unhappy, careful) == "complain"
    asking = ranking(("greet", 0.8), ("order_status", 0.1))
    assert chosen_intent(asking, careful) == "order_status"


@pytest.mark.parametrize(
    ("pairs", "small_talk"),
    [
        ((("request_human", 0.2), ("greet", 0.7)), True),  # a person chosen over a greeting
        ((("request_human", 0.3), ("out_of_scope", 0.6)), True),
        ((("request_human", 0.2), ("book_repair", 0.7)), False),  # a request, not small talk
        ((("request_human", 0.8), ("greet", 0.1)), False),  # a person asked for surely
        ((("greet", 0.9), ("request_human", 0.05)), False),  # a greeting, read as one
        ((("request_human", 1.0),), False),  # a button or a whole-message demand
    ],
)
def test_small_talk_with_a_person_only_guessed_at(pairs, small_talk: bool) -> None:
    parse = {"intent": ranking(*pairs)[0], "intent_ranking": ranking(*pairs)}
    assert small_talk_not_a_request(parse) is small_talk
