"""Similar messages are grouped by text similarity (rapidfuzz), largest group first."""

from __future__ import annotations

from bot.review.grouping import group, normalise


def test_similar_messages_share_a_group_and_the_largest_comes_first() -> None:
    said = [
        "hello",
        "wheres my order <reference>",
        "do u sell unicycles",
        "Do you sell unicycles?",
        "unicycles, do you sell them",
        "where is my order <reference> pls",
    ]
    groups = group(said, lambda text: text)
    assert groups == [
        ["do u sell unicycles", "Do you sell unicycles?", "unicycles, do you sell them"],
        ["wheres my order <reference>", "where is my order <reference> pls"],
        ["hello"],
    ]


def test_a_stricter_threshold_splits_groups() -> None:
    said = ["do u sell unicycles", "do you sell unicycles"]
    assert len(group(said, lambda text: text, threshold=100)) == 2
    assert len(group(said, lambda text: text, threshold=70)) == 1


def test_nothing_to_group() -> None:
    assert group([], lambda text: text) == []


def test_normalise_keeps_the_placeholders() -> None:
    assert normalise("Email: <email>!!  OK?") == "email <email> ok"
