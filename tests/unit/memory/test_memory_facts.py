"""Fact extraction from customer messages (spaCy parse) and from form values."""

from __future__ import annotations

import pytest

from memory.facts import FactExtractor, facts_from_slots
from memory.records import ExtractedFact


@pytest.fixture(scope="module")
def extract(fact_words):
    extractor = FactExtractor(words=fact_words)
    return lambda text: [(fact.kind, fact.key, fact.value) for fact in extractor(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm Sarah", ("name", "", "Sarah")),
        ("my name is Sam Lee", ("name", "", "Sam Lee")),
        ("Hi, I am Priya and my bike is broken", ("name", "", "Priya")),
        ("call me Jo", ("name", "", "Jo")),
        ("I ride a Trek FX 3", ("bike", "", "Trek FX 3")),
        ("my gravel bike has a flat tyre", ("bike", "", "gravel bike")),
        ("I have a Specialized Allez", ("bike", "", "Specialized Allez")),
        ("I bought a Cannondale Topstone last year", ("bike", "", "Cannondale Topstone")),
        ("I'm a commuter and I ride a Brompton", ("bike", "", "Brompton")),
        ("I'm a commuter and I ride a Brompton", ("riding_style", "", "commuting")),
        ("I mostly ride gravel", ("riding_style", "", "gravel riding")),
        ("I commute to work every day", ("riding_style", "", "commuting")),
        ("I'm a mountain biker", ("riding_style", "", "mountain biking")),
        ("I love riding on trails", ("riding_style", "", "trail riding")),
        ("I love my Garmin Edge 530", ("favourite_product", "", "Garmin Edge 530")),
        (
            "my favourite saddle is the Brooks B17",
            ("favourite_product", "saddle", "Brooks B17"),
        ),
        ("I ride a 56 cm frame", ("size", "frame", "56 cm")),
        ("my frame size is 54", ("size", "frame", "54")),
        ("I wear a medium jersey", ("size", "jersey", "M")),
        ("I wear size 43 shoes", ("size", "shoe", "43")),
        ("I want to ride a century this summer", ("aspiration", "", "ride a century this summer")),
        ("dreaming of a bikepacking trip", ("aspiration", "", "bikepacking trip")),
        ("I'd love to ride the Alps one day", ("aspiration", "", "ride the Alps one day")),
        (
            "My goal is to finish the Tour of Flanders sportive",
            ("aspiration", "", "finish the Tour of Flanders sportive"),
        ),
        ("I'm training for a triathlon next spring", ("aspiration", "", "triathlon next spring")),
        # Said in passing, in a message the language model could not place (issue 14).
        ("my name's Dave btw, I ride a Trek FX 3 to work", ("name", "", "Dave")),
        ("my name's Dave btw, I ride a Trek FX 3 to work", ("bike", "", "Trek FX 3")),
        ("my name's Dave btw, I ride a Trek FX 3 to work", ("riding_style", "", "commuting")),
        ("I'm Dave", ("name", "", "Dave")),
        ("I cycle to school every day", ("riding_style", "", "commuting")),
    ],
)
def test_finds_the_fact(extract, text, expected):
    assert expected in extract(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'm tired",
        "I'm looking for a new helmet",
        "I'm in Boston",
        "I'm a Trek fan",
        "My name is not important",
        "I don't have a bike",
        "Do you have a Trek?",
        "my friend's bike is a Giant",
        "we ride road bikes",
        "I have 3 bikes",
        "my gears keep slipping on my new bike",  # how new, not which bike
        "I bought a new bike",
        "my old bike has a flat",
        "I want to buy a helmet",
        "I want to book a repair",
        "I'd like to book a service",
        "I don't want to ride in the rain",
        "I am not a racer",
        "Can I ride a 56 cm frame?",
        "I bought 2 jerseys",
        "I need 2 new tyres",
        "I love the shop",
        "my name's not important",
        "do you ride to work?",
        "where is my order?",
        "hello there",
        "/greet",
        "",
    ],
)
def test_states_nothing(extract, text):
    assert extract(text) == []


def test_only_the_customer_s_own_name(extract):
    kinds = [kind for kind, _key, _value in extract("my name is Sam Lee and I ride a Trek FX 3")]
    assert kinds == ["name", "bike"]


def test_form_values_become_facts():
    facts = facts_from_slots(
        {"customer_name": " Ana  Silva ", "frame_size": 54, "bike_model": "Kona Rove", "x": "y"}
    )
    assert facts == [
        ExtractedFact("name", "Ana Silva", confidence=1.0),
        ExtractedFact("size", "54", key="frame", confidence=1.0),
        ExtractedFact("bike", "Kona Rove", confidence=1.0),
    ]


def test_empty_and_structured_form_values_are_ignored():
    assert facts_from_slots({"customer_name": "", "bike": ["a", "b"], "name": None}) == []
