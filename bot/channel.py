"""The website widget's Rasa input channel: Rasa's socket.io protocol, made safe.

It speaks the events Rasa's own socket.io channel speaks (`session_request` /
`session_confirm`, `user_uttered` / `bot_uttered`, `metadata` or `customData`), so widgets
written for Rasa keep working, and adds what a shop needs:
- sessions are the server's: `session_confirm` carries a token signed with the session secret,
  and a token the server did not issue is refused (the page gets `rapport_error`);
- signed-in customers are verified by the HMAC of their id (identity verification) and get one
  conversation on every device; a forged signature is refused and the chat stays anonymous;
- customer text is never a command, quick-reply payloads count only when offered, and size and
  rate limits apply per conversation, per socket and per client address (behind a trusted
  proxy, the address it forwards), new sessions included;
- a reconnecting widget gets the conversation so far (`history`), and messages sent while no
  widget was connected are delivered once (kept by `bot.live_state`: in this process, or in
  Redis when REDIS_URL is set, so the widget may come back to any process);
- a message to a chat that waits for a person (paused, no agent holding it) is acknowledged
  (`bot.waiting`), so no customer message goes unanswered.

It also serves the widget's files and the demo shop page. Agents' replies reach the customer
through `app.ctx.rapport_widget` (a `WidgetHub`): `await hub.deliver(conversation_id, message)`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot import (
    composition,
    demo_page,
    health,
    live_state,
    logs,
    metrics,
    rate_limits,
    session_tokens,
    typed_buttons,
    waiting,
    widget_guards,
    widget_transcript,
    widget_welcome,
)
from bot.session_tokens import IdentityRefused, TokenExpired, TokenRefused

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = Path(__file__).resolve().parent / "static"
SOCKET_CLIENT = ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"

USER_EVENT = "user_uttered"
BOT_EVENT = "bot_uttered"
ERROR_EVENT = "rapport_error"
HISTORY_EVENT = "history"
TYPING_EVENT = "typing"
CUSTOMER_TYPING_EVENT = "customer_typing"
MAX_LINKED = 10_000  # sign-ins remembered as linked to memory already
SESSION_GRACE_SECONDS = 30.0
PRESENCE_CACHE_SECONDS = 10.0  # how long a count of the agents online is reused

SECONDS_PER_DAY = 86400


class ChannelConfigError(ValueError):
    """A widget setting in credentials.yml is missing or wrong; the message says which."""


@dataclass(frozen=True)
class WidgetConfig:
    """The widget channel's settings, from credentials.yml (which reads Rapport's settings)."""

    session_secret: str
    identity_secret: str
    max_message_chars: int = 2000
    # Messages a minute per conversation and per socket, and per client address.
    rate_limit_per_minute: int = 30
    address_rate_limit_per_minute: int = 120
    # session_requests a minute on one socket; new conversations a minute per client address.
    sessions_per_socket_per_minute: int = 5
    new_sessions_per_address_per_minute: int = 20
    # Proxies whose X-Forwarded-For header names the client.
    trusted_proxies: tuple[rate_limits.Network, ...] = ()
    # The business file, for the words of the channel's notices.
    business_file: str = ""
    # Days a session token stays good after it was issued (each resume issues a fresh one).
    session_days: int = 30
    allowed_origins: tuple[str, ...] = ()
    # This server's own origin as customers reach it (PUBLIC_URL); never read from a request.
    public_url: str = ""
    socketio_path: str = "/socket.io"
    # The relationship memory, told which conversations are a signed-in customer's.
    memory_database_url: str = ""
    # The operator's bearer token for the health endpoint's detail (none: no detail).
    health_token: str = ""
    # The operator's bearer token for the Prometheus metrics (none: nobody reads them).
    metrics_token: str = ""
    # `text` or `json` (LOG_FORMAT): the shape of the server's log lines.
    log_format: str = "text"
    # Redis (REDIS_URL) shared by several Rasa processes: socket.io's messages between them,
    # kept messages, widgets' whereabouts. Empty: one process, everything in its memory.
    redis_url: str = ""

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> WidgetConfig:
        credentials = credentials or {}

        def text(key: str) -> str:
            value = credentials.get(key)
            return "" if value is None else str(value).strip()

        def number(key: str, default: int) -> int:
            value = text(key)
            if not value:
                return default
            try:
                parsed = int(value)
            except ValueError:
                raise ChannelConfigError(
                    f"{key}={value!r} for bot.channel.WidgetInput in credentials.yml is not a "
                    "whole number."
                ) from None
            if parsed < 1:
                raise ChannelConfigError(f"{key} in credentials.yml must be at least 1.")
            return parsed

        for secret in ("session_secret", "identity_secret"):
            if not text(secret):
                raise ChannelConfigError(
                    f"{secret} for bot.channel.WidgetInput in credentials.yml is empty; "
                    "start Rasa with `python -m bot run` (which sets it from .env)."
                )
        origins = credentials.get("allowed_origins") or ()
        try:
            proxies = rate_limits.trusted_networks(credentials.get("trusted_proxies") or "")
        except ValueError as error:
            raise ChannelConfigError(
                f"trusted_proxies for bot.channel.WidgetInput in credentials.yml: {error}."
            ) from None
        if isinstance(origins, str):
            origins = origins.split(",")
        log_format = (text("log_format") or "text").lower()
        if log_format not in logs.FORMATS:
            raise ChannelConfigError(
                f"log_format={log_format!r} for bot.channel.WidgetInput in credentials.yml is "
                "not a format; use text or json (LOG_FORMAT in .env)."
            )
        return cls(
            session_secret=text("session_secret"),
            identity_secret=text("identity_secret"),
            max_message_chars=number("max_message_chars", 2000),
            rate_limit_per_minute=number("rate_limit_per_minute", 30),
            address_rate_limit_per_minute=number("address_rate_limit_per_minute", 120),
            sessions_per_socket_per_minute=number("sessions_per_socket_per_minute", 5),
            new_sessions_per_address_per_minute=number("new_sessions_per_address_per_minute", 20),
            trusted_proxies=proxies,
            business_file=text("business_file"),
            session_days=number("session_days", 30),
            allowed_origins=tuple(str(o).strip().rstrip("/") for o in origins if str(o).strip()),
            public_url=text("public_url").rstrip("/"),
            socketio_path=text("socketio_path") or "/socket.io",
            memory_database_url=text("memory_database_url"),
            health_token=text("health_token"),
            metrics_token=text("metrics_token"),
            log_format=log_format,
            redis_url=text("redis_url"),
        )


@dataclass
class SocketSession:
    """What the server knows about one connected widget."""

    conversation_id: str
    anonymous_id: str
    customer_id: str | None = None
    customer_name: str | None = None

    def message_metadata(self) -> dict[str, Any]:
        """The identity part of every message's metadata: the server's word, never the page's."""
        metadata: dict[str, Any] = {
            "channel": "widget",
            "anonymous_id": self.anonymous_id,
            "verified": self.customer_id is not None,
        }
        if self.customer_id is not None:
            metadata["customer_id"] = self.customer_id
            if self.customer_name:
                metadata["customer_name"] = self.customer_name
        return metadata


TrackerEvents = Callable[[str], Awaitable[list[dict[str, Any]]]]


class WidgetHub:
    """The channel's state: connected widgets, offered quick replies, undelivered messages."""

    def __init__(self, sio: AsyncServer, config: WidgetConfig) -> None:
        self.sio = sio
        self.config = config
        self.sockets: dict[str, SocketSession] = {}
        self.offered: dict[str, list[str]] = {}
        # Kept messages, widgets' whereabouts, typing: this process's, or Redis's.
        self.live: live_state.LiveState = (
            composition.server().live_state(config.redis_url)
            if config.redis_url
            else live_state.LocalLiveState()
        )
        self.limiter = widget_guards.RateLimiter(config.rate_limit_per_minute)
        self.socket_limiter = widget_guards.RateLimiter(config.rate_limit_per_minute)
        self.address_limiter = widget_guards.RateLimiter(config.address_rate_limit_per_minute)
        self.session_limiter = widget_guards.RateLimiter(config.sessions_per_socket_per_minute)
        self.new_session_limiter = widget_guards.RateLimiter(
            config.new_sessions_per_address_per_minute
        )
        self.addresses: dict[str, str] = {}
        self.words: dict[str, str] = {}
        self.linked: set[tuple[str | None, str]] = set()
        self.linker = (
            IdentityLinker(config.memory_database_url) if config.memory_database_url else None
        )
        self.app: Sanic | None = None
        self.shop: Any = None  # the business file (voice.business.Business), for the welcome
        self._online: tuple[float, int] = (0.0, 0)  # when the agents online were counted, how many

    # -- limits ------------------------------------------------------------------------------

    def client_address(self, sid: str) -> str:
        """The address of the client behind a socket (see bot.rate_limits.client_address)."""
        address = self.addresses.get(sid)
        if address is None:
            try:
                environ = self.sio.get_environ(sid) or {}
            except KeyError:
                environ = {}
            # engineio's Sanic adapter puts a fixed REMOTE_ADDR in the environ: the peer is
            # the Sanic request's.
            request = environ.get("sanic.request")
            peer = getattr(request, "ip", None) or environ.get("REMOTE_ADDR")
            forwarded = environ.get("HTTP_X_FORWARDED_FOR")
            address = rate_limits.client_address(peer, forwarded, self.config.trusted_proxies)
            self.addresses[sid] = address
        return address

    def allow_message(self, sid: str, conversation_id: str) -> bool:
        """One more message, within the limits of its conversation, socket and address."""
        return rate_limits.allow_all(
            [
                (self.limiter, conversation_id),
                (self.socket_limiter, sid),
                (self.address_limiter, self.client_address(sid)),
            ]
        )

    def forget(self, sid: str) -> None:
        self.sockets.pop(sid, None)
        self.addresses.pop(sid, None)

    def forget_idle(self) -> None:
        for limiter in (
            self.limiter,
            self.socket_limiter,
            self.address_limiter,
            self.session_limiter,
            self.new_session_limiter,
        ):
            limiter.forget_idle()

    def text(self, name: str) -> str:
        """The words of a notice: the business file's template `name` (`bot validate` checks
        that the file has every one the channel uses)."""
        text = self.words.get(name)
        if text is None:
            logger.error("the business file has no template %s for a widget notice", name)
            return ""
        return text

    # -- delivery ----------------------------------------------------------------------------

    def room_occupied(self, conversation_id: str) -> bool:
        try:
            participants = self.sio.manager.get_participants("/", conversation_id)
            return next(iter(participants), None) is not None
        except KeyError:
            return False

    async def emit_message(self, conversation_id: str, shown: dict[str, Any]) -> None:
        """Send a widget message to every widget of a conversation, or keep it for later."""
        self.offered[conversation_id] = widget_guards.offered_payloads(
            shown.get("quick_replies", [])
        )
        # What a typed answer may press next (bot/typed_buttons.py).
        await typed_buttons.offer(self.live, conversation_id, shown)
        metrics.messages_out(WidgetInput.name())
        if self.room_occupied(conversation_id) or await self.live.widget_elsewhere(conversation_id):
            # With Redis, socket.io's manager passes it to the process the widget is on.
            await self.sio.emit(
                BOT_EVENT, widget_transcript.on_the_wire(shown), room=conversation_id
            )
            return
        await self.live.keep(conversation_id, shown)
        logger.debug("kept a message for %s until its widget reconnects", conversation_id)

    async def deliver(self, conversation_id: str, message: Mapping[str, Any]) -> dict[str, Any]:
        """Send a bot or agent message (Rasa's message dict; `agent` names a human) to a
        conversation's widgets; kept and delivered on reconnect when none is connected.
        Pass the tracker event's `timestamp` so that history and live delivery agree."""
        merged = dict(message)
        merged.setdefault("timestamp", time.time())
        shown = widget_transcript.bot_message(merged)
        await self.emit_message(conversation_id, shown)
        return shown

    async def typing(self, conversation_id: str, typing: bool, agent: str | None = None) -> None:
        """Show or hide the typing indicator in a conversation's widgets."""
        event = {"typing": typing, "sender": "agent" if agent else "bot"}
        if agent:
            event["agent"] = agent
        await self.sio.emit(TYPING_EVENT, event, room=conversation_id)

    async def answer_if_unanswered(self, sid: str, conversation_id: str) -> None:
        """Tells the customer when their message got no reply from a running conversation (the
        action server down, an action that crashed), with the shop's direct contacts."""
        if self.app is None or not await waiting.went_unanswered(self.app, conversation_id):
            return
        logger.error(
            "a message in %s got no reply (is the action server up? see its log); "
            "the customer was told",
            conversation_id,
        )
        await self.notice(sid, self.contact_text("widget_unanswered"), "unanswered")

    def contact_text(self, name: str) -> str:
        """A notice's words with the shop's direct contacts filled in ({phone}, {email})."""
        places = getattr(self.shop, "locations", None) or ()
        phone, email = (places[0].phone, places[0].email) if places else ("", "")
        return self.text(name).format(phone=phone, email=email)

    async def customer_typing(self, conversation_id: str, typing: bool) -> None:
        """A widget says its customer is typing (or stopped, or sent the message)."""
        await self.live.customer_typed(conversation_id, typing)

    async def is_customer_typing(self, conversation_id: str) -> bool:
        """Whether the customer typed a moment ago, on whichever process their widget is."""
        return await self.live.customer_typing(conversation_id)

    async def notice(self, sid: str, text: str, reason: str) -> None:
        """A reply to one widget that is not part of the conversation (limits, errors)."""
        shown = {"id": f"n-{uuid.uuid4().hex}", "timestamp": time.time(), "sender": "bot"}
        shown.update({"text": text, "notice": reason})
        await self.sio.emit(BOT_EVENT, widget_transcript.on_the_wire(shown), to=sid)

    async def agents_online(self) -> int:
        """How many agents have the console open (counted at most every few seconds)."""
        counted_at, count = self._online
        if self.linker is None or time.monotonic() - counted_at < PRESENCE_CACHE_SECONDS:
            return count
        try:
            count = await self.linker.agents_online()
        except Exception:  # the welcome then says when the team works, which is still true
            logger.exception("memory could not say which agents are online")
            count = 0
        self._online = (time.monotonic(), count)
        return count

    async def welcome(self, sid: str, conversation_id: str, empty: bool) -> None:
        """Tell the widget who answers and when; for a chat with no message yet, also the
        greeting and the main menu (whose payloads are then offered, like a bot's buttons)."""
        if self.shop is None:
            return
        online = await self.agents_online()
        event = widget_welcome.welcome(self.shop, self.shop.local_now(), online)
        if empty:
            self.offered[conversation_id] = widget_guards.offered_payloads(event["quick_replies"])
        else:
            event["greeting"], event["quick_replies"] = "", []
        await self.sio.emit(widget_welcome.WELCOME_EVENT, event, to=sid)

    async def refuse(self, sid: str, code: str, message: str) -> None:
        await self.sio.emit(ERROR_EVENT, {"code": code, "message": message}, to=sid)

    # -- history -----------------------------------------------------------------------------

    async def tracker_events(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every event of a conversation (all sessions) from Rasa's tracker store."""
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return []

        def read() -> list[dict[str, Any]]:
            # Rasa's SQL tracker store does blocking I/O inside its coroutines: run it on a
            # worker thread with a loop of its own, so the server's loop keeps serving.
            tracker = asyncio.run(store.retrieve_full_tracker(conversation_id))
            return [] if tracker is None else [event.as_dict() for event in tracker.events]

        return await asyncio.to_thread(read)

    async def send_history(self, sid: str, conversation_id: str) -> int:
        """The conversation so far, then what was kept for it while no widget was there;
        how many messages that was."""
        pending = await self.live.take(conversation_id)
        try:
            events = await self.tracker_events(conversation_id)
        except Exception:
            logger.exception("could not read the history of %s", conversation_id)
            events = []
        messages = widget_transcript.history(events, skip_ids=[m["id"] for m in pending])
        if messages and messages[-1]["sender"] != "customer" and not pending:
            # Buttons of the last message are clickable only while the server still offers them.
            offered = set(self.offered.get(conversation_id, []))
            last = messages[-1]
            replies = [r for r in last.get("quick_replies", []) if r["payload"] in offered]
            if replies:
                last["quick_replies"] = replies
            else:
                last.pop("quick_replies", None)
        await self.sio.emit(HISTORY_EVENT, {"messages": messages}, to=sid)
        for shown in pending:
            await self.sio.emit(BOT_EVENT, widget_transcript.on_the_wire(shown), to=sid)
        return len(messages) + len(pending)


class WidgetOutput(OutputChannel):
    """Rasa's replies to a widget conversation, as socket.io `bot_uttered` events."""

    @classmethod
    def name(cls) -> str:
        return WidgetInput.name()

    def __init__(self, hub: WidgetHub) -> None:
        self.hub = hub
        # Messages this output has sent: none after a customer message means no reply.
        self.sent = 0

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        shown = widget_transcript.bot_message(message)
        if widget_transcript.has_content(shown):
            self.sent += 1
            await self.hub.emit_message(recipient_id, shown)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, **kwargs})


class WidgetBlueprint(Blueprint):
    """The channel's blueprint; also attaches socket.io and the widget's files to the app."""

    def __init__(self, hub: WidgetHub, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.hub = hub

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        hub: WidgetHub = self.ctx.hub
        hub.app = app
        app.ctx.rapport_widget = hub
        hub.sio.attach(app, hub.config.socketio_path)
        add_static_routes(app)
        super().register(app, options)


def _file_response(
    path: Path, content_type: str
) -> Callable[[Request], Coroutine[Any, Any, HTTPResponse]]:
    async def serve(_: Request) -> HTTPResponse:
        try:
            body = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            logger.error("%s is missing; run `make setup`", path)
            return response.text(f"{path.name} is missing on the server", status=404)
        headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        return response.raw(body, content_type=content_type, headers=headers)

    return serve


DEMO_PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def add_static_routes(app: Sanic) -> None:
    """`/` (the demo shop page), `/widget.js`, `/widget.css`, `/widget/socket.io.min.js`."""
    files = {
        "/widget.js": (STATIC_DIR / "widget.js", "application/javascript; charset=utf-8"),
        "/widget.css": (STATIC_DIR / "widget.css", "text/css; charset=utf-8"),
        "/widget/demo.css": (STATIC_DIR / "demo.css", "text/css; charset=utf-8"),
        "/widget/socket.io.min.js": (SOCKET_CLIENT, "application/javascript; charset=utf-8"),
    }
    for uri, (path, content_type) in files.items():
        name = "rapport_static_" + uri.strip("/").replace("/", "_").replace(".", "_")
        app.add_route(_file_response(path, content_type), uri, methods=["GET"], name=name)

    async def serve_demo_page(request: Request) -> HTTPResponse | None:
        # Rasa answers `/` with "Hello from Rasa"; the demo shop page takes its place.
        if request.path != "/" or request.method != "GET":
            return None
        hub = getattr(app.ctx, "rapport_widget", None)
        shop = getattr(hub, "shop", None)
        try:
            page = await asyncio.to_thread((STATIC_DIR / "index.html").read_text, "utf-8")
        except FileNotFoundError:
            logger.error("%s is missing", STATIC_DIR / "index.html")
            return response.text("the demo page is missing on the server", status=404)
        if shop is not None:
            page = demo_page.render(shop, page)
        headers = {
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": DEMO_PAGE_POLICY,
        }
        return response.html(page, headers=headers)

    app.register_middleware(serve_demo_page, "request")


class IdentityLinker:
    """Tells the relationship memory about sign-ins, and which anonymous chats are retired.

    When a browser that chatted anonymously signs in, its anonymous conversation's history
    merges into the customer's record, and the anonymous id is retired: it is no key to the
    customer's record, and the widget refuses to resume it. The customer's own conversation id
    (the same on every device, reachable only with a verified identity) is linked to the shop's
    customer id. Memory is plain blocking SQLAlchemy: every call runs on a worker thread.
    """

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def _memory(self) -> Any:
        # The process's one store of this database (bot/composition.py). Not migrated here:
        # `python -m bot run` migrates the memory before Rasa starts, and Alembic's migration
        # must not run in two threads of one process at once.
        return composition.server().memory(self.database_url)

    def _link(self, anonymous_id: str | None, customer_id: str) -> None:
        from memory import services

        own = session_tokens.customer_conversation_id(customer_id)
        services.sign_in(self._memory(), anonymous_id, customer_id, own)

    async def link(self, anonymous_id: str | None, customer_id: str) -> None:
        await asyncio.to_thread(self._link, anonymous_id, customer_id)

    async def agents_online(self) -> int:
        """How many agents have the console open now (their presence in memory)."""

        def count() -> int:
            return len(composition.server().agents(self.database_url).online())

        return await asyncio.to_thread(count)

    async def retired(self, anonymous_id: str) -> bool:
        """Whether an anonymous conversation was merged into a signed-in customer's record."""
        return bool(
            await asyncio.to_thread(lambda: self._memory().customers.is_merged(anonymous_id))
        )


class WidgetInput(InputChannel):
    """The website widget's channel (`bot.channel.WidgetInput` in credentials.yml)."""

    @classmethod
    def name(cls) -> str:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(WidgetConfig.from_credentials(credentials))

    def __init__(self, config: WidgetConfig) -> None:
        self.config = config
        self.hub: WidgetHub | None = None

    def get_output_channel(self) -> OutputChannel | None:
        # Used by Rasa for messages that no customer message caused (reminders, external
        # events): they reach the conversation's widgets, or wait for them.
        return WidgetOutput(self.hub) if self.hub is not None else None

    def allows_origin(self, origin: str | None, environ: Mapping[str, Any]) -> bool:
        """Browsers may connect from the configured origins and from this server's own pages.

        The server's own origin is the configured public URL, never the request's Host header:
        a page on a domain re-pointed at this server (DNS rebinding) sends a matching Host.
        """
        if not origin:
            return True
        origin = origin.rstrip("/")
        own = self.config.public_url
        allowed = (bool(own) and origin == own) or origin in self.config.allowed_origins
        if not allowed:
            logger.warning("refused a widget connection from origin %s", origin)
        return allowed

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # With REDIS_URL, an emit on this process reaches widgets connected to the others (and
        # while Redis is down, still the widgets connected here).
        manager = (
            AsyncRedisManager(
                self.config.redis_url,
                redis_options={"socket_connect_timeout": live_state.REDIS_TIMEOUT_SECONDS},
            )
            if self.config.redis_url
            else None
        )
        sio = AsyncServer(
            async_mode="sanic",
            client_manager=manager,
            cors_allowed_origins=self.allows_origin,
            # A frame far beyond the longest message a customer may send is refused by the
            # transport before it is read into memory.
            max_http_buffer_size=widget_guards.max_frame_bytes(self.config.max_message_chars),
        )
        widget_guards.quiet_malformed_frames()
        logs.reformat(self.config.log_format)
        hub = WidgetHub(sio, self.config)
        hub.words = notice_words(self.config.business_file)
        hub.shop = business_of(self.config.business_file)
        self.hub = hub
        config = self.config
        widget = WidgetBlueprint(hub, "rapport_widget", __name__)

        @widget.route("/", methods=["GET"])
        async def alive(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @widget.route("/health", methods=["GET"])
        async def health_report(request: Request) -> HTTPResponse:
            return await health.respond(request, hub.app, config)

        metrics.LIVE.watch_memory(config.memory_database_url)

        @widget.route("/metrics", methods=["GET"])
        async def metrics_report(request: Request) -> HTTPResponse:
            return await metrics.respond(request, metrics.SERVER, config.metrics_token)

        @sio.on("disconnect")
        async def disconnect(sid: str, reason: object = None) -> None:
            # A message that arrived just before the disconnect is still being dispatched
            # (handlers run as tasks): keep the session a little while so it is answered,
            # and the answer waits for the next connection.
            asyncio.get_running_loop().call_later(SESSION_GRACE_SECONDS, hub.forget, sid)
            hub.forget_idle()
            session = hub.sockets.get(sid)
            if session is not None:
                await hub.live.widget_left(session.conversation_id, sid)

        @sio.on("session_request")
        async def session_request(sid: str, data: object = None) -> None:
            request = data if isinstance(data, dict) else {}
            if not hub.session_limiter.allow(sid):
                logger.warning("session requests on socket %s are over the limit", sid)
                await hub.refuse(sid, "session_limited", hub.text("widget_busy"))
                return
            token = request.get("session_id")
            anonymous_id = None
            restarted = False
            if token:
                try:
                    anonymous_id = session_tokens.verify_session_token(
                        config.session_secret, token, config.session_days * SECONDS_PER_DAY
                    )
                    # Resumed: a fresh token, so a session in use never expires.
                    token = session_tokens.issue_session_token(
                        config.session_secret, anonymous_id
                    ).token
                except TokenExpired:
                    logger.info("a widget session token expired; starting a new session")
                    restarted = True
                    await hub.refuse(
                        sid,
                        "session_expired",
                        hub.text("widget_session_expired"),
                    )
                except TokenRefused as refusal:
                    logger.warning("refused a widget session token (%s)", refusal)
                    restarted = True
                    await hub.refuse(
                        sid,
                        "session_refused",
                        hub.text("widget_session_refused"),
                    )
            if anonymous_id is not None and await _retired(hub, anonymous_id):
                # This browser signed in after chatting: that chat now belongs to the
                # customer's record, and the anonymous token alone opens nothing.
                logger.info("refused a retired widget session token")
                restarted = True
                await hub.refuse(
                    sid,
                    "session_refused",
                    hub.text("widget_session_refused"),
                )
                anonymous_id = None
            earlier_chat = anonymous_id
            if anonymous_id is None:
                address = hub.client_address(sid)
                if not hub.new_session_limiter.allow(address):
                    logger.warning("new conversations from %s are over the limit", address)
                    busy = hub.text("widget_busy")
                    await hub.refuse(sid, "session_limited", busy)
                    return
                issued = session_tokens.issue_session_token(config.session_secret)
                token, anonymous_id = issued.token, issued.conversation_id
            session = SocketSession(conversation_id=anonymous_id, anonymous_id=anonymous_id)

            customer = request.get("customer")
            if isinstance(customer, dict) and customer.get("id") is not None:
                try:
                    customer_id = session_tokens.verify_identity(
                        config.identity_secret,
                        customer.get("id"),
                        customer.get("signature"),
                        customer.get("expires"),
                    )
                except IdentityRefused as refusal:
                    logger.warning("refused a customer identity from the widget (%s)", refusal)
                    await hub.refuse(
                        sid,
                        "identity_refused",
                        hub.text("widget_identity_refused"),
                    )
                else:
                    name = customer.get("name")
                    session.customer_id = customer_id
                    session.customer_name = str(name)[:80] if isinstance(name, str) else None
                    session.conversation_id = session_tokens.customer_conversation_id(customer_id)
                    if earlier_chat is not None and not await hub.tracker_events(earlier_chat):
                        earlier_chat = None  # an empty chat: nothing to merge or retire
                    await _link_once(hub, earlier_chat, customer_id)
                    # Signing in starts a fresh anonymous chat: the token the browser held
                    # before is retired, and the one it keeps now names an empty conversation,
                    # so after signing out (or for the next person at this computer) nothing
                    # of the account is reachable from it.
                    issued = session_tokens.issue_session_token(config.session_secret)
                    token, session.anonymous_id = issued.token, issued.conversation_id

            old = hub.sockets.get(sid)
            if old is not None and old.conversation_id != session.conversation_id:
                await sio.leave_room(sid, old.conversation_id)
                await hub.live.widget_left(old.conversation_id, sid)
            hub.sockets[sid] = session
            # python-socketio >= 5.10 made enter_room a coroutine: without the await the
            # socket never joins and replies are lost (Rasa 3.6's own channel has that bug).
            await sio.enter_room(sid, session.conversation_id)
            await hub.live.widget_joined(session.conversation_id, sid)
            await sio.emit("session_confirm", token, to=sid)
            shown = await hub.send_history(sid, session.conversation_id)
            await hub.welcome(sid, session.conversation_id, empty=shown == 0)
            if restarted:
                # Widgets written for Rasa know nothing of `rapport_error` and keep showing the
                # old transcript they stored: say, in the chat itself, that this one is new.
                await hub.notice(sid, hub.text("widget_new_chat"), "new_chat")

        @sio.on(CUSTOMER_TYPING_EVENT)
        async def customer_typing(sid: str, data: object = None) -> None:
            # Only a flag for the socket's own conversation: nothing the client sends is kept.
            session = hub.sockets.get(sid)
            if session is not None:
                typing = bool(data.get("typing")) if isinstance(data, dict) else False
                await hub.customer_typing(session.conversation_id, typing)

        @sio.on(USER_EVENT)
        async def user_uttered(sid: str, data: object = None) -> None:
            session = hub.sockets.get(sid)
            if session is None:
                await hub.refuse(sid, "no_session", hub.text("widget_no_session"))
                return
            await hub.customer_typing(session.conversation_id, False)
            request = data if isinstance(data, dict) else {}
            text = request.get("message")
            if not isinstance(text, str):
                await hub.refuse(sid, "bad_message", hub.text("widget_bad_message"))
                return
            conversation_id = session.conversation_id
            # This event's task logs about this conversation from here on (bot/logs.py).
            logs.set_conversation(conversation_id)
            if not hub.allow_message(sid, conversation_id):
                logger.warning(
                    "rate limit reached in %s (socket %s, address %s)",
                    conversation_id,
                    sid,
                    hub.client_address(sid),
                )
                await hub.notice(sid, hub.text("widget_too_fast"), "rate_limited")
                return
            if widget_guards.too_long(text, config.max_message_chars):
                too_long = hub.text("widget_too_long")
                await hub.notice(sid, too_long.format(limit=config.max_message_chars), "too_long")
                return
            words = widget_guards.customer_text(text, hub.offered.get(conversation_id, []))
            if not words:
                return
            if hub.app is not None and not await health.tracker_store_reachable(hub.app):
                # Without its history Rasa would start the conversation afresh: say so instead,
                # and keep the history for when the database is back.
                logger.error(
                    "the conversations' database does not answer; %s was told to try again",
                    conversation_id,
                )
                await hub.notice(sid, hub.contact_text("widget_records_down"), "records_down")
                return
            metadata = widget_guards.client_metadata(
                request.get("metadata", request.get("customData"))
            )
            metadata.update(session.message_metadata())
            # Which client sent it (a keyed digest of the address, never the address): the
            # action server limits handoffs per client with it.
            metadata["client"] = rate_limits.client_key(
                config.session_secret, hub.client_address(sid)
            )
            output = WidgetOutput(hub)
            metrics.message_in(self.name())
            started = time.monotonic()
            # A typed button title, or a plain yes to a yes-or-no question, acts as the bot's
            # own button (bot/typed_buttons.py).
            meant = await typed_buttons.as_pressed(
                hub.live, conversation_id, words, typed_buttons.PlainYes.of(hub.shop)
            )
            if meant != words:
                metadata[typed_buttons.TYPED_KEY] = words
                words = meant
            message = UserMessage(
                words, output, conversation_id, input_channel=self.name(), metadata=metadata
            )
            await hub.typing(conversation_id, True)
            try:
                # A question the bot answers goes back to the bot even while a message for the
                # team waits; a chat an agent holds is paused (bot/waiting.py).
                await waiting.before_handling(
                    hub.app, conversation_id, words, config.memory_database_url
                )
            except Exception:
                logger.exception("reading the waiting chat %s failed", conversation_id)
            try:
                await on_new_message(message)
            except Exception:
                logger.exception("handling a widget message in %s failed", conversation_id)
                await hub.notice(sid, hub.text("widget_failed"), "failed")
                return
            finally:
                # Before anything else is sent: a late "bot stopped typing" would hide the
                # indicator of an agent who has started typing meanwhile.
                await hub.typing(conversation_id, False)
            try:
                # A paused chat waiting for a person logs the message but says nothing: the
                # customer still gets a reply (bot/waiting.py). Once the bot has answered,
                # neither check has anything to find.
                if output.sent == 0 and not await waiting.answer_if_waiting(
                    hub.app, conversation_id, output, config.memory_database_url
                ):
                    await hub.answer_if_unanswered(sid, conversation_id)
            except Exception:
                logger.exception("acknowledging a message to %s failed", conversation_id)
                await hub.notice(sid, hub.text("widget_failed"), "failed")
            metrics.replied(self.name(), time.monotonic() - started)

        return widget


async def _link_once(hub: WidgetHub, anonymous_id: str | None, customer_id: str) -> None:
    if hub.linker is None or (anonymous_id, customer_id) in hub.linked:
        return
    try:
        await hub.linker.link(anonymous_id, customer_id)
    except Exception:
        # Not fatal for the chat: the next session_request tries again.
        logger.exception("memory could not link a sign-in to customer %s", customer_id)
        return
    hub.linked.add((anonymous_id, customer_id))
    if len(hub.linked) > MAX_LINKED:
        hub.linked.clear()
    logger.info("linked a widget sign-in to customer %s", customer_id)


async def _retired(hub: WidgetHub, anonymous_id: str) -> bool:
    if hub.linker is None:
        return False
    try:
        return await hub.linker.retired(anonymous_id)
    except Exception:
        # Memory unreachable: the token cannot be checked, so it opens nothing.
        logger.exception("memory could not say whether a widget session is retired")
        return True


NOTICE_TEMPLATES = (
    "widget_too_long",
    "widget_too_fast",
    "widget_failed",
    "widget_unanswered",
    "widget_records_down",
    "widget_busy",
    "widget_new_chat",
    "widget_session_expired",
    "widget_session_refused",
    "widget_identity_refused",
    "widget_no_session",
    "widget_bad_message",
)


def business_of(business_file: str) -> Any:
    """The business file (the process's, read once: bot/composition.py), or None when it
    cannot be read."""
    if not business_file:
        return None
    try:
        return composition.server().business(business_file)
    except Exception as error:
        logger.warning("the widget works without the business file: %s", error)
        return None


def notice_words(business_file: str) -> dict[str, str]:
    """The words of the channel's notices from the business file's `templates:` (the channel
    has no words of its own: a shop words every notice)."""
    shop = business_of(business_file)
    if shop is None:
        return {}
    missing = [name for name in NOTICE_TEMPLATES if name not in shop.templates]
    if missing:
        logger.error("the business file has no templates %s for the widget", ", ".join(missing))
    return {name: shop.templates[name] for name in NOTICE_TEMPLATES if name in shop.templates}
