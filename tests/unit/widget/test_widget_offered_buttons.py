"""The widget channel notes the buttons of each message it sends (bot, agent or notice), so a
typed answer can act as the latest message's button without reading the conversation again."""

from __future__ import annotations

from typing import Any

from bot import typed_buttons
from bot.channel import WidgetConfig, WidgetHub

YES_NO = [{"title": "Yes please", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
YES = typed_buttons.PlainYes(frozenset({"yes"}), frozenset({"please"}))


class Sockets:
    """The little of python-socketio's server the hub's delivery uses: one connected room."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []
        self.manager = self

    def get_participants(self, namespace: str, room: str) -> list[str]:
        return ["sid-1"]

    async def emit(self, event: str, data: Any, **_: Any) -> None:
        self.sent.append((event, data))


def hub() -> WidgetHub:
    return WidgetHub(Sockets(), WidgetConfig(session_secret="s", identity_secret="i"))  # type: ignore[arg-type]


async def test_a_sent_message_with_buttons_is_what_a_typed_answer_presses() -> None:
    widget = hub()
    await widget.deliver("c1", {"text": "Shall I book it?", "buttons": YES_NO})
    assert await typed_buttons.as_pressed(widget.live, "c1", "Yes please", YES) == "/affirm"


async def test_an_agents_message_after_the_buttons_withdraws_them() -> None:
    widget = hub()
    await widget.deliver("c1", {"text": "Shall I book it?", "buttons": YES_NO})
    await widget.deliver("c1", {"text": "Hi, Sam here", "agent": "sam"})
    assert await typed_buttons.as_pressed(widget.live, "c1", "yes", YES) == "yes"


async def test_the_buttons_of_one_conversation_are_not_anothers() -> None:
    widget = hub()
    await widget.deliver("c1", {"text": "Shall I book it?", "buttons": YES_NO})
    assert await typed_buttons.as_pressed(widget.live, "c2", "yes", YES) == "yes"
    assert await typed_buttons.as_pressed(widget.live, "c1", "yes", YES) == "/affirm"
