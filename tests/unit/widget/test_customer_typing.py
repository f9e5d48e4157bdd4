"""The widget channel keeps when each conversation's customer last typed, for the console's
"customer is typing": it fades, a sent message clears it, and the memory of it is bounded."""

from __future__ import annotations

import pytest

from bot import channel
from bot.channel import WidgetConfig, WidgetHub


def _hub() -> WidgetHub:
    return WidgetHub(None, WidgetConfig(session_secret="s", identity_secret="i"))  # type: ignore[arg-type]


def test_typing_shows_then_fades(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(channel.time, "monotonic", lambda: now[0])
    hub = _hub()
    assert not hub.is_customer_typing("c1")
    hub.customer_typing("c1", True)
    assert hub.is_customer_typing("c1") and not hub.is_customer_typing("c2")
    now[0] += channel.CUSTOMER_TYPING_SECONDS + 0.1
    assert not hub.is_customer_typing("c1")


def test_a_stop_or_a_sent_message_clears_it() -> None:
    hub = _hub()
    hub.customer_typing("c1", True)
    hub.customer_typing("c1", False)
    assert not hub.is_customer_typing("c1")


def test_only_so_many_conversations_are_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channel, "MAX_TYPING_CONVERSATIONS", 3)
    hub = _hub()
    for n in range(5):
        hub.customer_typing(f"c{n}", True)
    assert list(hub.customer_typed) == ["c2", "c3", "c4"]
