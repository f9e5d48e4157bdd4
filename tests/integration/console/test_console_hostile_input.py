"""Hostile input to the console's API over real HTTP: every request gets a clear 4xx (or its
ordinary answer) and never a server error, whatever a signed-in browser or a stranger sends."""

from __future__ import annotations

import json

import requests
from console_harness import ConsoleServer

# Bodies that are not what any route expects.
BODIES: list[bytes] = [
    b"",
    b"not json",
    b"\xff\xfe\xfd",
    b"[]",
    b"null",
    b"42",
    b'"text"',
    b"[" * 5000 + b"]" * 5000,
    json.dumps({"text": 42, "to": {"a": 1}, "outcome": ["resolved"], "typing": "yes"}).encode(),
    json.dumps({"text": None, "what": 3, "due_at": "yesterday"}).encode(),
    b'{"text": "hi \\ud800 there", "to": "\\udfff"}',
    json.dumps({"text": "x" * 1_000_000}).encode(),
    json.dumps(
        {"text": "<script>alert(1)</script>", "outcome": "'; DROP TABLE handoffs; --"}
    ).encode(),
]

POSTS = [
    "/console/api/handoffs/{id}/claim",
    "/console/api/handoffs/{id}/release",
    "/console/api/handoffs/{id}/transfer",
    "/console/api/handoffs/{id}/messages",
    "/console/api/handoffs/{id}/typing",
    "/console/api/handoffs/{id}/notes",
    "/console/api/handoffs/{id}/resolve",
    "/console/api/follow-ups/{id}/keep",
    "/console/api/tone",
]


def test_malformed_bodies_get_a_clear_refusal_never_a_server_error(
    console_server: ConsoleServer,
) -> None:
    handoff = console_server.service.queue.enqueue("cust-hostile", "customer_asked", "help")
    alex = console_server.signed_in("Alex")
    assert alex.post(f"{console_server.url}/console/api/handoffs/{handoff.id}/claim").ok
    tried = 0
    for path in POSTS:
        for body in BODIES:
            url = console_server.url + path.format(id=handoff.id)
            reply = alex.post(url, data=body, headers={"Content-Type": "application/json"})
            tried += 1
            assert reply.status_code < 500, (path, body[:40], reply.status_code, reply.text[:200])
            if reply.status_code >= 400:
                assert reply.json().get("error"), (path, body[:40], reply.text[:200])
    assert tried == len(POSTS) * len(BODIES)
    # The console still answers, with the chat as the valid requests left it.
    chat = alex.get(f"{console_server.url}/console/api/handoffs/{handoff.id}")
    assert chat.status_code == 200, chat.text
    assert chat.json()["handoff"]["state"] in ("waiting", "claimed", "resolved")


def test_hostile_ids_and_searches_are_answered_without_a_server_error(
    console_server: ConsoleServer,
) -> None:
    alex = console_server.signed_in("Alex")
    for handoff_id in ("0", "-1", str(10**30), "1e9", "abc", "%00", "..%2f..%2fetc"):
        reply = alex.get(f"{console_server.url}/console/api/handoffs/{handoff_id}")
        # Not a chat: not found (404), not a number (404 from the router), or no such chat (409).
        assert reply.status_code in (400, 404, 409), (handoff_id, reply.status_code)
    for words in (
        "' OR 1=1 --",
        "%",
        "_",
        "\\",
        "%%%%",
        "\x00",
        "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
        "x" * 100_000,
    ):
        reply = alex.get(f"{console_server.url}/console/api/past", params={"q": words})
        assert reply.status_code < 500, (words[:20], reply.status_code)
        if reply.status_code == 200:
            assert reply.json()["chats"] == [], words[:20]


def test_forged_sessions_and_missing_csrf_tokens_are_refused(console_server: ConsoleServer) -> None:
    handoff = console_server.service.queue.enqueue("cust-forged", "customer_asked", "help")
    url = f"{console_server.url}/console/api/handoffs/{handoff.id}/claim"
    for cookie in ("", "x" * 10_000, "'; DROP TABLE agent_sessions; --"):
        reply = requests.post(url, cookies={"rapport_agent": cookie}, json={}, timeout=10)
        # No session (401), or a cookie too large to read at all (413).
        assert reply.status_code in (401, 413), (cookie[:20], reply.status_code)
    alex = console_server.signed_in("Alex")
    for csrf in ("", "forged", alex.headers["X-CSRF-Token"] + "x"):
        reply = alex.post(url, json={}, headers={"X-CSRF-Token": csrf})
        assert reply.status_code == 403, (csrf, reply.status_code)
    assert console_server.service.queue.get(handoff.id).state == "waiting"


def test_hostile_sign_ins_are_refused_without_a_server_error(console_server: ConsoleServer) -> None:
    for name, password in (
        ("", ""),
        ("Alex", "x" * 1_000_000),
        ("' OR 1=1 --", "' OR 1=1 --"),
        ("Alex\x00", "correct horse battery"),
        ("\u202eAlex", "correct horse battery"),
    ):
        reply = requests.post(
            f"{console_server.url}/console/sign-in",
            data={"name": name, "password": password},
            headers={"Origin": console_server.url},
            allow_redirects=False,
            timeout=30,
        )
        assert reply.status_code < 500, (name[:20], reply.status_code)
        # Never signed in: no redirect into the console, no session cookie.
        assert reply.headers.get("Location") != "/console", name[:20]
        assert "rapport_agent" not in reply.cookies, name[:20]
