"""A repair booked in one widget chat is private to it: the real Rasa server, action server and
bookings database (SQLite), driven by socket.io clients the way two customers' browsers would.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from rapport_widget_server import WidgetServer
from test_widget_channel import Widget

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# How long a reply may go quiet before the bot has said all it will say to one message.
QUIET_SECONDS = 3.0


async def replies(widget: Widget, text: str) -> str:
    """Everything the bot says to `text`, as one text (button titles in brackets)."""
    first = await widget.say(text)
    said = [first] + [
        data for name, data in await widget.drain(QUIET_SECONDS) if name == "bot_uttered"
    ]
    parts = []
    for message in said:
        parts.append(str(message.get("text") or ""))
        parts += [f"[{button.get('title')}]" for button in message.get("quick_replies") or []]
        parts += [f"[{button.get('title')}]" for button in message.get("buttons") or []]
    return "\n".join(parts)


async def customer(widget_server: WidgetServer, opened: list[Widget]) -> Widget:
    widget = Widget(widget_server.url)
    await widget.connect()
    opened.append(widget)
    await widget.start_session()
    return widget


async def book_a_repair(widget: Widget) -> str:
    """Books a repair through the repair form; the reference the bot gives."""
    await replies(widget, "I'd like to book a repair")
    await replies(widget, "my Trek FX 3")
    await replies(widget, "the brakes squeal badly")
    booked = await replies(widget, "Thursday")
    if "Your reference is" not in booked:  # a closed day: take the day offered instead
        booked = await replies(widget, "yes")
    found = re.search(r"Your reference is (\S+?)\.", booked)
    assert found, booked
    return found.group(1)


@pytest.fixture
async def opened() -> Any:
    widgets: list[Widget] = []
    yield widgets
    await asyncio.gather(*(widget.close() for widget in widgets))


async def test_a_repair_booked_in_one_chat_is_shown_there_and_nowhere_else(
    widget_server: WidgetServer, opened: list[Widget]
) -> None:
    owner = await customer(widget_server, opened)
    reference = await book_a_repair(owner)

    stranger = await customer(widget_server, opened)
    answer = await replies(stranger, f"is my repair {reference} ready yet?")
    assert "Trek FX 3" not in answer and "booked in for" not in answer, answer
    # The same words as for a reference nobody has: nothing says whether it exists.
    unknown = await replies(
        await customer(widget_server, opened), "is my repair R-2345WXYZ ready yet?"
    )
    assert answer.replace(reference, "REF") == unknown.replace("R-2345WXYZ", "REF")

    mine = await replies(owner, f"is my repair {reference} ready yet?")
    assert "Trek FX 3" in mine and reference in mine, mine


async def test_two_bookings_get_references_that_do_not_follow_each_other(
    widget_server: WidgetServer, opened: list[Widget]
) -> None:
    first = await book_a_repair(await customer(widget_server, opened))
    second = await book_a_repair(await customer(widget_server, opened))
    assert first != second
    for reference in (first, second):
        assert re.fullmatch(r"R-[2-9A-HJKMNP-Z]{8}", reference), reference
