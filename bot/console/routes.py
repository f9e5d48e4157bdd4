"""The console's HTTP routes and agents' live socket (thin: the decisions live in ConsoleService,
memory.handoffs and bot.console.auth).

Every route but the sign-in page refuses without a signed-in agent: pages redirect to sign-in,
the API answers 401; every state-changing request needs the session's CSRF token.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine, Sequence
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rate_limits
from bot.console import auth, conversation
from bot.console.service import MAX_REPLY_CHARS, ConsoleService
from bot.console.training import ConsoleTrainer
from bot.console.training_routes import add_training_routes
from bot.live_state import LiveState, LocalLiveState
from memory.agents import CHAT_ROLES, SESSION_HOURS, AgentSession
from memory.handoffs import OUTCOMES, HandoffError

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
SOCKET_TICK_SECONDS = 0.5
HEARTBEAT_SECONDS = 30.0

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


class ConsoleBlueprint(Blueprint):
    """Mounted at /console whatever prefix Rasa gives input channels (/webhooks/<name>)."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        options = {**options, "url_prefix": "/console"}
        super().register(app, options)


def _file(name: str) -> bytes:
    return (STATIC_DIR / name).read_bytes()


async def _static(name: str, content_type: str) -> HTTPResponse:
    body = await asyncio.to_thread(_file, name)
    return response.raw(body, content_type=content_type, headers=SECURITY_HEADERS)


def role_page(
    current: Callable[[Request], Coroutine[Any, Any, AgentSession | None]],
    roles: Sequence[str],
    refused_page: str,
) -> Callable[[Callable[..., Coroutine[Any, Any, HTTPResponse]]], Any]:
    """A page for some roles only: the sign-in for nobody, `refused_page` (403) for the others."""

    def decorate(handler: Callable[..., Coroutine[Any, Any, HTTPResponse]]) -> Any:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            session = await current(request)
            if session is None:
                return response.redirect("/console/sign-in")
            if session.role not in roles:
                refused = await _static(refused_page, "text/html; charset=utf-8")
                refused.status = 403
                return refused
            return await handler(request, *args, **kwargs)

        return guarded

    return decorate


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status, headers={"Cache-Control": "no-store"})


def console_blueprint(
    service: ConsoleService,
    secure_cookies: bool = False,
    trusted_proxies: Sequence[rate_limits.Network] = (),
    limiter: auth.SignInLimiter | None = None,
    review: Any = None,
    trainer: ConsoleTrainer | None = None,
    insights: Any = None,
    live: LiveState | None = None,
) -> Blueprint:
    """The console's routes. `trusted_proxies` are the proxies whose X-Forwarded-For names the
    client; `limiter` counts sign-in attempts (the defaults of bot.console.auth when None);
    `review` (a bot.review.ReviewInbox) adds the trainers' page (bot/console/trainer.py);
    `trainer`, when given, adds the training page (bot.console.training_routes); `insights`
    (a memory.insights.Insights) adds the managers' page (bot/console/insights.py); `live`
    counts the agents' live consoles (bot.live_state: this process's, or shared in Redis by
    every Rasa process, so an agent counts as gone only when their last console closes)."""
    limiter = limiter or auth.SignInLimiter()
    bp = ConsoleBlueprint("rapport_console")
    bp.ctx.service = service
    bp.ctx.limiter = limiter
    consoles = live or LocalLiveState()

    def client_address(request: Request) -> str:
        forwarded = ",".join(request.headers.getall("x-forwarded-for", []))
        return rate_limits.client_address(request.ip, forwarded, trusted_proxies)

    async def current(request: Request) -> AgentSession | None:
        token = request.cookies.get(auth.COOKIE_NAME)
        if not token:
            return None
        return await asyncio.to_thread(service.accounts.session, token)

    def page(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            session = await current(request)
            if session is None:
                return response.redirect("/console/sign-in")
            if session.role not in CHAT_ROLES:
                # A trainer sees masked messages in the review inbox, never a customer's chat.
                return response.redirect("/console/trainer")
            request.ctx.agent = session
            return await handler(request, *args, **kwargs)

        return guarded

    def api(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            session = await current(request)
            if session is None:
                return _error(401, "sign in to the console first")
            if session.role not in CHAT_ROLES and handler.__name__ != "sign_out":
                return _error(403, "this account opens the review inbox, not customers' chats")
            if request.method not in ("GET", "HEAD"):
                supplied = request.headers.get(auth.CSRF_HEADER)
                if not auth.csrf_ok(session.csrf_token, supplied):
                    return _error(403, "missing or wrong CSRF token; reload the console")
            request.ctx.agent = session
            if not auth.ids_in_range(kwargs):
                return _error(404, "there is nothing with that number")
            try:
                return await handler(request, *args, **kwargs)
            except HandoffError as error:
                return _error(409, str(error))
            except conversation.ConsoleUnavailable as error:
                return _error(503, str(error))
            except (LookupError, ValueError) as error:
                return _error(400, str(error))

        return guarded

    def body(request: Request) -> dict[str, Any]:
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, RecursionError):  # not JSON, or nested too deep to read
            raise ValueError("the request body is not JSON") from None
        if not isinstance(data, dict):
            raise ValueError("the request body must be a JSON object")
        return data

    # -- sign-in -----------------------------------------------------------------------------

    @bp.get("/sign-in")
    async def sign_in_page(request: Request) -> HTTPResponse:
        return await _static("sign-in.html", "text/html; charset=utf-8")

    @bp.get("/sign-in.css")
    async def sign_in_style(request: Request) -> HTTPResponse:
        return await _static("console.css", "text/css; charset=utf-8")

    @bp.get("/sign-in.js")
    async def sign_in_script(request: Request) -> HTTPResponse:
        return await _static("sign-in.js", "application/javascript; charset=utf-8")

    @bp.get("/api.js")
    async def api_script(request: Request) -> HTTPResponse:
        return await _static("api.js", "application/javascript; charset=utf-8")

    @bp.post("/sign-in")
    async def sign_in(request: Request) -> HTTPResponse:
        # No session yet, so no CSRF token: a sign-in posted from another site is refused by
        # its Origin instead (login CSRF).
        if not auth.same_origin(request.headers, request.host):
            return _error(403, "sign-in is only accepted from the console's own page")
        name = (request.form.get("name") or "").strip()[:64]
        password = request.form.get("password") or ""
        address = client_address(request)
        # Counted before the (slow) check, so guesses sent together cannot all be checked.
        wait = limiter.attempt(address, name)
        if wait:
            logger.warning("console sign-in for %r from %s refused for %d s", name, address, wait)
            return response.redirect(
                "/console/sign-in?" + urlencode({"error": "locked", "wait": wait}),
                status=303,
            )
        try:
            agent_id = await asyncio.to_thread(service.accounts.authenticate, name, password)
        except Exception:
            limiter.not_checked(address, name)
            raise
        if agent_id is None:
            logger.warning("failed console sign-in for %r from %s", name, address)
            return response.redirect("/console/sign-in?error=wrong", status=303)
        limiter.succeeded(address, name)
        token, _ = await asyncio.to_thread(service.accounts.open_session, agent_id)
        done = response.redirect("/console", status=303)
        done.cookies[auth.COOKIE_NAME] = token
        for key, value in auth.cookie_attributes(secure_cookies, SESSION_HOURS * 3600).items():
            done.cookies[auth.COOKIE_NAME][key] = value
        return done

    @bp.post("/sign-out")
    @api
    async def sign_out(request: Request) -> HTTPResponse:
        await asyncio.to_thread(service.accounts.close_session, request.cookies[auth.COOKIE_NAME])
        done = response.json({"signed_out": True})
        done.cookies[auth.COOKIE_NAME] = ""
        for key, value in auth.cookie_attributes(secure_cookies, 0).items():
            done.cookies[auth.COOKIE_NAME][key] = value
        return done

    # -- pages -------------------------------------------------------------------------------

    @bp.get("/")
    @page
    async def console_page(request: Request) -> HTTPResponse:
        return await _static("console.html", "text/html; charset=utf-8")

    @bp.get("/console.js")
    @page
    async def console_script(request: Request) -> HTTPResponse:
        return await _static("console.js", "application/javascript; charset=utf-8")

    @bp.get("/console.css")
    @page
    async def console_style(request: Request) -> HTTPResponse:
        return await _static("console.css", "text/css; charset=utf-8")

    # -- API ---------------------------------------------------------------------------------

    @bp.get("/api/me")
    @api
    async def me(request: Request) -> HTTPResponse:
        session: AgentSession = request.ctx.agent
        agents = await asyncio.to_thread(service.accounts.names)
        return response.json(
            {
                "agent": session.agent,
                "csrf_token": session.csrf_token,
                "agents": agents,
                "role": session.role,
                # Times read in the shop's locale and timezone (business.yml `shop:`).
                "locale": service.shop_locale.replace("_", "-"),
                "timezone": service.shop_timezone,
            },
            headers={"Cache-Control": "no-store"},
        )

    @bp.get("/api/queue")
    @api
    async def queue(request: Request) -> HTTPResponse:
        items = await asyncio.to_thread(service.queue_view)
        follow_ups = await asyncio.to_thread(service.follow_ups_view)
        return response.json({"queue": items, "follow_ups": follow_ups})

    @bp.get("/api/handoffs/<handoff_id:int>")
    @api
    async def chat(request: Request, handoff_id: int) -> HTTPResponse:
        handoff = await asyncio.to_thread(service.handoff, handoff_id)
        view = await asyncio.to_thread(service.chat, handoff)
        view["messages"] = await conversation.transcript(request.app, handoff.sender_id)
        return response.json(view)

    @bp.get("/api/past")
    @api
    async def past(request: Request) -> HTTPResponse:
        words = str(request.args.get("q") or "")
        return response.json({"chats": await asyncio.to_thread(service.past_chats, words)})

    @bp.get("/api/canned")
    @api
    async def canned(request: Request) -> HTTPResponse:
        return response.json({"replies": service.canned})

    @bp.post("/api/follow-ups/<promise_id:int>/keep")
    @api
    async def keep(request: Request, promise_id: int) -> HTTPResponse:
        return response.json(
            {"follow_up": await asyncio.to_thread(service.keep_follow_up, promise_id)}
        )

    async def tell_customer(request: Request, sender_id: str, notice: str, agent: str) -> None:
        """A line in the customer's chat about who is with them now (domain `utter_<notice>`);
        the agent's action stands even when the line cannot be delivered."""
        text = conversation.response_text(
            request.app, f"utter_{notice}", required=False, agent=agent
        )
        if not text:
            return
        try:
            await conversation.send_notice(request.app, sender_id, notice, text)
        except Exception:
            logger.exception("could not tell conversation %s that %s", sender_id, notice)

    @bp.post("/api/handoffs/<handoff_id:int>/claim")
    @api
    async def claim(request: Request, handoff_id: int) -> HTTPResponse:
        agent = request.ctx.agent.agent
        handoff = await asyncio.to_thread(service.queue.claim, handoff_id, agent)
        await tell_customer(request, handoff.sender_id, "agent_joined", agent)
        return response.json({"handoff": await asyncio.to_thread(service.item, handoff.id)})

    @bp.post("/api/handoffs/<handoff_id:int>/release")
    @api
    async def release(request: Request, handoff_id: int) -> HTTPResponse:
        agent = request.ctx.agent.agent
        handoff = await asyncio.to_thread(service.queue.release, handoff_id, agent)
        await tell_customer(request, handoff.sender_id, "agent_left", agent)
        return response.json({"handoff": await asyncio.to_thread(service.item, handoff.id)})

    @bp.post("/api/handoffs/<handoff_id:int>/transfer")
    @api
    async def transfer(request: Request, handoff_id: int) -> HTTPResponse:
        wish = body(request)
        target = str(wish.get("to") or "")
        note = str(wish.get("note") or "")
        agent = request.ctx.agent.agent
        handoff = await asyncio.to_thread(service.transfer, handoff_id, agent, target, note)
        await tell_customer(request, handoff.sender_id, "agent_transferred", target)
        return response.json({"handoff": await asyncio.to_thread(service.item, handoff.id)})

    async def mine(request: Request, handoff_id: int) -> Any:
        handoff = await asyncio.to_thread(service.handoff, handoff_id)
        if handoff.state != "claimed" or handoff.claimed_by != request.ctx.agent.agent:
            raise HandoffError("claim this chat before writing in it")
        return handoff

    @bp.post("/api/handoffs/<handoff_id:int>/messages")
    @api
    async def reply(request: Request, handoff_id: int) -> HTTPResponse:
        wish = body(request)
        text = str(wish.get("text") or "").strip()
        if not text or len(text) > MAX_REPLY_CHARS:
            raise ValueError(f"a reply is 1 to {MAX_REPLY_CHARS} characters")
        handoff = await mine(request, handoff_id)
        agent = request.ctx.agent.agent
        gap = service.unfinished(text)
        if gap is not None:  # a used suggestion still waits for the agent's own words
            return response.json({"sent": False, "unfinished": gap})
        # The tone guard checks every reply on send: a flagged one goes out only when the agent
        # confirms it, and that is recorded for coaching.
        verdict = await asyncio.to_thread(service.tone, text)
        if not verdict["ok"]:
            if wish.get("confirmed") is not True:
                return response.json({"sent": False, "tone": verdict})
            await asyncio.to_thread(
                service.record_sent_anyway, handoff, agent, text, verdict["findings"]
            )
        await conversation.agent_typing(request.app, handoff.sender_id, agent, False)
        timestamp = await conversation.send_agent_message(
            request.app, handoff.sender_id, agent, text
        )
        if await asyncio.to_thread(service.replied, handoff):  # the reply promised is kept
            item = await asyncio.to_thread(service.item, handoff.id)
            return response.json({"sent": True, "timestamp": timestamp, "handoff": item})
        return response.json({"sent": True, "timestamp": timestamp})

    @bp.post("/api/handoffs/<handoff_id:int>/typing")
    @api
    async def typing(request: Request, handoff_id: int) -> HTTPResponse:
        handoff = await mine(request, handoff_id)
        typing = bool(body(request).get("typing"))
        agent = request.ctx.agent.agent
        await conversation.agent_typing(request.app, handoff.sender_id, agent, typing)
        return response.json({"typing": typing})

    @bp.post("/api/handoffs/<handoff_id:int>/notes")
    @api
    async def note(request: Request, handoff_id: int) -> HTTPResponse:
        text = str(body(request).get("text") or "").strip()
        if not text:
            raise ValueError("a note needs text")
        handoff = await asyncio.to_thread(service.handoff, handoff_id)
        agent = request.ctx.agent.agent
        await asyncio.to_thread(service.add_note, handoff.sender_id, agent, text)
        notes = await asyncio.to_thread(service.notes, handoff.sender_id)
        return response.json({"notes": notes})

    @bp.post("/api/handoffs/<handoff_id:int>/resolve")
    @api
    async def resolve(request: Request, handoff_id: int) -> HTTPResponse:
        wish = body(request)
        outcome = str(wish.get("outcome") or "")
        if outcome not in OUTCOMES:
            raise ValueError(f"an outcome is one of {', '.join(OUTCOMES)}")
        agent = request.ctx.agent.agent
        promised = None
        if outcome == "follow_up":
            promised = service.follow_up_terms(wish.get("what"), wish.get("due_at"))
            told = service.follow_up_words(agent, *promised)  # the business file has the words
            # The agent's words go to the customer inside the shop's: the guard checks them.
            verdict = await asyncio.to_thread(service.tone, told)
            if not verdict["ok"]:
                found = "; ".join(f'"{f["span"]}": {f["suggestion"]}' for f in verdict["findings"])
                raise ValueError(f"reword the promise before the customer reads it ({found})")
        await mine(request, handoff_id)
        handoff = await asyncio.to_thread(service.resolve, handoff_id, agent, outcome, promised)
        if promised is not None:
            try:
                await conversation.send_notice(
                    request.app, handoff.sender_id, "follow_up_promised", told
                )
            except Exception:
                logger.exception("could not tell %s about the follow-up", handoff.sender_id)
        await conversation.resume_bot(request.app, handoff.sender_id, agent)
        return response.json({"handoff": await asyncio.to_thread(service.item, handoff.id)})

    @bp.post("/api/tone")
    @api
    async def tone(request: Request) -> HTTPResponse:
        text = str(body(request).get("text") or "")
        return response.json(await asyncio.to_thread(service.tone, text))

    # -- the agents' live socket -------------------------------------------------------------

    async def socket_closed(agent: str) -> None:
        if await consoles.agent_socket_closed(agent):
            await asyncio.to_thread(service.accounts.went_away, agent)

    @bp.websocket("/socket")
    async def socket(request: Request, ws: Any) -> None:
        session = await current(request)
        if session is not None and session.role not in CHAT_ROLES:
            session = None
        if session is None or not auth.same_origin(request.headers, request.host):
            await ws.close(code=4401, reason="sign in to the console first")
            return
        agent = session.agent
        await consoles.agent_socket_opened(agent)
        watched: int | None = None
        last_queue: Any = None
        last_messages: Any = None
        last_typing = False
        last_beat = 0.0
        loop = asyncio.get_running_loop()
        try:
            while True:
                if loop.time() - last_beat > HEARTBEAT_SECONDS:
                    if (
                        await asyncio.to_thread(
                            service.accounts.session, request.cookies.get(auth.COOKIE_NAME)
                        )
                        is None
                    ):
                        await ws.close(code=4401, reason="signed out")
                        return
                    await asyncio.to_thread(service.accounts.heartbeat, agent)
                    last_beat = loop.time()
                items = await asyncio.to_thread(service.queue_view)
                follow_ups = await asyncio.to_thread(service.follow_ups_view)
                online = await asyncio.to_thread(service.accounts.online)
                shown = [{k: v for k, v in i.items() if k != "waiting_seconds"} for i in items]
                if (shown, follow_ups, online) != last_queue:
                    last_queue = (shown, follow_ups, online)
                    await ws.send(
                        json.dumps(
                            {
                                "type": "queue",
                                "queue": items,
                                "follow_ups": follow_ups,
                                "agents_online": online,
                            }
                        )
                    )
                if watched is not None:
                    handoff = await asyncio.to_thread(service.handoff, watched)
                    messages = await conversation.transcript(request.app, handoff.sender_id)
                    if messages != last_messages:
                        last_messages = messages
                        await ws.send(
                            json.dumps(
                                {"type": "messages", "handoff_id": watched, "messages": messages}
                            )
                        )
                    typing = await conversation.customer_typing(request.app, handoff.sender_id)
                    if typing != last_typing:
                        last_typing = typing
                        await ws.send(
                            json.dumps(
                                {"type": "customer_typing", "handoff_id": watched, "typing": typing}
                            )
                        )
                incoming = await ws.recv(timeout=SOCKET_TICK_SECONDS)
                if incoming:
                    try:
                        wish = json.loads(incoming)
                        watched = int(wish["watch"]) if wish.get("watch") is not None else None
                    except (ValueError, KeyError, TypeError, AttributeError):
                        continue
                    last_messages = None
        except (HandoffError, conversation.ConsoleUnavailable) as error:
            await ws.send(json.dumps({"type": "error", "error": str(error)}))
        finally:
            # Sanic cancels the handler when the socket drops: shield the writes, both in one
            # task, so a cancel that arrives after the count still marks the agent gone.
            await asyncio.shield(socket_closed(agent))

    if review is not None:
        from bot.console.trainer import add_trainer_routes

        add_trainer_routes(bp, review, current, body)
    if trainer is not None:
        add_training_routes(bp, trainer, current, _static)
    if insights is not None:
        from bot.console.insights import add_insights_routes

        add_insights_routes(bp, insights, service, current, body)
    return bp
