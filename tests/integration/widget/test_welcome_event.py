"""The welcome a widget gets with its session: for a new chat the greeting and the main menu
(whose buttons the bot then takes as offered), and always who answers and when; a chat that
already has messages gets no second greeting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import widget_welcome
from voice import business

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SHOP = business.load(Path(__file__).resolve().parents[3] / "business.yml")


async def test_a_new_chat_is_greeted_with_the_menu_and_its_buttons_work(open_widget) -> None:
    widget = await open_widget()
    await widget.start_session()
    welcome = await widget.next("rapport_welcome")
    assert welcome["greeting"] == SHOP.templates[widget_welcome.GREETING]
    main = [item for item in SHOP.menu if item.main]
    assert [reply["title"] for reply in welcome["quick_replies"]] == [i.label for i in main]
    assert welcome["availability"]["state"] in {"team", "open", "away"}
    assert welcome["availability"]["text"]

    # The menu's payload is an offer: the bot takes the intent, not the words "/book_repair".
    book = next(r for r in welcome["quick_replies"] if r["payload"] == "/book_repair")
    reply = await widget.say_all(book["payload"])
    assert "Which bike" in reply, reply


async def test_a_chat_with_messages_gets_no_second_greeting(open_widget) -> None:
    first = await open_widget()
    token, _ = await first.start_session()
    await first.next("rapport_welcome")
    await first.say("hello")
    await first.close()

    again = await open_widget()
    _, history = await again.start_session(token)
    assert history, "the chat's messages come back"
    welcome = await again.next("rapport_welcome")
    assert welcome["greeting"] == "" and welcome["quick_replies"] == []
    assert welcome["availability"]["text"]
