"""A repair booked for "thx" or "back wheel is all buckled" (words that reached the bike
question but name no bike) books the repair without remembering them as the customer's bike."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from actions.orders import remember_bike
from memory.facts import FactWords


class FakeStore:
    def __init__(self) -> None:
        self.recorded: list[Any] = []
        self.customers = SimpleNamespace(customer_for_sender=lambda sender: 7)
        self.exchanges = SimpleNamespace(latest_customer_exchange=lambda sender: None)
        self.facts = SimpleNamespace(
            record_fact=lambda customer, fact, **kwargs: self.recorded.append(fact)
        )


@pytest.mark.parametrize(
    ("bike", "remembered"),
    [("thx", False), ("back wheel is all buckled", False), ("Boardman hybrid", True)],
)
def test_only_a_bike_is_remembered_from_a_booking(
    fact_words: FactWords, bike: str, remembered: bool
) -> None:
    store = FakeStore()
    assert remember_bike(store, "s1", bike, fact_words) is remembered
    assert [fact.value for fact in store.recorded] == ([bike] if remembered else [])
