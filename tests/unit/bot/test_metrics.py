"""The metrics the entry points update, and the token in front of them (bot/metrics.py)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import OperationalError

import memory
from bot import broker, composition, metrics
from bot.settings import Settings
from memory.agents import AgentAccounts


def value(name: str, registry: CollectorRegistry = metrics.SERVER, **labels: str) -> float:
    found = registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


def user_event(intent: str, confidence: float) -> dict:
    return {
        "event": "user",
        "sender_id": "c1",
        "text": "hi",
        "parse_data": {"intent": {"name": intent, "confidence": confidence}},
    }


def test_messages_in_and_out_are_counted_by_channel() -> None:
    before_in = value("rapport_messages_in_total", channel="widget")
    before_out = value("rapport_messages_out_total", channel="rest")
    other = value("rapport_messages_in_total", channel="rest")
    metrics.message_in("widget")
    metrics.messages_out("rest", 3)
    metrics.messages_out("rest", 0)
    assert value("rapport_messages_in_total", channel="widget") == before_in + 1
    assert value("rapport_messages_out_total", channel="rest") == before_out + 3
    assert value("rapport_messages_in_total", channel="rest") == other


def test_reply_times_fall_in_their_buckets() -> None:
    under_half = value("rapport_reply_seconds_bucket", channel="widget", le="0.5")
    under_five = value("rapport_reply_seconds_bucket", channel="widget", le="5.0")
    count = value("rapport_reply_seconds_count", channel="widget")
    metrics.replied("widget", 0.3)
    metrics.replied("widget", 4.0)
    assert value("rapport_reply_seconds_bucket", channel="widget", le="0.5") == under_half + 1
    assert value("rapport_reply_seconds_bucket", channel="widget", le="5.0") == under_five + 2
    assert value("rapport_reply_seconds_count", channel="widget") == count + 2


def test_understanding_counts_confidence_and_fallbacks_of_customer_messages_only() -> None:
    low = value("rapport_nlu_confidence_bucket", le="0.4")
    count = value("rapport_nlu_confidence_count")
    fallbacks = value("rapport_fallbacks_total")
    metrics.understood(user_event("nlu_fallback", 0.35))
    metrics.understood(user_event("greet", 0.98))
    metrics.understood({"event": "bot", "text": "hello"})
    metrics.understood({"event": "user", "text": "no parse data"})
    assert value("rapport_nlu_confidence_count") == count + 2
    assert value("rapport_nlu_confidence_bucket", le="0.4") == low + 1
    assert value("rapport_fallbacks_total") == fallbacks + 1


def test_action_runs_and_errors_are_counted_by_action_on_the_action_server() -> None:
    runs = value("rapport_actions_run_total", metrics.ACTIONS, action="action_greet")
    errors = value("rapport_action_errors_total", metrics.ACTIONS, action="action_greet")
    metrics.action_ran("action_greet")
    metrics.action_failed("action_greet")
    assert value("rapport_actions_run_total", metrics.ACTIONS, action="action_greet") == runs + 1
    assert (
        value("rapport_action_errors_total", metrics.ACTIONS, action="action_greet") == errors + 1
    )
    # Each server shows its own figures.
    assert metrics.SERVER.get_sample_value("rapport_actions_run_total", {"action": "x"}) is None
    assert metrics.ACTIONS.get_sample_value("rapport_fallbacks_total") is None


def test_memory_write_failures_are_counted_by_kind_and_still_raised() -> None:
    def down(_event: object) -> bool:
        raise OperationalError("SELECT 1", {}, Exception("database is down"))

    def malformed(_event: object) -> bool:
        raise KeyError("sender_id")

    unavailable = value("rapport_memory_write_errors_total", kind="unavailable")
    rejected = value("rapport_memory_write_errors_total", kind="rejected")
    with pytest.raises(OperationalError):
        broker.counted(down)({})
    with pytest.raises(KeyError):
        broker.counted(malformed)({})
    assert broker.counted(lambda _event: True)({}) is True
    assert value("rapport_memory_write_errors_total", kind="unavailable") == unavailable + 1
    assert value("rapport_memory_write_errors_total", kind="rejected") == rejected + 1


def test_the_live_figures_come_from_memory_and_the_outbox(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    memory.migrate(url)
    services = composition.compose(Settings(database_url=url))
    composition.install(services)
    try:
        store = services.memory(url)
        requested = store.handoffs.enqueue("web-waiting", "customer_asked").requested_at
        store.handoffs.enqueue("web-also-waiting", "customer_asked")
        claimed = store.handoffs.enqueue("web-claimed", "customer_asked")
        store.handoffs.claim(claimed.id, "Sam")
        AgentAccounts(store.engine).add("Sam", "a long enough password")
        services.agents(url).heartbeat("Sam")
        live = metrics.LiveFigures()
        live.watch_memory(url)
        live.watch_queue(lambda: 7)
        figures = {
            sample.name: sample.value for family in live.collect() for sample in family.samples
        }
        assert figures["rapport_handoffs_waiting"] == 2
        assert figures["rapport_agents_online"] == 1
        assert figures["rapport_exchange_queue_depth"] == 7
        now = store.handoffs.now()
        longest = (now - requested).total_seconds()
        assert 0 <= figures["rapport_handoff_longest_wait_seconds"] <= longest + 1
    finally:
        composition.install(None)
        services.close()


def test_a_memory_that_cannot_be_read_leaves_the_other_figures() -> None:
    live = metrics.LiveFigures()
    live.watch_memory("sqlite:////nonexistent-folder/for/rapport/memory.db")
    live.watch_queue(lambda: 3)
    composition.install(composition.compose(Settings()))
    try:
        names = [family.name for family in live.collect()]
    finally:
        composition.install(None)
    assert names == ["rapport_exchange_queue_depth"]


class FakeRequest(SimpleNamespace):
    pass


async def test_the_endpoint_answers_only_the_bearer_of_its_token() -> None:
    registry = CollectorRegistry()
    counter = metrics.Counter("rapport_test_things", "Things.", registry=registry)
    counter.inc(2)
    token = "metrics-token-" + "t" * 20
    for header in (None, "", "Bearer ", f"Bearer {token}x", token, f"Basic {token}"):
        headers = {} if header is None else {"authorization": header}
        refused = await metrics.respond(FakeRequest(headers=headers), registry, token)
        assert refused.status == 401, header
        assert b"rapport_test_things" not in refused.body
    nobody = await metrics.respond(FakeRequest(headers={"authorization": "Bearer "}), registry, "")
    assert nobody.status == 401
    shown = await metrics.respond(
        FakeRequest(headers={"authorization": f"Bearer {token}"}), registry, token
    )
    assert shown.status == 200
    assert shown.content_type.startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(shown.body.decode())}
    assert families["rapport_test_things"].samples[0].value == 2


def test_the_server_registry_names_every_documented_metric() -> None:
    documented = (Path(__file__).parents[3] / "docs" / "metrics.md").read_text()
    names = {family.name for family in metrics.SERVER.collect()}
    names |= {family.name for family in metrics.ACTIONS.collect()}
    for name in names:
        assert f"`{name}" in documented, name
