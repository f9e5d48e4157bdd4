"""The memory remembers right: a name said in passing is the customer's name, someone else's
name or a staff name never is, and a bike is kept only when the customer says it is theirs and
the words name a bike (a make, a model or a kind), never a part, a fault or a thanks. Real
spaCy pipeline, the sample shop's words."""

from __future__ import annotations

import pytest

from memory.facts import (
    FactExtractor,
    FactWords,
    facts_from_slots,
    names_a_bike,
    names_the_customer,
)


@pytest.fixture(scope="module")
def extractor(fact_words: FactWords) -> FactExtractor:
    return FactExtractor(words=fact_words)


def kept(extractor: FactExtractor, text: str, kind: str) -> list[str]:
    return [fact.value for fact in extractor.extract(text) if fact.kind == kind]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Dave here", "Dave"),
        ("it's Sarah", "Sarah"),
        ("I'm Dave btw", "Dave"),
        ("name's Sarah", "Sarah"),
        ("hi, Priya here, is my repair ready?", "Priya"),
        ("hello it's Marcus again", "Marcus"),
        ("morning! this is Hannah", "Hannah"),
        ("hiya, Dave here - got a Boardman hybrid that's making a clicking noise", "Dave"),
    ],
)
def test_a_name_said_in_passing_is_remembered(
    extractor: FactExtractor, text: str, name: str
) -> None:
    assert kept(extractor, text, "name") == [name]


@pytest.mark.parametrize(
    "text",
    [
        "my son Tom needs a new bike",
        "is Sarah in today?",
        "is Tom here today?",
        "can I speak to Dave please",
        "my daughter's name is Lily",
        "is it Sarah who does the fittings?",
        "I'm Dave's wife, he dropped his bike off",
        "it's Tuesday, are you open?",
        "what's your name?",
    ],
)
def test_someone_else_s_name_is_never_the_customer_s(extractor: FactExtractor, text: str) -> None:
    assert kept(extractor, text, "name") == []


@pytest.mark.parametrize(
    ("text", "bike"),
    [
        ("hiya, Dave here - got a Boardman hybrid that's making a noise", "Boardman hybrid"),
        ("my bike is a Giant Defy", "Giant Defy"),
        ("my hybrid needs a service", "hybrid"),
        ("my old Raleigh has a flat", "old Raleigh"),
        ("I've got a Brompton that I commute on", "Brompton"),
        # What follows a comma describes the bike; it is not its name (tried by an agent).
        ("I ride a Specialized Diverge, mostly gravel at weekends", "Specialized Diverge"),
        ("my bike is a Giant Defy, the blue one", "Giant Defy"),
        ("I've got a Trek FX 3, use it for commuting", "Trek FX 3"),
    ],
)
def test_the_customer_s_bike_is_remembered(extractor: FactExtractor, text: str, bike: str) -> None:
    assert kept(extractor, text, "bike") == [bike]


@pytest.mark.parametrize(
    "text",
    [
        "thx",
        "back wheel is all buckled",
        "my back wheel is all buckled",
        "I have a buckled wheel",
        "my chain keeps falling off",
        "do you have a Trek in stock?",
        "can I test ride the Canyon?",
        "I'd like to test ride a Specialized",
        "I want to buy a gravel bike",
        "my new bike",
        "forget my Trek",
        "please forget my bike, the Trek",
        "forget that I ride a Brompton",
    ],
)
def test_a_part_a_fault_a_thanks_or_a_bike_asked_about_is_no_bike(
    extractor: FactExtractor, text: str
) -> None:
    assert extractor.extract(text) == []


@pytest.mark.parametrize(
    ("value", "bike"),
    [
        ("thx", False),
        ("back wheel is all buckled", False),
        ("ok", False),
        ("my bike", False),
        ("Boardman hybrid", True),
        ("dawes galaxy", True),
        ("old Raleigh", True),
        ("gravel bike", True),
    ],
)
def test_a_form_s_bike_is_kept_only_when_it_names_a_bike(
    fact_words: FactWords, value: str, bike: bool
) -> None:
    assert names_a_bike(value, fact_words, model=True) is bike
    found = facts_from_slots({"bike": value}, words=fact_words)
    assert [fact.value for fact in found] == ([value] if bike else [])


def test_the_shop_s_words_come_from_its_business_file(fact_words: FactWords) -> None:
    assert fact_words.bike_makes and fact_words.not_bikes and fact_words.bike_words
    assert "hybrid" in fact_words.bike_kinds  # a kind of bike of vocabulary.bike_kinds
    assert fact_words.styles["gravel"] == "gravel riding"  # vocabulary.riding
    assert fact_words.size_items["glove"] == "gloves"  # vocabulary.sizes
    # A shop without those sections (the café example) keeps no bike, style or size.
    none = FactExtractor(nlp=None, words=FactWords())
    assert none.words.bike_makes == frozenset() and not none.words.styles


@pytest.mark.parametrize(
    ("name", "message", "theirs"),
    [
        ("Tom", "it's for my son Tom", False),
        ("Sarah", "is Sarah in today?", False),
        ("Dave", "Dave here", True),
        ("Dave", "dave", True),
        ("Sarah", "hi, my name's Sarah", True),
        ("Sam", None, True),
    ],
)
def test_a_name_slot_filled_from_a_message_is_the_customer_s_only_when_said_so(
    extractor: FactExtractor, name: str, message: str | None, theirs: bool
) -> None:
    assert names_the_customer(name, message, extractor.extract) is theirs
