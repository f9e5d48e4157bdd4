"""The widget channel keeps when each conversation's customer last typed, for the console's
"customer is typing": it fades, a sent message clears it, and the memory of it is bounded."""

from __future__ import annotations

import pytest

from bot import live_state
from bot.channel import WidgetConfig, WidgetHub


def _hub() -> WidgetHub:
    return WidgetHub(None, WidgetConfig(session_secret="s", identity_secret="i"))  # type: ignore[arg-type]


async def test_typing_shows_then_fades(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(live_state.time, "monotonic", lambda: now[0])
    hub = _hub()
    assert not await hub.is_customer_typing("c1")
    await hub.customer_typing("c1", True)
    assert await hub.is_customer_typing("c1") and not await hub.is_customer_typing("c2")
    now[0] += live_state.CUSTOMER_TYPING_SECONDS + 0.1
    assert not await hub.is_customer_typing("c1")


async def test_a_stop_or_a_sent_message_clears_it() -> None:
    hub = _hub()
    await hub.customer_typing("c1", True)
    await hub.customer_typing("c1", False)
    assert not await hub.is_customer_typing("c1")


async def test_only_so_many_conversations_are_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_state, "MAX_PENDING_CONVERSATIONS", 3)
    hub = _hub()
    for n in range(5):
        await hub.customer_typing(f"c{n}", True)
    assert isinstance(hub.live, live_state.LocalLiveState)
    assert list(hub.live.typed) == ["c2", "c3", "c4"]
