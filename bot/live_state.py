"""What the Rasa processes serving one shop must share: the widgets' missed messages, which
process holds a conversation's widget, the customers' typing signals and the agents' live
consoles.

`LocalLiveState` keeps all of it in this process (one Rasa process, the default);
`RedisLiveState` keeps it in Redis (REDIS_URL), so a message for a customer connected to another
process is sent there, a message kept while nobody was connected is delivered once by whichever
process the widget comes back to, and an agent on one process sees the customer typing on
another. While Redis does not answer, `RedisLiveState` logs an error and serves from this
process's own state: the bot keeps answering the customers connected here.

Both also keep the buttons of the bot's latest message to each conversation, so that a typed
answer can act as one of them (bot/typed_buttons.py) on whichever process the next message
arrives.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import OrderedDict
from typing import Any, Protocol

logger = logging.getLogger(__name__)

MAX_PENDING_PER_CONVERSATION = 100
MAX_PENDING_CONVERSATIONS = 10_000
# A message kept for a widget that is away waits this long at most (a widget session lasts
# longer, but a reply a day late is no longer a reply).
PENDING_SECONDS = 24 * 3600
CUSTOMER_TYPING_SECONDS = 4.0  # a customer's typing signal shows this long in the console
# Each process says it is alive this often; its widgets count as connected while it does.
BEAT_SECONDS = 5.0
ALIVE_SECONDS = 15
# Redis errors are logged at most this often (the next ones are counted in that line).
ERROR_LOG_SECONDS = 60.0
REDIS_TIMEOUT_SECONDS = 2.0
PREFIX = "rapport:"


class LiveState(Protocol):
    """The small interface the widget channel and the console use."""

    async def keep(self, conversation_id: str, shown: dict[str, Any]) -> None:
        """Keep a message for a conversation whose widget is not connected."""

    async def take(self, conversation_id: str) -> list[dict[str, Any]]:
        """The messages kept for a conversation, oldest first; each is taken once."""

    async def widget_joined(self, conversation_id: str, sid: str) -> None: ...

    async def widget_left(self, conversation_id: str, sid: str) -> None: ...

    async def widget_elsewhere(self, conversation_id: str) -> bool:
        """Whether another process has a widget of this conversation connected."""

    async def customer_typed(self, conversation_id: str, typing: bool) -> None: ...

    async def customer_typing(self, conversation_id: str) -> bool:
        """Whether the customer typed in the last few seconds (on another process too)."""

    async def agent_socket_opened(self, agent: str) -> None: ...

    async def agent_socket_closed(self, agent: str) -> bool:
        """Count one live console of `agent` gone; True when it was their last one anywhere."""

    async def offer_buttons(self, conversation_id: str, buttons: list[dict[str, Any]]) -> None:
        """Note the buttons of the bot's latest message to a conversation (none: it has none)."""

    async def take_buttons(self, conversation_id: str) -> list[dict[str, Any]]:
        """The buttons of the bot's latest message, when no customer message has taken them
        since; a customer message takes them (bot/typed_buttons.py)."""


class LocalLiveState:
    """Everything in this process: one Rasa process serves every customer and agent."""

    def __init__(self) -> None:
        self.pending: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self.typed: OrderedDict[str, float] = OrderedDict()
        self.agent_sockets: dict[str, int] = {}
        self.buttons: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()

    async def keep(self, conversation_id: str, shown: dict[str, Any]) -> None:
        queue = self.pending.setdefault(conversation_id, [])
        self.pending.move_to_end(conversation_id)
        queue.append(shown)
        del queue[:-MAX_PENDING_PER_CONVERSATION]
        while len(self.pending) > MAX_PENDING_CONVERSATIONS:
            self.pending.popitem(last=False)

    async def take(self, conversation_id: str) -> list[dict[str, Any]]:
        return self.pending.pop(conversation_id, [])

    async def widget_joined(self, conversation_id: str, sid: str) -> None:
        return None

    async def widget_left(self, conversation_id: str, sid: str) -> None:
        return None

    async def widget_elsewhere(self, conversation_id: str) -> bool:
        return False

    async def customer_typed(self, conversation_id: str, typing: bool) -> None:
        self.typed.pop(conversation_id, None)
        if typing:
            self.typed[conversation_id] = time.monotonic()
            while len(self.typed) > MAX_PENDING_CONVERSATIONS:
                self.typed.popitem(last=False)

    async def customer_typing(self, conversation_id: str) -> bool:
        typed = self.typed.get(conversation_id)
        return typed is not None and time.monotonic() - typed < CUSTOMER_TYPING_SECONDS

    async def agent_socket_opened(self, agent: str) -> None:
        self.agent_sockets[agent] = self.agent_sockets.get(agent, 0) + 1

    async def agent_socket_closed(self, agent: str) -> bool:
        left = self.agent_sockets.get(agent, 1) - 1
        if left > 0:
            self.agent_sockets[agent] = left
            return False
        self.agent_sockets.pop(agent, None)
        return True

    async def offer_buttons(self, conversation_id: str, buttons: list[dict[str, Any]]) -> None:
        self.buttons.pop(conversation_id, None)
        if buttons:
            self.buttons[conversation_id] = buttons
            while len(self.buttons) > MAX_PENDING_CONVERSATIONS:
                self.buttons.popitem(last=False)

    async def take_buttons(self, conversation_id: str) -> list[dict[str, Any]]:
        return self.buttons.pop(conversation_id, [])


class RedisLiveState:
    """The same state in Redis, shared by every process that names the same REDIS_URL.

    Keys (all under `rapport:`): `pending:<conversation>` a list of kept messages (capped,
    expiring); `widgets:<conversation>` a hash of socket -> process; `agents:<agent>` a hash of
    process -> live consoles; `process:<id>` each process's heartbeat, so the sockets of a
    process that died stop counting within ALIVE_SECONDS; `typing:<conversation>` a short-lived
    flag; `buttons:<conversation>` the buttons of the bot's latest message (expiring).
    """

    def __init__(self, url: str, client: Any = None) -> None:
        self.url = url
        self.process_id = uuid.uuid4().hex
        self.local = LocalLiveState()
        self._client = client
        self._beating: asyncio.Task[None] | None = None
        # This process's own widgets (conversation -> sockets), told again to a Redis that
        # restarted empty.
        self.widgets: dict[str, set[str]] = {}
        self._failed_at = 0.0
        self._failures = 0

    @property
    def client(self) -> Any:
        if self._client is None:
            import redis.asyncio

            self._client = redis.asyncio.Redis.from_url(
                self.url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                decode_responses=True,
            )
        return self._client

    def _failed(self, doing: str, error: Exception) -> None:
        self._failures += 1
        now = time.monotonic()
        if now - self._failed_at >= ERROR_LOG_SECONDS:
            logger.error(
                "Redis (REDIS_URL) does not answer while %s (%s; %d failures since the last "
                "report): this process serves its own customers and agents until it is back",
                doing,
                error,
                self._failures,
            )
            self._failed_at, self._failures = now, 0

    async def reachable(self) -> bool:
        """Whether Redis answers a PING (for the health page)."""
        try:
            return bool(await self.client.ping())
        except Exception as error:
            self._failed("answering the health check", error)
            return False

    # -- kept messages -----------------------------------------------------------------------

    async def keep(self, conversation_id: str, shown: dict[str, Any]) -> None:
        key = f"{PREFIX}pending:{conversation_id}"
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.rpush(key, json.dumps(shown))
                pipe.ltrim(key, -MAX_PENDING_PER_CONVERSATION, -1)
                pipe.expire(key, PENDING_SECONDS)
                await pipe.execute()
        except Exception as error:
            self._failed("keeping a message for a widget", error)
            await self.local.keep(conversation_id, shown)

    async def take(self, conversation_id: str) -> list[dict[str, Any]]:
        key = f"{PREFIX}pending:{conversation_id}"
        kept: list[dict[str, Any]] = []
        try:
            # One transaction: two processes the widget reaches at once never both get them.
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.lrange(key, 0, -1)
                pipe.delete(key)
                raw, _ = await pipe.execute()
            kept = [json.loads(item) for item in raw]
        except Exception as error:
            self._failed("handing a widget its kept messages", error)
        return kept + await self.local.take(conversation_id)

    # -- where the widgets and consoles are ------------------------------------------------

    async def _beat(self) -> None:
        key = f"{PREFIX}process:{self.process_id}"
        if await self.client.set(key, "1", ex=ALIVE_SECONDS, get=True) is None:
            # New to this Redis (a first beat, or a Redis that restarted empty, or a beat
            # missed for too long): say again where this process's widgets and consoles are.
            await self._tell_again()

    async def _tell_again(self) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            for conversation_id, sids in self.widgets.items():
                key = f"{PREFIX}widgets:{conversation_id}"
                for sid in sids:
                    pipe.hset(key, sid, self.process_id)
                pipe.expire(key, PENDING_SECONDS)
            for agent, count in self.local.agent_sockets.items():
                pipe.hset(f"{PREFIX}agents:{agent}", self.process_id, count)
            await pipe.execute()

    async def _keep_beating(self) -> None:
        while True:
            await asyncio.sleep(BEAT_SECONDS)
            try:
                await self._beat()
            except Exception as error:
                self._failed("saying this process is alive", error)

    async def _alive(self) -> None:
        if self._beating is None or self._beating.done():
            await self._beat()
            self._beating = asyncio.get_running_loop().create_task(self._keep_beating())

    async def _live_members(self, key: str, skip_own: bool) -> list[str]:
        """The sockets in a hash of socket -> process whose process is alive."""
        members: dict[str, str] = await self.client.hgetall(key)
        others = {
            sid: process
            for sid, process in members.items()
            if not (skip_own and process == self.process_id)
        }
        living = await self._living(set(others.values()))
        gone = [sid for sid, process in others.items() if process not in living]
        if gone:
            await self.client.hdel(key, *gone)
        return [sid for sid, process in others.items() if process in living]

    async def _living(self, processes: set[str]) -> set[str]:
        """Those of `processes` whose heartbeat has not expired."""
        if not processes:
            return set()
        names = sorted(processes)
        beats = await self.client.mget([f"{PREFIX}process:{p}" for p in names])
        return {p for p, beat in zip(names, beats, strict=True) if beat}

    async def widget_joined(self, conversation_id: str, sid: str) -> None:
        key = f"{PREFIX}widgets:{conversation_id}"
        self.widgets.setdefault(conversation_id, set()).add(sid)
        try:
            await self._alive()
            await self.client.hset(key, sid, self.process_id)
            await self.client.expire(key, PENDING_SECONDS)
        except Exception as error:
            self._failed("noting a widget's connection", error)

    async def widget_left(self, conversation_id: str, sid: str) -> None:
        sids = self.widgets.get(conversation_id, set())
        sids.discard(sid)
        if not sids:
            self.widgets.pop(conversation_id, None)
        try:
            await self.client.hdel(f"{PREFIX}widgets:{conversation_id}", sid)
        except Exception as error:
            self._failed("noting a widget's departure", error)

    async def widget_elsewhere(self, conversation_id: str) -> bool:
        try:
            key = f"{PREFIX}widgets:{conversation_id}"
            return bool(await self._live_members(key, skip_own=True))
        except Exception as error:
            self._failed("looking for a widget on the other processes", error)
            return False

    async def customer_typed(self, conversation_id: str, typing: bool) -> None:
        await self.local.customer_typed(conversation_id, typing)
        key = f"{PREFIX}typing:{conversation_id}"
        try:
            if typing:
                await self.client.set(key, "1", px=int(CUSTOMER_TYPING_SECONDS * 1000))
            else:
                await self.client.delete(key)
        except Exception as error:
            self._failed("sharing a customer's typing signal", error)

    async def customer_typing(self, conversation_id: str) -> bool:
        try:
            return bool(await self.client.exists(f"{PREFIX}typing:{conversation_id}"))
        except Exception as error:
            self._failed("reading a customer's typing signal", error)
            return await self.local.customer_typing(conversation_id)

    async def agent_socket_opened(self, agent: str) -> None:
        await self.local.agent_socket_opened(agent)
        try:
            await self._alive()
            key = f"{PREFIX}agents:{agent}"
            await self.client.hincrby(key, self.process_id, 1)
        except Exception as error:
            self._failed("noting an agent's console", error)

    async def agent_socket_closed(self, agent: str) -> bool:
        last_here = await self.local.agent_socket_closed(agent)
        key = f"{PREFIX}agents:{agent}"
        try:
            if not last_here:
                await self.client.hincrby(key, self.process_id, -1)
                return False
            await self.client.hdel(key, self.process_id)
            # The hash counts each process's consoles of this agent: any on a living process?
            counts: dict[str, str] = await self.client.hgetall(key)
            elsewhere = {process for process, count in counts.items() if int(count) > 0}
            return not await self._living(elsewhere)
        except Exception as error:
            self._failed("noting an agent's console closed", error)
            return last_here

    # -- the bot's latest buttons ------------------------------------------------------------

    async def offer_buttons(self, conversation_id: str, buttons: list[dict[str, Any]]) -> None:
        # Here too, so that this process still knows them while Redis does not answer.
        await self.local.offer_buttons(conversation_id, buttons)
        key = f"{PREFIX}buttons:{conversation_id}"
        try:
            if buttons:
                await self.client.set(key, json.dumps(buttons), ex=PENDING_SECONDS)
            else:
                await self.client.delete(key)
        except Exception as error:
            self._failed("noting the buttons offered to a customer", error)

    async def take_buttons(self, conversation_id: str) -> list[dict[str, Any]]:
        here = await self.local.take_buttons(conversation_id)
        key = f"{PREFIX}buttons:{conversation_id}"
        try:
            # One transaction: the buttons answer one customer message only.
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.get(key)
                pipe.delete(key)
                raw, _ = await pipe.execute()
        except Exception as error:
            self._failed("reading the buttons offered to a customer", error)
            return here
        buttons = json.loads(raw) if raw else []
        return buttons if isinstance(buttons, list) else []


def live_state(redis_url: str) -> LiveState:
    """The shared state of REDIS_URL, or this process's own when there is none."""
    return RedisLiveState(redis_url) if redis_url else LocalLiveState()
