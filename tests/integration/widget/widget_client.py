"""A socket.io client that behaves like a website widget, for the channel's tests."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio

REPLY_SECONDS = 30


class Widget:
    """A socket.io client that behaves like a widget and records what the server sends."""

    def __init__(self, url: str) -> None:
        self.url = url
        # engineio's websocket client needs a newer aiohttp than Rasa allows: use polling.
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.seen: list[tuple[str, Any]] = []
        # `bot_uttered` exactly as it came (Rasa's shapes); `seen` and `next` give it the way
        # Rapport's widget reads it, with the metadata's extras beside the text.
        self.wire: list[dict[str, Any]] = []
        self.new_chat_notice: dict[str, Any] | None = None
        for name in (
            "session_confirm",
            "bot_uttered",
            "history",
            "rapport_error",
            "rapport_welcome",
        ):
            self.client.on(name, self._recorder(name))

    def _recorder(self, name: str):
        async def record(data: Any = None) -> None:
            if name == "bot_uttered" and isinstance(data, dict):
                self.wire.append(data)
                data = {**(data.get("metadata") or {}), **data}
            self.seen.append((name, data))
            await self.events.put((name, data))

        return record

    async def connect(self, headers: dict[str, str] | None = None) -> None:
        await self.client.connect(self.url, transports=["polling"], headers=headers or {})

    async def next(self, name: str, seconds: float = REPLY_SECONDS) -> Any:
        """The next event called `name` (other events are skipped but stay in `seen`)."""

        async def wait() -> Any:
            while True:
                event, data = await self.events.get()
                if event == name:
                    return data

        try:
            return await asyncio.wait_for(wait(), seconds)
        except asyncio.TimeoutError:
            raise AssertionError(f"no {name} within {seconds} s; got {self.seen}") from None

    async def start_session(
        self, token: str | None = None, customer: dict | None = None
    ) -> tuple[str, list[dict]]:
        """session_request -> (the confirmed token, the history sent)."""
        request: dict[str, Any] = {"session_id": token}
        if customer is not None:
            request["customer"] = customer
        errors_before = len(self.errors())
        await self.client.emit("session_request", request)
        confirmed = await self.next("session_confirm")
        history = await self.next("history")
        restarted = {"session_refused", "session_expired"} & set(self.errors()[errors_before:])
        if restarted:
            # After a refused or expired session the chat itself says that it is a new one
            # (for widgets that ignore rapport_error).
            self.new_chat_notice = await self.next("bot_uttered")
            assert self.new_chat_notice.get("notice") == "new_chat", self.new_chat_notice
        return confirmed, history["messages"]

    async def say(self, text: str, metadata: dict | None = None) -> dict:
        await self.client.emit("user_uttered", {"message": text, "metadata": metadata or {}})
        return await self.next("bot_uttered")

    async def say_all(self, text: str, quiet: float = 3.0) -> str:
        """Everything the bot says in answer to `text` (until `quiet` seconds pass), as one
        string."""
        first = await self.say(text)
        more = [data for name, data in await self.drain(quiet) if name == "bot_uttered"]
        return " ".join(str(message.get("text", "")) for message in [first, *more])

    async def drain(self, seconds: float = 1.0) -> list[tuple[str, Any]]:
        """Events that arrive within `seconds` (for 'nothing more comes' checks)."""
        got = []
        try:
            while True:
                got.append(await asyncio.wait_for(self.events.get(), seconds))
        except asyncio.TimeoutError:
            return got

    def errors(self) -> list[str]:
        return [data["code"] for name, data in self.seen if name == "rapport_error"]

    async def close(self) -> None:
        if not self.client.connected:
            return
        # A polling client waits for its pending long poll (up to the ping interval) before a
        # disconnect returns; the server has the disconnect as soon as the packets go out.
        closing = asyncio.ensure_future(self.client.disconnect())
        await asyncio.sleep(0.3)
        read_loop = self.client.eio.read_loop_task
        if read_loop is not None and not closing.done():
            read_loop.cancel()
        await asyncio.wait([closing], timeout=5)


def texts(history: list[dict], sender: str) -> list[str]:
    return [m.get("text", "") for m in history if m["sender"] == sender]
