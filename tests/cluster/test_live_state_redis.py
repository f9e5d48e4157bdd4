"""The live state two Rasa processes share through a real Redis (bot/live_state.py): two
`RedisLiveState`s stand for two processes."""

from __future__ import annotations

import asyncio
import logging

import pytest
from redis_server import RedisServer

from bot.live_state import PREFIX, RedisLiveState

pytestmark = pytest.mark.cluster


async def test_a_message_kept_on_one_process_is_delivered_once_by_either(
    redis: RedisServer,
) -> None:
    a, b = RedisLiveState(redis.url), RedisLiveState(redis.url)
    await a.keep("c1", {"id": "m1", "text": "first"})
    await a.keep("c1", {"id": "m2", "text": "second"})
    taken = await asyncio.gather(b.take("c1"), a.take("c1"), b.take("c1"))
    delivered = [m["id"] for batch in taken for m in batch]
    assert delivered == ["m1", "m2"]
    assert await a.take("c1") == [] and await b.take("c1") == []
    ttl = await a.client.ttl(f"{PREFIX}pending:c1")
    assert ttl == -2  # taken: nothing left behind


async def test_kept_messages_are_capped_and_expire(
    redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import live_state

    monkeypatch.setattr(live_state, "MAX_PENDING_PER_CONVERSATION", 3)
    a = RedisLiveState(redis.url)
    for n in range(5):
        await a.keep("c1", {"id": f"m{n}"})
    assert 0 < await a.client.ttl(f"{PREFIX}pending:c1") <= live_state.PENDING_SECONDS
    assert [m["id"] for m in await a.take("c1")] == ["m2", "m3", "m4"]


async def test_the_buttons_sent_by_one_process_are_taken_once_by_either(
    redis: RedisServer,
) -> None:
    from bot import live_state

    a, b = RedisLiveState(redis.url), RedisLiveState(redis.url)
    buttons = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    await a.offer_buttons("c1", buttons)
    assert 0 < await a.client.ttl(f"{PREFIX}buttons:c1") <= live_state.PENDING_SECONDS
    assert await b.take_buttons("c1") == buttons
    assert await a.take_buttons("c1") == []  # taken by the customer's message on b
    await b.offer_buttons("c1", buttons)
    await a.offer_buttons("c1", [])  # a later message without buttons, sent by a
    assert await b.take_buttons("c1") == []


async def test_a_widget_on_one_process_is_seen_by_the_other_until_it_leaves(
    redis: RedisServer,
) -> None:
    a, b = RedisLiveState(redis.url), RedisLiveState(redis.url)
    assert not await b.widget_elsewhere("c1")
    await a.widget_joined("c1", "sid-a")
    assert await b.widget_elsewhere("c1")
    assert not await a.widget_elsewhere("c1")  # its own sockets it knows from socket.io
    await a.widget_left("c1", "sid-a")
    assert not await b.widget_elsewhere("c1")


async def test_the_widgets_of_a_process_that_died_stop_counting(redis: RedisServer) -> None:
    a, b = RedisLiveState(redis.url), RedisLiveState(redis.url)
    await a.widget_joined("c1", "sid-a")
    assert await b.widget_elsewhere("c1")
    # A process killed without a word stops its heartbeat; its key then expires.
    assert a._beating is not None
    a._beating.cancel()
    await b.client.delete(f"{PREFIX}process:{a.process_id}")
    assert not await b.widget_elsewhere("c1")
    assert await b.client.hlen(f"{PREFIX}widgets:c1") == 0


async def test_a_redis_that_restarted_empty_is_told_again_where_the_widgets_are(
    redis: RedisServer,
) -> None:
    a, b = RedisLiveState(redis.url), RedisLiveState(redis.url)
    await a.widget_joined("c1", "sid-a")
    await a.agent_socket_opened("sam")
    redis.flush()  # what a restart of a Redis without persistence leaves
    assert not await b.widget_elsewhere("c1")
    await a._beat()  # the next heartbeat finds its own key gone
    assert await b.widget_elsewhere("c1")
    await b.agent_socket_opened("sam")
    assert await b.agent_socket_closed("sam") is False  # Sam's console on A still counts


async def test_a_customer_typing_on_one_process_shows_on_the_other(redis: RedisServer) -> None:
    a, b = RedisLiveState(redis.url), RedisLiveState(redis.url)
    await a.customer_typed("c1", True)
    assert await b.customer_typing("c1") and not await b.customer_typing("c2")
    assert 0 < await b.client.pttl(f"{PREFIX}typing:c1") <= 4000
    await a.customer_typed("c1", False)
    assert not await b.customer_typing("c1")


async def test_an_agent_is_gone_only_when_their_last_console_on_any_process_closes(
    redis: RedisServer,
) -> None:
    a, b = RedisLiveState(redis.url), RedisLiveState(redis.url)
    await a.agent_socket_opened("sam")
    await b.agent_socket_opened("sam")
    await b.agent_socket_opened("sam")
    assert await a.agent_socket_closed("sam") is False
    assert await b.agent_socket_closed("sam") is False
    assert await b.agent_socket_closed("sam") is True


async def test_while_redis_is_down_a_process_keeps_its_own_and_says_so(
    redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = RedisLiveState(redis.url), RedisLiveState(redis.url)
    redis.stop()
    try:
        with caplog.at_level(logging.ERROR, logger="bot.live_state"):
            await a.keep("c1", {"id": "during"})
            assert [m["id"] for m in await a.take("c1")] == ["during"]
            await a.customer_typed("c1", True)
            assert await a.customer_typing("c1")
            assert not await a.widget_elsewhere("c1")
            await a.offer_buttons("c1", [{"title": "Yes", "payload": "/affirm"}])
            assert await a.take_buttons("c1") == [{"title": "Yes", "payload": "/affirm"}]
            assert not await a.reachable()
        assert "Redis (REDIS_URL) does not answer" in caplog.text
    finally:
        redis.start()
    # Back: the processes share again.
    assert await a.reachable()
    await a.keep("c1", {"id": "after"})
    assert [m["id"] for m in await b.take("c1")] == ["after"]
