"""Order and repair lookups without a number: the customer's own orders and chat bookings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from action_testkit import make_tracker, said
from personal_fakes import FakeMemory, card, use_memory
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import ActionOrderStatus, ActionRepairStatus
from actions.shop_records import RepairBookings
from bot.settings import Settings

DROP_OFF = dt.date(2026, 11, 27)


class RememberedSenders(FakeMemory):
    """Sam, known to the memory from an earlier conversation on another device."""

    def sender_ids(self, customer_id: int) -> list[str]:
        return ["web-sam-laptop", "web-sam-phone"]


def book(settings: Settings, conversation: str, bike: str, customer: str | None = None) -> str:
    return RepairBookings(settings.bookings_url).book(
        conversation, customer, bike, "brakes squeal", DROP_OFF
    )


async def ask(action: Any, intent: str, sender: str, slots: dict[str, Any] | None = None) -> Any:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent, "where is it?", slots=slots, sender_id=sender)
    await action.run(dispatcher, tracker, {})
    return dispatcher


async def test_a_signed_in_customer_hears_about_their_latest_order() -> None:
    dispatcher = await ask(ActionOrderStatus(), "order_status", "web-1", {"customer_id": "c-1001"})
    assert said(dispatcher) == ["utter_order_status_shipped"]
    assert dispatcher.messages[0]["order_id"] == "#A5521"  # placed 2 days ago, not 12


async def test_a_repair_booked_in_this_chat_is_found_without_its_reference(
    sample_shop: Settings,
) -> None:
    reference = book(sample_shop, "web-sam-phone", "Trek FX 3")
    dispatcher = await ask(ActionRepairStatus(), "repair_status", "web-sam-phone")
    assert said(dispatcher) == ["utter_repair_status_booked"]
    assert dispatcher.messages[0]["order_id"] == reference
    assert dispatcher.messages[0]["bike"] == "Trek FX 3"


async def test_a_signed_in_customer_finds_a_repair_booked_in_an_earlier_conversation(
    monkeypatch: pytest.MonkeyPatch, sample_shop: Settings
) -> None:
    # Sam booked on the laptop before signing in there; the memory linked that chat to Sam.
    use_memory(monkeypatch, RememberedSenders(card()))
    first = book(sample_shop, "web-sam-laptop", "Trek FX 3")
    latest = book(sample_shop, "web-sam-laptop", "Brompton")
    signed_in = {"customer_id": "c-2001"}  # verified, with no shop orders
    dispatcher = await ask(ActionRepairStatus(), "repair_status", "web-sam-phone", signed_in)
    # Both are still to come: both are listed, so that one booked twice can be cancelled.
    assert said(dispatcher) == ["utter_repair_bookings"]
    assert first in dispatcher.messages[0]["lines"] and latest in dispatcher.messages[0]["lines"]
    # "Where's my order?" from someone whose only order with us is that repair.
    order = await ask(ActionOrderStatus(), "order_status", "web-sam-phone", signed_in)
    assert said(order) == ["utter_repair_status_booked"]


async def test_an_anonymous_chat_does_not_inherit_the_bookings_of_a_linked_customer(
    monkeypatch: pytest.MonkeyPatch, sample_shop: Settings
) -> None:
    # The memory links this browser's chat to Sam (Sam once signed in on it); whoever uses it
    # now without signing in is not Sam as far as bookings go.
    use_memory(monkeypatch, RememberedSenders(card()))
    book(sample_shop, "web-sam-laptop", "Trek FX 3")
    dispatcher = await ask(ActionRepairStatus(), "repair_status", "web-sam-phone")
    assert said(dispatcher) == ["utter_ask_repair_number"]


async def test_someone_elses_booking_is_never_shown(sample_shop: Settings) -> None:
    book(sample_shop, "web-other", "Cannondale Synapse", customer="c-1002")
    dispatcher = await ask(ActionRepairStatus(), "repair_status", "web-sam-phone")
    assert said(dispatcher) == ["utter_ask_repair_number"]
    order = await ask(ActionOrderStatus(), "order_status", "web-sam-phone")
    assert said(order) == ["utter_ask_order_number"]
