"""The figures operators watch, as Prometheus metrics (prometheus-client), behind a token.

Each server has its registry: the Rasa server's (`SERVER`: messages, reply times, how well
messages were understood, the handoff queue, agents online, the exchange queue, memory write
errors) is shown at `/webhooks/widget/metrics`, the action server's (`ACTIONS`: actions run and
failed) at its `/metrics`. Both answer only `Authorization: Bearer <METRICS_TOKEN>`.
The entry points count (channels, event broker, actions); the live figures are read from
memory when Prometheus asks, in a worker thread. docs/metrics.md lists every metric.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

# The intent Rasa's FallbackClassifier gives a message it did not understand.
FALLBACK_INTENT = "nlu_fallback"

SERVER = CollectorRegistry(auto_describe=True)
ACTIONS = CollectorRegistry(auto_describe=True)

MESSAGES_IN = Counter(
    "rapport_messages_in",
    "Customer messages taken in, by channel.",
    ["channel"],
    registry=SERVER,
)
MESSAGES_OUT = Counter(
    "rapport_messages_out",
    "Messages sent to customers (the bot's and agents'), by channel.",
    ["channel"],
    registry=SERVER,
)
REPLY_SECONDS = Histogram(
    "rapport_reply_seconds",
    "Seconds from a customer's message to the end of the bot's reply, by channel.",
    ["channel"],
    buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0),
    registry=SERVER,
)
NLU_CONFIDENCE = Histogram(
    "rapport_nlu_confidence",
    "Confidence of the intent each customer message was understood as.",
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0),
    registry=SERVER,
)
FALLBACKS = Counter(
    "rapport_fallbacks",
    f"Customer messages not understood (intent {FALLBACK_INTENT}).",
    registry=SERVER,
)
MEMORY_WRITE_ERRORS = Counter(
    "rapport_memory_write_errors",
    "Failed writes of the exchange log into memory: 'unavailable' (the database is down; "
    "the event waits and is retried) or 'rejected' (the event was set aside).",
    ["kind"],
    registry=SERVER,
)
ACTIONS_RUN = Counter(
    "rapport_actions_run",
    "Actions the action server ran, by action.",
    ["action"],
    registry=ACTIONS,
)
ACTION_ERRORS = Counter(
    "rapport_action_errors",
    "Actions that failed (the customer got the apology and the offer of a person), by action.",
    ["action"],
    registry=ACTIONS,
)


def message_in(channel: str) -> None:
    MESSAGES_IN.labels(channel=channel).inc()


def messages_out(channel: str, count: int = 1) -> None:
    if count > 0:
        MESSAGES_OUT.labels(channel=channel).inc(count)


def replied(channel: str, seconds: float) -> None:
    REPLY_SECONDS.labels(channel=channel).observe(max(seconds, 0.0))


def understood(event: Mapping[str, Any]) -> None:
    """Count how a customer message (a tracker `user` event) was understood."""
    if event.get("event") != "user":
        return
    intent = (event.get("parse_data") or {}).get("intent") or {}
    confidence = intent.get("confidence")
    if isinstance(confidence, (int, float)) and not isinstance(confidence, bool):
        NLU_CONFIDENCE.observe(min(max(float(confidence), 0.0), 1.0))
    if intent.get("name") == FALLBACK_INTENT:
        FALLBACKS.inc()


def memory_write_failed(kind: str) -> None:
    MEMORY_WRITE_ERRORS.labels(kind=kind).inc()


def action_ran(action: str) -> None:
    ACTIONS_RUN.labels(action=action).inc()


def action_failed(action: str) -> None:
    ACTION_ERRORS.labels(action=action).inc()


# --- figures read when Prometheus asks ------------------------------------------------------


class LiveFigures(Collector):
    """Gauges read at each scrape: the handoff queue and agents online (from memory, through
    the composition root) and the exchange queue's depth (the event broker's outbox)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.database_url = ""
        self.queue_depth: Callable[[], int] | None = None

    def watch_memory(self, database_url: str) -> None:
        with self._lock:
            self.database_url = database_url

    def watch_queue(self, depth: Callable[[], int]) -> None:
        with self._lock:
            self.queue_depth = depth

    def describe(self) -> Iterable[Metric]:
        return []  # read live: nothing to read while the registry is built

    def collect(self) -> Iterable[Metric]:
        waiting = GaugeMetricFamily(
            "rapport_handoffs_waiting", "Chats waiting for a person (not yet claimed)."
        )
        longest = GaugeMetricFamily(
            "rapport_handoff_longest_wait_seconds",
            "Seconds the longest-waiting chat has waited for a person (0 when none waits).",
        )
        online = GaugeMetricFamily("rapport_agents_online", "Agents whose console is connected.")
        depth = GaugeMetricFamily(
            "rapport_exchange_queue_depth",
            "Events in the outbox on their way to the memory (grows while memory is down).",
        )
        try:
            count, seconds, agents = self._from_memory()
            waiting.add_metric([], count)
            longest.add_metric([], seconds)
            online.add_metric([], agents)
            yield waiting
            yield longest
            yield online
        except Exception as error:  # the other figures are still worth showing
            logger.warning("metrics: memory could not be read (%s)", type(error).__name__)
        reader = self.queue_depth
        if reader is not None:
            try:
                depth.add_metric([], reader())
                yield depth
            except Exception as error:
                logger.warning("metrics: the outbox could not be read (%s)", type(error).__name__)

    def _from_memory(self) -> tuple[int, float, int]:
        from bot import composition

        services = composition.server()
        store = services.memory(self.database_url)
        handoffs = [h for h in store.handoffs.open_handoffs() if h.state == "waiting"]
        now = store.handoffs.now()
        seconds = max(((now - h.requested_at).total_seconds() for h in handoffs), default=0.0)
        agents = len(services.agents(self.database_url).online())
        return len(handoffs), max(seconds, 0.0), agents


LIVE = LiveFigures()
SERVER.register(LIVE)


# --- the endpoint ---------------------------------------------------------------------------


def token_matches(header: str | None, token: str) -> bool:
    if not token or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer ") :].encode(), token.encode())


async def respond(request: Request, registry: CollectorRegistry, token: str) -> HTTPResponse:
    """The registry in Prometheus's text format, for the bearer of `token` only."""
    if not token_matches(request.headers.get("authorization"), token):
        logger.warning("refused a metrics request without the right token")
        return response.json({"error": "metrics need 'Authorization: Bearer <METRICS_TOKEN>'"}, 401)
    body = await asyncio.to_thread(generate_latest, registry)
    return response.raw(body, content_type=CONTENT_TYPE_LATEST)
