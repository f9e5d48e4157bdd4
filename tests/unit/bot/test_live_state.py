"""The one-process live state (no Redis): a kept message is delivered once, the queue is
capped, and an agent counts as gone only when their last live console closes."""

from __future__ import annotations

import pytest

from bot import live_state
from bot.live_state import LocalLiveState


async def test_kept_messages_are_handed_over_once_in_order() -> None:
    state = LocalLiveState()
    await state.keep("c1", {"id": "m1"})
    await state.keep("c1", {"id": "m2"})
    await state.keep("c2", {"id": "other"})
    assert [m["id"] for m in await state.take("c1")] == ["m1", "m2"]
    assert await state.take("c1") == []
    assert [m["id"] for m in await state.take("c2")] == ["other"]


async def test_a_conversation_keeps_only_its_newest_messages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live_state, "MAX_PENDING_PER_CONVERSATION", 2)
    state = LocalLiveState()
    for n in range(4):
        await state.keep("c1", {"id": f"m{n}"})
    assert [m["id"] for m in await state.take("c1")] == ["m2", "m3"]


async def test_an_agent_is_gone_when_their_last_console_closes() -> None:
    state = LocalLiveState()
    await state.agent_socket_opened("sam")
    await state.agent_socket_opened("sam")
    assert await state.agent_socket_closed("sam") is False
    assert await state.agent_socket_closed("sam") is True


async def test_one_process_has_no_widgets_elsewhere() -> None:
    state = LocalLiveState()
    await state.widget_joined("c1", "sid-1")
    assert await state.widget_elsewhere("c1") is False


def test_redis_is_used_only_when_a_url_is_given() -> None:
    assert isinstance(live_state.live_state(""), LocalLiveState)
    assert isinstance(live_state.live_state("redis://127.0.0.1:6379/0"), live_state.RedisLiveState)
