"""The health endpoint (`GET /webhooks/widget/health`): is every part a customer relies on up?

Anyone gets the verdict only, `{"status": "ok"}` (200) or `{"status": "degraded"}` (503), for
load balancers and uptime checks; the operator's bearer token (`HEALTH_TOKEN`) gets the detail
of each part: the model, the action server, the tracker store, the memory database, the
queue of exchanges on their way to memory (with the memory writer process: whether it runs)
and, with REDIS_URL, Redis (what several Rasa
processes share: the lock store, socket.io, kept messages). A wrong token gets 401 and no
detail. The checks are kept for a few seconds (by the Rasa server's composition root,
`RecentChecks`), so probing the endpoint cannot load the parts it checks.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from typing import Any

import aiohttp
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import composition

logger = logging.getLogger(__name__)

CACHE_SECONDS = 5.0
# The conversations' database, once it answered, is not asked again for this long.
REACHABLE_SECONDS = 2.0
# Rasa's SQL tracker store keeps every conversation's events in this table.
TRACKER_TABLE = "events"
PROBE_SECONDS = 2.0
# The exchange queue is a concern from this many waiting events (memory is falling behind).
QUEUE_WARNING = 1000


class RecentChecks:
    """What the checks found lately, kept by the Rasa server's composition root
    (`bot.composition.ServerServices.health_checks`): the last report per server, fresh for
    `CACHE_SECONDS`, and when each conversations' database last answered."""

    def __init__(self) -> None:
        self.reports: dict[int, tuple[float, dict[str, Any]]] = {}
        self.reachable: dict[int, float] = {}


async def respond(request: Request, app: Any, config: Any) -> HTTPResponse:
    header = request.headers.get("authorization") or ""
    wants_detail = bool(header)
    if wants_detail and not _token_matches(header, getattr(config, "health_token", "")):
        logger.warning("refused a health detail request without the right token")
        return response.json(
            {"error": "the detail needs 'Authorization: Bearer <HEALTH_TOKEN>'"}, 401
        )
    report = await checked(
        app, getattr(config, "memory_database_url", ""), getattr(config, "redis_url", "")
    )
    status = 200 if report["status"] == "ok" else 503
    return response.json(report if wants_detail else {"status": report["status"]}, status)


def _token_matches(header: str, token: str) -> bool:
    if not token or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer ") :].encode(), token.encode())


async def checked(app: Any, memory_database_url: str, redis_url: str = "") -> dict[str, Any]:
    """The report of every part, the last one when it is fresh."""
    key = id(app)
    recent = composition.server().health_checks()
    cached = recent.reports.get(key)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    parts = list(
        await asyncio.gather(
            _model(agent),
            _action_server(agent),
            _tracker_store(agent),
            _memory(memory_database_url),
            _exchange_queue(agent),
        )
    )
    names: tuple[str, ...] = ("model", "action_server", "tracker_store", "memory", "exchange_queue")
    if redis_url:
        parts = [*parts, await _redis(redis_url)]
        names = (*names, "redis")
    report: dict[str, Any] = dict(zip(names, parts, strict=False))
    healthy = all(part.get("ok") for part in parts)
    report = {"status": "ok" if healthy else "degraded", **report}
    if not healthy:
        down = [name for name in names if not report[name].get("ok")]
        logger.error("health: degraded (%s)", ", ".join(down))
    recent.reports[key] = (time.monotonic(), report)
    return report


async def _model(agent: Any) -> dict[str, Any]:
    processor = getattr(agent, "processor", None)
    if agent is None or processor is None:
        return {"ok": False, "error": "no model is loaded"}
    metadata = processor.model_metadata
    return {
        "ok": True,
        "id": metadata.model_id,
        "trained_at": metadata.trained_at.isoformat(),
        "rasa": metadata.rasa_open_source_version,
    }


async def _action_server(agent: Any) -> dict[str, Any]:
    endpoint = getattr(agent, "action_endpoint", None)
    url = getattr(endpoint, "url", None)
    if not url:
        return {"ok": False, "error": "no action server is configured"}
    health_url = url.rsplit("/", 1)[0] + "/health"
    started = time.monotonic()
    try:
        timeout = aiohttp.ClientTimeout(total=PROBE_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            async with http.get(health_url) as answer:
                ok = answer.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        return {"ok": False, "error": f"unreachable ({type(error).__name__})"}
    return {"ok": ok, "ms": round((time.monotonic() - started) * 1000, 1)}


def _underneath(store: Any, attribute: str) -> Any:
    """`attribute` of Rasa's tracker store, or of the store its wrappers (fail-safe, awaitable)
    hold, if any has it."""
    for _ in range(4):
        if store is None:
            return None
        found = getattr(store, attribute, None)
        if found is not None:
            return found
        store = getattr(store, "_tracker_store", None) or getattr(store, "tracker_store", None)
    return None


def _engine_of(store: Any) -> Any:
    """The SQLAlchemy engine under Rasa's tracker store wrappers, if it has one."""
    return _underneath(store, "engine")


def _select_one(engine: Any, table: str = "") -> None:
    from sqlalchemy import literal, select
    from sqlalchemy import table as named_table

    query = select(literal(1))
    if table:
        # A table of its own when named: a database file that went away comes back empty.
        query = query.select_from(named_table(table)).limit(1)
    with engine.connect() as connection:
        connection.execute(query)


async def _probe(engine: Any, table: str = "") -> dict[str, Any]:
    started = time.monotonic()
    try:
        await asyncio.wait_for(asyncio.to_thread(_select_one, engine, table), PROBE_SECONDS)
    except asyncio.TimeoutError:
        # Slow is not gone: on a busy server the query may wait for a worker thread or a lock.
        return {"ok": False, "error": f"no answer within {PROBE_SECONDS:g} s", "slow": True}
    except Exception as error:
        said = f"{type(error).__name__}: {str(error)[:200]}"
        return {"ok": False, "error": said, "slow": "database is locked" in str(error)}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


async def _tracker_store(agent: Any) -> dict[str, Any]:
    engine = _engine_of(getattr(agent, "tracker_store", None))
    if engine is None:
        return {"ok": agent is not None, "kind": "in memory"}
    return {"kind": engine.dialect.name, **await _probe(engine, TRACKER_TABLE)}


async def tracker_store_reachable(app: Any) -> bool:
    """Whether the conversations' database answers (checked at most every `REACHABLE_SECONDS`
    while it does, at every message while it does not). Without it Rasa would start every
    conversation afresh, greeting a returning customer as a stranger: the channel asks first."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    engine = _engine_of(getattr(agent, "tracker_store", None))
    if engine is None:
        return True
    reachable = composition.server().health_checks().reachable
    checked = reachable.get(id(engine))
    if checked is not None and time.monotonic() - checked < REACHABLE_SECONDS:
        return True
    probe = await _probe(engine, TRACKER_TABLE)
    if probe.get("ok"):
        reachable[id(engine)] = time.monotonic()
        return True
    if probe.get("slow"):
        # A database that went away answers with an error at once; one that is only busy (a
        # full thread pool, a writer holding SQLite's lock) must not turn customers away.
        logger.warning("the conversations' database is slow to answer: %s", probe["error"])
        return True
    reachable.pop(id(engine), None)
    return False


async def _memory(database_url: str) -> dict[str, Any]:
    if not database_url:
        return {"ok": False, "error": "no memory database is configured"}
    # The process's one engine of this database (bot/composition.py).
    return await _probe(composition.server().memory(database_url).engine)


async def _redis(redis_url: str) -> dict[str, Any]:
    state = composition.server().live_state(redis_url)
    reachable = getattr(state, "reachable", None)
    if reachable is None or await reachable():
        return {"ok": True}
    return {"ok": False, "error": "Redis does not answer; each process serves only its own"}


async def _exchange_queue(agent: Any) -> dict[str, Any]:
    broker = _underneath(getattr(agent, "tracker_store", None), "event_broker")
    worker = getattr(broker, "worker", None)
    if worker is None:
        return {"ok": False, "error": "no memory event broker"}
    try:
        # The broker's own count: events handed over in memory and those in the outbox file.
        waiting = await asyncio.to_thread(broker.queue_depth)
    except Exception as error:
        return {"ok": False, "error": f"{type(error).__name__}: {str(error)[:200]}"}
    alive = worker.alive()
    part: dict[str, Any] = {"waiting": waiting, "worker_alive": alive}
    writer_running = getattr(broker, "writer_running", None)
    running = await asyncio.to_thread(writer_running) if callable(writer_running) else None
    if running is not None:
        # The memory writer process drains the outbox: while it is down the bot answers on and
        # the events wait in the outbox (nothing is lost), but memory falls behind.
        part["writer_running"] = running
        part["oldest_waiting_s"] = round(await asyncio.to_thread(worker.outbox.oldest_seconds), 1)
    healthy = alive and waiting < QUEUE_WARNING and running is not False
    return {"ok": healthy, **part}
