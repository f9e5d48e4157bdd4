"""A customer corrects or forgets one fact in their own words."""

from __future__ import annotations

import pytest

from memory.corrections import FactChange, name_put_right, read_change


@pytest.mark.parametrize(
    ("text", "change"),
    [
        ("no, my bike is a Trek", FactChange("bike", "", "Trek")),
        (
            "my bike is actually a Cannondale Topstone",
            FactChange("bike", "", "Cannondale Topstone"),
        ),
        ("No my bike's a Giant Revolt, not a Synapse", FactChange("bike", "", "Giant Revolt")),
        ("actually I ride a Specialized Sirrus now", FactChange("bike", "", "Specialized Sirrus")),
        ("that's wrong, my name is Sam", FactChange("name", "", "Sam")),
        ("please call me Alex", FactChange("name", "", "Alex")),
        # Said after the bike, without "my": the name, not everything after "it's".
        ("It's a Trek Marlin, name is Tom Briggs", FactChange("name", "", "Tom Briggs")),
        (
            "my goal is to ride the Dragon Ride",
            FactChange("aspiration", "", "to ride the Dragon Ride"),
        ),
        ("my frame size is 56cm", FactChange("size", "frame", "56cm")),
    ],
)
def test_a_correction_names_the_fact_and_its_new_value(text: str, change: FactChange) -> None:
    assert read_change(text, forget=False) == change


@pytest.mark.parametrize(
    ("text", "change"),
    [
        ("forget my bike", FactChange("bike")),
        ("please delete my bike from your memory", FactChange("bike")),
        ("can you forget my goal", FactChange("aspiration")),
        ("don't remember my name", FactChange("name")),
        ("remove my shoe size", FactChange("size", "shoe")),
    ],
)
def test_forgetting_names_one_kind_of_fact(text: str, change: FactChange) -> None:
    assert read_change(text, forget=True) == change


@pytest.mark.parametrize(
    "text",
    [
        "that's wrong",
        "no that's not right",
        "my bike is",
        # What follows "it's" is no name: nothing is put right rather than a wrong name.
        "it's the wrong name, the one on my booking is 2 letters off",
    ],
)
def test_nothing_is_guessed_when_the_customer_names_no_fact(text: str) -> None:
    assert read_change(text, forget=False) is None


@pytest.mark.parametrize(
    "text", ["no it's Jo not Joe", "its Jo not Joe", "no, Jo, not Joe", "Jo not Joe!"]
)
def test_a_name_said_against_the_name_held_corrects_it(text: str) -> None:
    assert name_put_right(text, "Joe") == FactChange("name", "", "Jo")


@pytest.mark.parametrize(
    ("text", "name"),
    [("road not gravel", "Joe"), ("no it's Jo not Joe", None), ("Joe not Jo", "Joe")],
)
def test_no_name_is_corrected_unless_the_word_replaced_is_the_name_held(
    text: str, name: str | None
) -> None:
    assert name_put_right(text, name) is None
