"""Two real Rapport Rasa processes sharing Redis, one action server and one database.

A customer's widget is on process A and the agent's console on process B: the agent's reply
reaches the customer, the customer's typing and words reach the agent; two messages of one
conversation sent to both processes at the same moment are processed one after the other (the
Redis lock store); a message sent while the customer was away is delivered once when they come
back through the other process; with Redis stopped, each process keeps answering its own
customers and the health detail says Redis is down.

RAPPORT_TEST_LOCK_STORE=in_memory starts the two processes with the in-memory lock store
instead, to see the ordering test fail without the shared lock.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from redis_server import RedisServer

from bot import processes, session_tokens
from bot.processes import Service
from memory.agents import AgentAccounts
from memory.store import MemoryStore

pytestmark = pytest.mark.cluster

AGENT = "Sam"
AGENT_PASSWORD = "a long console password for the cluster test"
REPLY_SECONDS = 60.0


@dataclasses.dataclass
class Pair:
    """Process A (with the action server) and process B, same databases, same Redis."""

    a: Any  # rapport_widget_server.WidgetServer
    b_url: str
    b: Service

    @property
    def a_url(self) -> str:
        return str(self.a.url)

    @property
    def database_url(self) -> str:
        return str(self.a.settings.database_url)

    def stop(self) -> None:
        self.b.stop()
        self.a.stop()


def start_pair(redis_url: str, lock_store: str) -> Pair:
    import rapport_widget_server as harness

    shared = {
        **harness.SHARED_SERVER_LIMITS,
        "REDIS_URL": redis_url,
        "LOCK_STORE": lock_store,
        # Both processes answer out of hours alike: the agents' queue is open.
        "RATE_LIMIT_PER_MINUTE": "1000",
    }
    a = harness.start_server(shared, log_folder="redis-cluster-a")
    b_port = harness._free_port({a.settings.rasa_port, a.settings.actions_port})
    # B writes its memory itself: no memory writer process is started for its outbox here.
    b_settings = dataclasses.replace(
        a.settings,
        rasa_port=b_port,
        memory_outbox=a.workdir / "memory-outbox-b.db",
        memory_writer="rasa",
    )
    env = dict(a.env)
    env.update(b_settings.env_for_rasa())
    env.update({"RASA_PORT": str(b_port), "MEMORY_OUTBOX": str(b_settings.memory_outbox)})
    logs = harness.ROOT / "var" / "log" / "redis-cluster-b"
    for old in logs.glob("*.log"):
        old.unlink()
    b = Service(
        "Rasa server B",
        processes.rasa_server_command(b_settings, harness.newest_model()),
        logs / "rasa.log",
    )
    b.start(env)
    pair = Pair(a, b_settings.rasa_url, b)
    try:
        processes.wait_until_ready(
            [b],
            [(b, f"{pair.b_url}/webhooks/widget/")],
            harness.START_TIMEOUT_SECONDS,
            lambda elapsed, waiting: None,
        )
        harness._wait_for_agent(pair.b_url, b_settings.rest_token, a)
    except Exception:
        tail = b.log_tail(60)
        pair.stop()
        raise RuntimeError(f"process B did not start:\n{tail}") from None
    return pair


@pytest.fixture(scope="module")
def pair(redis_server: RedisServer) -> Iterator[Pair]:
    started = start_pair(redis_server.url, os.environ.get("RAPPORT_TEST_LOCK_STORE", "redis"))
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def cluster(pair: Pair, redis_server: RedisServer) -> Pair:
    if redis_server.process is None:
        redis_server.start()  # a test stopped it and failed before starting it again
    return pair


# -- the customer's widget and the agent's console ---------------------------------------------


def widget(url: str) -> Any:
    from widget_client import Widget

    customer = Widget(url)
    customer.client.on("typing", customer._recorder("typing"))
    return customer


def conversation_of(token: str) -> str:
    from rapport_widget_server import SESSION_SECRET

    return session_tokens.verify_session_token(SESSION_SECRET, token)


def agent_signed_in(pair: Pair) -> tuple[requests.Session, str]:
    """The agent, signed in to the console of process B: (browser, CSRF token)."""
    store = MemoryStore(pair.database_url)
    try:
        accounts = AgentAccounts(store.engine)
        if AGENT not in accounts.names():
            accounts.add(AGENT, AGENT_PASSWORD)
    finally:
        store.close()
    browser = requests.Session()
    signed_in = browser.post(
        f"{pair.b_url}/console/sign-in",
        data={"name": AGENT, "password": AGENT_PASSWORD},
        headers={"Origin": pair.b_url},
        allow_redirects=False,
        timeout=30,
    )
    assert signed_in.status_code == 303, signed_in.text
    csrf = browser.get(f"{pair.b_url}/console/api/me", timeout=30).json()["csrf_token"]
    return browser, csrf


async def post(browser: requests.Session, url: str, csrf: str, body: dict) -> requests.Response:
    return await asyncio.to_thread(
        browser.post, url, json=body, headers={"X-CSRF-Token": csrf}, timeout=REPLY_SECONDS
    )


async def handoff_for(database_url: str, conversation: str) -> int:
    store = MemoryStore(database_url)
    try:
        deadline = time.monotonic() + REPLY_SECONDS
        while time.monotonic() < deadline:
            handoff = await asyncio.to_thread(store.handoffs.open_for, conversation)
            if handoff is not None:
                return int(handoff.id)
            await asyncio.sleep(0.5)
    finally:
        store.close()
    raise AssertionError("the chat never reached the agents' queue")


class Console:
    """The agent's live socket on process B, recording what it pushes."""

    def __init__(self, url: str, cookie: str) -> None:
        self.url = url.replace("http", "ws", 1) + "/console/socket"
        self.origin = url
        self.cookie = cookie
        self.seen: list[dict[str, Any]] = []
        self.ws: Any = None

    async def __aenter__(self) -> Console:
        import websockets

        headers = {"Cookie": self.cookie, "Origin": self.origin}
        self.ws = await websockets.connect(self.url, extra_headers=headers)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.ws.close()

    async def watch(self, handoff_id: int) -> None:
        await self.ws.send(json.dumps({"watch": handoff_id}))

    async def until(self, wanted: Any, seconds: float = REPLY_SECONDS) -> dict[str, Any]:
        """The first pushed message for which `wanted(message)` holds."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), deadline - time.monotonic())
            except asyncio.TimeoutError:
                break
            message = json.loads(raw)
            self.seen.append(message)
            if wanted(message):
                return message
        raise AssertionError(f"the console never got it; it got {self.seen[-5:]}")


def said(messages: list[dict[str, Any]], sender: str, text: str) -> bool:
    return any(m.get("sender") == sender and text in str(m.get("text")) for m in messages)


async def test_the_customer_on_a_and_the_agent_on_b_talk_to_each_other(cluster: Pair) -> None:
    customer = widget(cluster.a_url)
    await customer.connect()
    try:
        token, _ = await customer.start_session()
        conversation = conversation_of(token)
        await customer.say("I'd like to talk to a person please")
        handoff_id = await handoff_for(cluster.database_url, conversation)
        await customer.drain(2.0)

        browser, csrf = agent_signed_in(cluster)
        api = f"{cluster.b_url}/console/api/handoffs/{handoff_id}"
        cookie = f"rapport_agent={browser.cookies['rapport_agent']}"
        async with Console(cluster.b_url, cookie) as console:
            await console.until(lambda m: m["type"] == "queue")
            claimed = await post(browser, f"{api}/claim", csrf, {})
            assert claimed.status_code == 200, claimed.text
            await console.watch(handoff_id)
            await console.until(lambda m: m["type"] == "messages")

            # The agent types on B: the customer on A sees it.
            typing = await post(browser, f"{api}/typing", csrf, {"typing": True})
            assert typing.status_code == 200, typing.text
            while (shown := await customer.next("typing")).get("agent") is None:
                pass  # the bot's own typing signals of the earlier turn
            assert shown == {**shown, "typing": True, "agent": AGENT}

            # The agent's reply on B reaches the customer on A.
            reply = "Hi, Sam here from the workshop: what can I do for you?"
            sent = await post(browser, f"{api}/messages", csrf, {"text": reply})
            assert sent.status_code == 200 and sent.json()["sent"], sent.text

            async def agent_reply() -> dict[str, Any]:
                while True:
                    message = await customer.next("bot_uttered")
                    if message.get("text") == reply:
                        return message

            received = await asyncio.wait_for(agent_reply(), REPLY_SECONDS)
            assert received["agent"] == AGENT

            # The customer types on A: the agent on B sees it.
            await customer.client.emit("customer_typing", {"typing": True})
            await console.until(lambda m: m["type"] == "customer_typing" and m["typing"])

            # The customer's answer on A reaches the agent on B.
            answer = "my rear brake squeaks on every hill"
            await customer.client.emit("user_uttered", {"message": answer, "metadata": {}})
            pushed = await console.until(
                lambda m: m["type"] == "messages" and said(m["messages"], "customer", answer)
            )
            assert said(pushed["messages"], "agent", reply)
    finally:
        await customer.close()


def tracker_events(pair: Pair, sender: str) -> list[dict[str, Any]]:
    token = pair.a.settings.rasa_api_token
    got = requests.get(
        f"{pair.a_url}/conversations/{sender}/tracker",
        params={"include_events": "ALL", "token": token},
        timeout=60,
    )
    assert got.status_code == 200, got.text
    return list(got.json()["events"])


def turns(events: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """Each customer message with what the bot did and said after it, up to the next one."""
    found: list[tuple[str, list[str]]] = []
    for event in events:
        if event["event"] == "user":
            found.append((event["text"], []))
        elif found and event["event"] in ("action", "bot"):
            found[-1][1].append(event.get("name") or f"bot: {event.get('text')}")
    return found


def test_two_messages_sent_to_both_processes_at_once_are_processed_in_order(
    cluster: Pair,
) -> None:
    rest_token = cluster.a.settings.rest_token
    rounds = 4
    questions = [
        ("when are you open on saturday?", "do you fix flat tyres?"),
        ("hi there", "where is the shop?"),
        ("do you sell helmets?", "how much is a tune-up?"),
        ("thanks!", "can I book a repair?"),
    ][:rounds]
    sender = f"cluster-order-{time.time_ns()}"
    replies: dict[str, list[Any]] = {}
    barrier = threading.Barrier(2)

    def send(url: str, text: str) -> None:
        barrier.wait()
        answer = requests.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers={"Authorization": f"Bearer {rest_token}"},
            timeout=REPLY_SECONDS,
        )
        replies[text] = answer.json() if answer.status_code == 200 else [answer.status_code]

    for on_a, on_b in questions:
        threads = [
            threading.Thread(target=send, args=(cluster.a_url, on_a)),
            threading.Thread(target=send, args=(cluster.b_url, on_b)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(REPLY_SECONDS * 2)

    sent = [text for pair in questions for text in pair]
    assert all(replies.get(text) and isinstance(replies[text][0], dict) for text in sent), replies
    events = tracker_events(cluster, sender)
    found = turns(events)
    # Every message is in the conversation once, and each turn is whole: the bot answered it
    # and went back to listening before the next customer message was read.
    assert sorted(text for text, _ in found) == sorted(sent), found
    for text, after in found:
        assert after and after[-1] == "action_listen", (text, after)
        assert any(step.startswith("bot: ") for step in after), (text, after)
    # The pairs in the order they were sent; within a pair, whichever the lock let in first.
    pairs = [sorted(text for text, _ in found[2 * n : 2 * n + 2]) for n in range(rounds)]
    assert pairs == [sorted(pair) for pair in questions]


async def test_a_message_sent_while_the_customer_was_away_arrives_once_on_the_other_process(
    cluster: Pair,
) -> None:
    customer = widget(cluster.a_url)
    await customer.connect()
    token, _ = await customer.start_session()
    conversation = conversation_of(token)
    await customer.say("I'd like to talk to a person please")
    handoff_id = await handoff_for(cluster.database_url, conversation)
    await customer.close()
    await asyncio.sleep(1.0)  # the disconnect reaches process A

    browser, csrf = agent_signed_in(cluster)
    api = f"{cluster.b_url}/console/api/handoffs/{handoff_id}"
    claimed = await post(browser, f"{api}/claim", csrf, {})
    assert claimed.status_code == 200, claimed.text
    reply = "Sam here: your wheel is trued and ready whenever suits you."
    sent = await post(browser, f"{api}/messages", csrf, {"text": reply})
    assert sent.status_code == 200 and sent.json()["sent"], sent.text

    back = widget(cluster.b_url)  # the customer comes back through the other process
    await back.connect()
    try:
        token, history = await back.start_session(token)
        assert conversation_of(token) == conversation
        await back.drain(3.0)
        delivered = [data for name, data in back.seen if name == "bot_uttered"]
        live = [m for m in delivered if m.get("text") == reply]
        in_history = [m for m in history if m.get("text") == reply]
        assert len(live) + len(in_history) == 1, (live, in_history)
        assert len(live) == 1  # kept for the customer and handed over by process B
    finally:
        await back.close()

    again = widget(cluster.a_url)  # and it is not delivered a second time
    await again.connect()
    try:
        token, history = await again.start_session(token)
        await again.drain(2.0)
        delivered = [data for name, data in again.seen if name == "bot_uttered"]
        assert not [m for m in delivered if m.get("text") == reply]
        assert [m.get("text") for m in history].count(reply) == 1  # in the history, once
    finally:
        await again.close()


async def test_with_redis_down_each_process_keeps_answering_its_customers(
    cluster: Pair, redis_server: RedisServer
) -> None:
    from rapport_widget_server import HEALTH_TOKEN

    customer = widget(cluster.a_url)
    await customer.connect()
    try:
        await customer.start_session()
        redis_server.stop()
        try:
            reply = await customer.say("when are you open on saturday?")
            assert reply.get("text") and reply.get("notice") is None, reply
            detail = await asyncio.to_thread(
                requests.get,
                f"{cluster.a_url}/webhooks/widget/health",
                headers={"Authorization": f"Bearer {HEALTH_TOKEN}"},
                timeout=60,
            )
            assert detail.status_code == 503
            assert detail.json()["redis"]["ok"] is False
        finally:
            redis_server.start()
        await asyncio.sleep(6.0)  # past the health page's cache
        detail = await asyncio.to_thread(
            requests.get,
            f"{cluster.a_url}/webhooks/widget/health",
            headers={"Authorization": f"Bearer {HEALTH_TOKEN}"},
            timeout=60,
        )
        assert detail.json()["redis"] == {"ok": True}, detail.text
        reply = await customer.say("do you fix flat tyres?")
        assert reply.get("text") and reply.get("notice") is None, reply
    finally:
        await customer.close()
