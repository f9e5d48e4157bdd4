"""Forgetting through the real widget channel reaches every store and gives no points back."""

from __future__ import annotations

import asyncio
import re
import sqlite3

import pytest
from rapport_widget_server import WidgetServer
from widget_client import Widget

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def press(widget: Widget, reply: dict, title_word: str) -> dict:
    """Press the offered button whose title has `title_word` (its payload, as the widget sends)."""
    buttons = reply.get("quick_replies") or []
    chosen = next(b for b in buttons if title_word.lower() in b["title"].lower())
    return await widget.say(chosen["payload"])


def bookings_of(widget_server: WidgetServer, reference: str) -> int:
    path = widget_server.settings.bookings_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return int(
            db.execute(
                "SELECT count(*) FROM repair_bookings WHERE reference = ?", (reference,)
            ).fetchone()[0]
        )


async def test_forgetting_removes_the_repair_booked_in_that_chat(
    open_widget, widget_server: WidgetServer
) -> None:
    customer = await open_widget()
    await customer.start_session()
    await customer.say("I need to book a repair")
    await customer.say("my Trek FX 3")
    await customer.say("the brakes squeal badly")
    booked = await customer.say_all("Tuesday")
    found = re.search(r"\bR-[0-9A-Z]{8}\b", booked)
    assert found, booked
    reference = found.group(0)
    assert bookings_of(widget_server, reference) == 1

    confirm = await customer.say("forget me please")
    await press(customer, confirm, "forget")
    await customer.drain(2.0)
    assert bookings_of(widget_server, reference) == 0
    # The reference no longer answers, in that browser or any other.
    asked = await customer.say_all(f"where is my repair {reference}?")
    assert "Tuesday" not in asked and "Trek" not in asked


async def test_forgetting_a_signed_in_customer_gives_no_redeemed_points_back(
    open_widget, widget_server: WidgetServer
) -> None:
    customer_id = "c-1001"  # 320 points in the sample shop's records
    identity = {"id": customer_id, "signature": widget_server.sign(customer_id), "name": "Sam"}
    first = await open_widget()
    await first.start_session(customer=identity)
    redeemed = await first.say_all("I'd like to redeem a free puncture repair")
    assert "set aside" in redeemed, redeemed
    confirm = await first.say("forget me please")
    await press(first, confirm, "forget")
    await first.drain(2.0)
    await first.close()
    await asyncio.sleep(1.0)

    again = await open_widget()
    await again.start_session(customer=identity)
    balance = await again.say_all("how many loyalty points have I got?")
    assert "170" in balance and "320" not in balance, balance
