"""The chat view over real HTTP and the agents' socket: claim, reply, notes, tone, resolve
(the bot resumes), against a Rasa agent's real tracker and lock stores."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta, timezone

import requests
from console_harness import ConsoleServer
from rasa.shared.core.events import ConversationPaused, UserUttered


def _paused_conversation(server: ConsoleServer, sender_id: str) -> None:
    async def write() -> None:
        store = server.app.ctx.agent.tracker_store  # type: ignore[attr-defined]
        tracker = await store.get_or_create_tracker(sender_id)
        tracker.update(UserUttered("I want to talk to a person"))
        tracker.update(ConversationPaused())
        await store.save(tracker)

    server.run(write())


def _tracker(server: ConsoleServer, sender_id: str):
    store = server.app.ctx.agent.tracker_store  # type: ignore[attr-defined]
    return server.run(store.retrieve(sender_id))


def test_claim_reply_note_and_resolve(console_server: ConsoleServer) -> None:
    _paused_conversation(console_server, "cust-chat")
    handoff = console_server.service.queue.enqueue("cust-chat", "customer_asked")
    alex = console_server.signed_in("Alex")
    blake = console_server.signed_in("Blake")
    api = f"{console_server.url}/console/api/handoffs/{handoff.id}"

    queue = alex.get(f"{console_server.url}/console/api/queue").json()["queue"]
    assert [(item["id"], item["reason"]) for item in queue] == [(handoff.id, "customer_asked")]
    assert queue[0]["customer"]["stage"] == "new"

    # Writing needs the claim; only one agent gets it.
    assert alex.post(f"{api}/messages", json={"text": "Hello"}).status_code == 409
    assert alex.post(f"{api}/claim", json={}).status_code == 200
    taken = blake.post(f"{api}/claim", json={})
    assert taken.status_code == 409 and "Alex has already taken" in taken.json()["error"]

    sent = alex.post(f"{api}/messages", json={"text": "Hi, I'm Alex. How can I help?"})
    assert sent.status_code == 200, sent.text
    tracker = _tracker(console_server, "cust-chat")
    assert tracker.is_paused()
    last = tracker.events[-1]
    assert (last.text, last.metadata) == ("Hi, I'm Alex. How can I help?", {"agent": "Alex"})

    chat = alex.get(api).json()
    # The customer was told who joined (the domain's utter_agent_joined), then Alex wrote.
    assert [m["sender"] for m in chat["messages"]] == ["customer", "bot", "agent"]
    assert "Alex" in chat["messages"][1]["text"]
    assert chat["messages"][2]["agent"] == "Alex"

    notes = alex.post(f"{api}/notes", json={"text": "Prefers email"}).json()["notes"]
    assert [(n["agent"], n["text"]) for n in notes] == [("Alex", "Prefers email")]
    assert blake.get(api).json()["notes"][0]["text"] == "Prefers email"  # the next agent sees it

    assert alex.post(f"{api}/resolve", json={"outcome": "maybe"}).status_code == 400
    assert blake.post(f"{api}/resolve", json={"outcome": "resolved"}).status_code == 409
    # A follow-up says what is promised and by when; the customer is told, in the business
    # file's words, before the bot takes the chat back.
    assert alex.post(f"{api}/resolve", json={"outcome": "follow_up"}).status_code == 400
    due = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    done = alex.post(
        f"{api}/resolve",
        json={"outcome": "follow_up", "what": "a quote for the new wheel", "due_at": due},
    )
    assert done.status_code == 200, done.text
    tracker = _tracker(console_server, "cust-chat")
    assert not tracker.is_paused()
    close = [event for event in tracker.events if event.type_name == "bot"][-1]
    assert tracker.events[-1].action_name == "action_listen"  # the next message is a new turn
    assert close.data["custom"] == {"rating_request": True} and "Alex" in close.text
    card = console_server.service.store.cards.card_for_sender("cust-chat")
    assert [p.text for p in card.promises_due] == ["a quote for the new wheel"]
    told = [e for e in tracker.events if e.type_name == "bot"][-2]
    assert told.metadata == {"notice": "follow_up_promised"}
    assert "Alex" in told.text and "a quote for the new wheel" in told.text and "{" not in told.text
    assert alex.get(f"{console_server.url}/console/api/queue").json()["queue"] == []


def test_release_and_transfer_through_the_api(console_server: ConsoleServer) -> None:
    handoff = console_server.service.queue.enqueue("cust-transfer", "complaint")
    alex = console_server.signed_in("Alex")
    api = f"{console_server.url}/console/api/handoffs/{handoff.id}"
    assert alex.post(f"{api}/claim", json={}).status_code == 200
    assert alex.post(f"{api}/release", json={}).json()["handoff"]["state"] == "waiting"
    assert alex.post(f"{api}/claim", json={}).status_code == 200
    # Only to an agent who is online now.
    refused = alex.post(f"{api}/transfer", json={"to": "Casey"})
    assert refused.status_code == 409 and "not online" in refused.json()["error"]
    console_server.service.accounts.heartbeat("Blake")
    moved = alex.post(f"{api}/transfer", json={"to": "Blake"}).json()["handoff"]
    assert moved["claimed_by"] == "Blake"
    assert alex.post(f"{api}/messages", json={"text": "still mine?"}).status_code == 409


def test_tone_findings_for_a_draft(console_server: ConsoleServer) -> None:
    alex = console_server.signed_in("Alex")
    verdict = alex.post(
        f"{console_server.url}/console/api/tone",
        json={"text": "That's not our fault, you should have read the policy."},
    ).json()
    assert not verdict["ok"]
    assert {"kind", "span", "suggestion"} <= set(verdict["findings"][0])


def test_the_socket_pushes_the_queue_and_the_customers_messages(
    console_server: ConsoleServer,
) -> None:
    import websockets

    _paused_conversation(console_server, "cust-live")
    handoff = console_server.service.queue.enqueue("cust-live", "customer_asked")
    alex = console_server.signed_in("Alex")
    cookie = f"rapport_agent={alex.cookies['rapport_agent']}"
    url = console_server.url.replace("http", "ws") + "/console/socket"

    async def follow() -> list[dict]:
        seen: list[dict] = []
        headers = {"Cookie": cookie, "Origin": console_server.url}
        async with websockets.connect(url, extra_headers=headers) as ws:
            seen.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            await ws.send(json.dumps({"watch": handoff.id}))
            seen.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            store = console_server.app.ctx.agent.tracker_store  # type: ignore[attr-defined]
            tracker = await store.get_or_create_tracker("cust-live")
            tracker.update(UserUttered("Are you there?"))
            await store.save(tracker)
            seen.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            seen.append({"online": await asyncio.to_thread(console_server.service.accounts.online)})
        return seen

    queue, first, update, presence = console_server.run(follow())
    assert presence == {"online": ["Alex"]}  # a live socket is presence
    assert queue["type"] == "queue" and queue["queue"][0]["id"] == handoff.id
    assert first["type"] == "messages" and len(first["messages"]) == 1
    assert update["messages"][-1] == {**update["messages"][-1], "text": "Are you there?"}
    deadline = time.monotonic() + 10
    while console_server.service.accounts.online() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert console_server.service.accounts.online() == []  # the socket closed: gone away
    assert requests.get(f"{console_server.url}/console/api/queue", timeout=10).status_code == 401


def test_the_customer_is_told_when_an_agent_joins_leaves_or_hands_over(
    console_server: ConsoleServer,
) -> None:
    from pathlib import Path

    from rasa.shared.core.domain import Domain

    agent = console_server.app.ctx.agent  # type: ignore[attr-defined]
    empty = agent.domain
    agent.domain = Domain.load(str(Path(__file__).resolve().parents[3] / "domain.yml"))
    try:
        _paused_conversation(console_server, "cust-told")
        handoff = console_server.service.queue.enqueue("cust-told", "customer_asked")
        alex = console_server.signed_in("Alex")
        api = f"{console_server.url}/console/api/handoffs/{handoff.id}"
        assert alex.post(f"{api}/claim", json={}).status_code == 200
        assert alex.post(f"{api}/release", json={}).status_code == 200
        assert alex.post(f"{api}/claim", json={}).status_code == 200
        console_server.service.accounts.heartbeat("Blake")
        assert alex.post(f"{api}/transfer", json={"to": "Blake"}).status_code == 200
        tracker = _tracker(console_server, "cust-told")
        told = [
            (event.metadata["notice"], event.text)
            for event in tracker.events
            if event.type_name == "bot" and "notice" in (event.metadata or {})
        ]
        assert [notice for notice, _ in told] == [
            "agent_joined",
            "agent_left",
            "agent_joined",
            "agent_transferred",
        ]
        assert all(text and "{" not in text for _, text in told)
        assert "Alex" in told[0][1] and "Alex" in told[1][1] and "Blake" in told[3][1]
        assert tracker.is_paused()  # the lines are said about the chat; the bot stays quiet
    finally:
        agent.domain = empty
