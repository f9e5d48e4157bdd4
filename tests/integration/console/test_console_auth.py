"""Authentication of the console over real HTTP: sessions, CSRF, sign-in limits, sign-out."""

from __future__ import annotations

import requests
from console_harness import PASSWORD, ConsoleServer
from sqlalchemy import select

from memory import schema

# Every console route and API (method, path, JSON body) other than the sign-in page.
PROTECTED = [
    ("GET", "/console", None),
    ("GET", "/console/console.js", None),
    ("GET", "/console/console.css", None),
    ("GET", "/console/api/me", None),
    ("GET", "/console/api/queue", None),
    ("GET", "/console/api/handoffs/1", None),
    ("POST", "/console/api/handoffs/1/claim", {}),
    ("POST", "/console/api/handoffs/1/release", {}),
    ("POST", "/console/api/handoffs/1/transfer", {"to": "Blake"}),
    ("POST", "/console/api/handoffs/1/messages", {"text": "hi"}),
    ("POST", "/console/api/handoffs/1/typing", {"typing": True}),
    ("POST", "/console/api/handoffs/1/notes", {"text": "note"}),
    ("POST", "/console/api/handoffs/1/resolve", {"outcome": "resolved"}),
    ("POST", "/console/api/tone", {"text": "hi"}),
    ("GET", "/console/api/past?q=wheel", None),
    ("GET", "/console/api/canned", None),
    ("POST", "/console/api/follow-ups/1/keep", {}),
    ("POST", "/console/sign-out", {}),
]


def test_every_console_route_refuses_without_a_session(console_server: ConsoleServer) -> None:
    console_server.service.queue.enqueue("customer-1", "customer_asked")
    for method, path, body in PROTECTED:
        reply = requests.request(
            method, console_server.url + path, json=body, allow_redirects=False, timeout=10
        )
        if path.startswith("/console/api") or method == "POST":
            assert reply.status_code == 401, (method, path, reply.status_code)
        else:
            assert reply.status_code in (302, 303), (method, path, reply.status_code)
            assert reply.headers["Location"] == "/console/sign-in"
    # A made-up cookie is no session either.
    forged = requests.get(
        console_server.url + "/console/api/queue",
        cookies={"rapport_agent": "made-up"},
        timeout=10,
    )
    assert forged.status_code == 401


def test_the_console_refuses_the_websocket_without_a_session(console_server: ConsoleServer) -> None:
    import websockets

    async def connect() -> int | None:
        async with websockets.connect(
            console_server.url.replace("http", "ws") + "/console/socket"
        ) as ws:
            try:
                await ws.recv()
            except websockets.ConnectionClosed as closed:
                return closed.code
        return None

    assert console_server.run(connect()) == 4401


def test_sign_in_sets_a_strict_http_only_cookie(console_server: ConsoleServer) -> None:
    reply = requests.post(
        f"{console_server.url}/console/sign-in",
        data={"name": "Alex", "password": PASSWORD},
        headers={"Origin": console_server.url},
        allow_redirects=False,
        timeout=10,
    )
    assert reply.status_code == 303
    cookie = reply.headers["Set-Cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie
    page = requests.get(
        f"{console_server.url}/console", cookies=reply.cookies, allow_redirects=False, timeout=10
    )
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_wrong_password_is_refused(console_server: ConsoleServer) -> None:
    browser = requests.Session()
    reply = browser.post(
        f"{console_server.url}/console/sign-in",
        data={"name": "Alex", "password": PASSWORD + "!"},
        headers={"Origin": console_server.url},
        allow_redirects=False,
        timeout=10,
    )
    assert reply.status_code == 303
    assert reply.headers["Location"] == "/console/sign-in?error=wrong"
    assert "rapport_agent" not in browser.cookies
    assert browser.get(f"{console_server.url}/console/api/me").status_code == 401


def test_sign_in_from_another_site_is_refused(console_server: ConsoleServer) -> None:
    reply = requests.post(
        f"{console_server.url}/console/sign-in",
        data={"name": "Alex", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
        timeout=10,
    )
    assert reply.status_code == 403


def test_repeated_failures_lock_sign_in_even_with_the_right_password(
    console_server: ConsoleServer,
) -> None:
    for _ in range(5):
        requests.post(
            f"{console_server.url}/console/sign-in",
            data={"name": "Casey", "password": "wrong password!"},
            headers={"Origin": console_server.url},
            allow_redirects=False,
            timeout=10,
        )
    reply = requests.post(
        f"{console_server.url}/console/sign-in",
        data={"name": "Casey", "password": PASSWORD},
        headers={"Origin": console_server.url},
        allow_redirects=False,
        timeout=10,
    )
    assert reply.status_code == 303
    assert "error=locked" in reply.headers["Location"]


def test_state_changes_need_the_csrf_token(console_server: ConsoleServer) -> None:
    handoff = console_server.service.queue.enqueue("customer-1", "customer_asked")
    browser = console_server.signed_in("Alex")
    token = browser.headers.pop("X-CSRF-Token")
    claim = f"{console_server.url}/console/api/handoffs/{handoff.id}/claim"
    assert browser.post(claim, json={}).status_code == 403
    assert browser.post(claim, json={}, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert console_server.service.queue.get(handoff.id).state == "waiting"
    assert browser.post(claim, json={}, headers={"X-CSRF-Token": token}).status_code == 200


def test_sign_out_ends_the_session(console_server: ConsoleServer) -> None:
    browser = console_server.signed_in("Alex")
    assert browser.post(f"{console_server.url}/console/sign-out", json={}).status_code == 200
    browser.cookies.clear()
    assert browser.get(f"{console_server.url}/console/api/me").status_code == 401


def test_passwords_and_session_tokens_are_not_stored_in_clear(
    console_server: ConsoleServer,
) -> None:
    browser = console_server.signed_in("Alex")
    token = browser.cookies["rapport_agent"]
    with console_server.service.store.engine.connect() as conn:
        hashes = list(conn.execute(select(schema.agents.c.password_hash)).scalars())
        sessions = list(conn.execute(select(schema.agent_sessions.c.token_hash)).scalars())
    assert all(value.startswith("$argon2id$") and PASSWORD not in value for value in hashes)
    assert token not in sessions and sessions
