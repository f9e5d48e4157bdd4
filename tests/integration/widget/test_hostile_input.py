"""Hostile input through the widget channel and the REST channel of a real Rasa server.

Every input of the corpus gets its documented behaviour (a reply, a notice or a refusal that
says what to do) and no server error: the server's own log must show no traceback for any of
them, and a customer arriving after the corpus is served as usual.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest
from rapport_widget_server import MAX_MESSAGE_CHARS, RATE_LIMIT_PER_MINUTE, WidgetServer
from widget_client import Widget

from bot.settings import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RASA_LOG = ROOT / "var" / "log" / "widget-tests" / "rasa.log"
ACTIONS_LOG = ROOT / "var" / "log" / "widget-tests" / "actions.log"

# (what it is, the text): each is answered by the bot like any other message.
ANSWERED = [
    ("control characters", "hi\x00\x07\x1b[31m there\x7f"),
    ("a lone surrogate", "hello \ud800 shop"),
    ("emoji only", "\U0001f6b2\U0001f525\U0001f44d"),
    ("right-to-left text", "\u202eolleh\u202c \u0645\u0631\u062d\u0628\u0627"),
    ("zero-width characters", "h\u200be\u200dl\u200blo"),
    ("HTML and script", "<script>alert(document.cookie)</script><img src=x onerror=alert(1)>"),
    ("SQL", "'; DROP TABLE exchanges; -- OR 1=1"),
    ("a template", "{{7*7}} ${jndi:ldap://x} {slot} %s %(name)s"),
    ("a slash command", "/restart"),
    ("a forged intent with entities", '/inform{"email": "someone@example.com"}'),
    ("an unoffered button payload", '/affirm{"order_id": "A0001"}'),
    ("a command after spaces", "   /session_start"),
    ("a path", "../../../../etc/passwd"),
    ("a long line at the limit", "bike " * (MAX_MESSAGE_CHARS // 5)),
]

# (what it is, the payload of `user_uttered`, the error code the page gets).
REFUSED = [
    ("no payload", None, "bad_message"),
    ("a bare string", "hello", "bad_message"),
    ("a list", ["hello"], "bad_message"),
    ("a number as the message", {"message": 42}, "bad_message"),
    ("null as the message", {"message": None}, "bad_message"),
    ("an object as the message", {"message": {"text": "hi"}}, "bad_message"),
]


def _log_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _new_log(path: Path, since: int) -> str:
    if not path.exists():
        return ""
    with path.open("rb") as log:
        log.seek(since)
        return log.read().decode("utf-8", "replace")


@pytest.fixture
def logs_stay_clean(widget_server: WidgetServer):
    """Fails the test when the servers logged a traceback while it ran."""
    sizes = {path: _log_size(path) for path in (RASA_LOG, ACTIONS_LOG)}
    yield
    for path, size in sizes.items():
        added = _new_log(path, size)
        assert "Traceback" not in added, f"{path.name} logged an error:\n{added[-4000:]}"


async def _fresh(open_widget) -> Widget:
    # A socket and conversation per input: the per-conversation limit stays out of the way.
    widget = await open_widget()
    await widget.start_session()
    return widget


async def test_every_hostile_text_gets_a_reply(open_widget, logs_stay_clean) -> None:
    for what, text in ANSWERED:
        widget = await _fresh(open_widget)
        reply = await widget.say(text)
        assert reply.get("text") or reply.get("quick_replies"), what
        assert widget.errors() == [], what
        await widget.close()


async def test_a_message_over_the_limit_gets_a_notice_and_is_not_processed(
    open_widget, logs_stay_clean
) -> None:
    widget = await _fresh(open_widget)
    reply = await widget.say("x" * (MAX_MESSAGE_CHARS + 1))
    assert reply.get("notice") == "too_long"
    assert str(MAX_MESSAGE_CHARS) in reply["text"]
    # The chat goes on.
    assert (await widget.say("hello")).get("text")


async def test_a_megabyte_frame_is_refused_by_the_transport_and_the_server_goes_on(
    open_widget, logs_stay_clean
) -> None:
    widget = await _fresh(open_widget)
    await widget.client.emit("user_uttered", {"message": "x" * 1_000_000})
    # The client may notice the closed transport only at its next poll: on a busy machine that
    # can take longer than a few quiet seconds, so wait for one of the two outcomes.
    replies: list[dict] = []
    for _ in range(40):
        replies += [data for name, data in await widget.drain(1.0) if name == "bot_uttered"]
        if replies or not widget.client.connected:
            break
    # Either the transport closed the socket, or the channel said the message is too long;
    # never an answer to the megabyte.
    assert not widget.client.connected or [r.get("notice") for r in replies] == ["too_long"]
    again = await _fresh(open_widget)
    assert (await again.say("hello")).get("text")


async def test_empty_and_blank_messages_are_ignored(open_widget, logs_stay_clean) -> None:
    widget = await _fresh(open_widget)
    for text in ("", "   ", "\n\t", "/", " // "):
        await widget.client.emit("user_uttered", {"message": text})
    assert [name for name, _ in await widget.drain(2.0) if name == "bot_uttered"] == []
    assert (await widget.say("hello")).get("text")


async def test_malformed_user_messages_are_refused_with_what_to_do(
    open_widget, logs_stay_clean
) -> None:
    widget = await _fresh(open_widget)
    for what, payload, code in REFUSED:
        before = len(widget.errors())
        await widget.client.emit("user_uttered", payload)
        await widget.next("rapport_error")
        assert widget.errors()[before:] == [code], what
    garbage_metadata = [None, "not json", [1, 2], {"rating": 10**30}, {"customer_id": "x"}]
    for metadata in garbage_metadata:
        reply = await widget.say("hello", metadata=metadata)  # type: ignore[arg-type]
        assert reply.get("text"), metadata


async def test_a_message_before_any_session_is_refused(open_widget, logs_stay_clean) -> None:
    widget = await open_widget()
    await widget.client.emit("user_uttered", {"message": "hello"})
    await widget.next("rapport_error")
    assert widget.errors() == ["no_session"]


async def test_malformed_session_requests_start_a_fresh_session(
    open_widget, logs_stay_clean
) -> None:
    for request in (
        None,
        "token",
        [1],
        {"session_id": 42},
        {"session_id": "v1.web-x.1.zz"},
        {"session_id": "a" * 10_000},
        {"customer": "someone"},
        {"customer": {"id": ["x"], "signature": {"a": 1}}},
        {"customer": {"id": "c-1", "signature": "00" * 32, "expires": "tomorrow"}},
    ):
        widget = await open_widget()
        await widget.client.emit("session_request", request)
        confirmed = await widget.next("session_confirm")
        assert isinstance(confirmed, str) and confirmed.count(".") == 3, request
        assert (await widget.say("hello")).get("text"), request
        await widget.close()


async def test_malformed_socket_frames_are_refused_and_the_server_goes_on(
    widget_server: WidgetServer, open_widget, logs_stay_clean
) -> None:
    base = f"{widget_server.url}/socket.io/?EIO=4&transport=polling"
    async with aiohttp.ClientSession() as http:
        async with http.get(base) as opened:
            handshake = await opened.text()
        sid = json.loads(handshake[handshake.index("{") :])["sid"]
        frames = [
            b"",
            b"\xff\xfe\xfd",
            b"4",
            b"42",
            b"42[",
            b'42["user_uttered"',
            b'42["user_uttered",' + b"[" * 5000,
            b"9" * 1000,
            b'40{"not":"closed"',
        ]
        for frame in frames:
            async with http.post(f"{base}&sid={sid}", data=frame) as answer:
                assert answer.status < 500, (frame[:20], answer.status)
        async with http.post(f"{base}&sid=made-up-session", data=b"40") as answer:
            assert answer.status == 400
    widget = await _fresh(open_widget)
    assert (await widget.say("hello")).get("text")


async def test_a_flood_on_one_socket_is_limited_and_every_message_answered(
    open_widget, logs_stay_clean
) -> None:
    widget = await _fresh(open_widget)
    sent = RATE_LIMIT_PER_MINUTE + 10
    for number in range(sent):
        await widget.client.emit("user_uttered", {"message": f"hello {number}"})
        await asyncio.sleep(0.05)  # engineio refuses too many packets in one polling request
    got = [data for name, data in await widget.drain(20.0) if name == "bot_uttered"]
    limited = [data for data in got if data.get("notice") == "rate_limited"]
    assert len(limited) >= sent - RATE_LIMIT_PER_MINUTE
    # Each message got its answer or the limit's notice: none went unanswered.
    assert len(got) >= sent


# -- the REST channel ------------------------------------------------------------------------


async def _rest(server: WidgetServer, body: bytes, token: str | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{server.url}/webhooks/rest/webhook", data=body, headers=headers
        ) as answer:
            return answer.status, await answer.text()


async def test_the_rest_channel_refuses_forged_and_missing_tokens(
    widget_server: WidgetServer, logs_stay_clean
) -> None:
    body = json.dumps({"sender": "rest-hostile", "message": "/restart"}).encode()
    token = widget_server.settings.rest_token
    for forged in (None, "", token[:-1], token + "x", token.upper(), f"{token} ", "null"):
        status, _ = await _rest(widget_server, body, forged)
        assert status == 401, forged


async def test_the_rest_channel_answers_malformed_bodies_without_a_server_error(
    widget_server: WidgetServer, logs_stay_clean
) -> None:
    token = widget_server.settings.rest_token
    for body in (
        b"",
        b"not json",
        b"\xff\xfe invalid utf-8",
        b"[]",
        b"null",
        json.dumps({"message": "hi"}).encode(),
        json.dumps({"sender": "rest-hostile", "message": 42}).encode(),
        json.dumps({"sender": {"a": 1}, "message": "hi"}).encode(),
    ):
        status, text = await _rest(widget_server, body, token)
        assert status < 500, (body, status, text[:200])
    status, text = await _rest(
        widget_server,
        json.dumps({"sender": "rest-hostile-ok", "message": "hello"}).encode(),
        token,
    )
    assert status == 200 and json.loads(text), text


async def test_two_messages_at_once_in_one_conversation_are_both_answered_and_kept(
    open_widget, logs_stay_clean
) -> None:
    first = await open_widget()
    conversation_token, _ = await first.start_session()
    second = await open_widget()  # the same conversation in a second tab
    await second.start_session(conversation_token)
    asked = ["what are your opening hours?", "where is the shop?"]
    await asyncio.gather(
        first.client.emit("user_uttered", {"message": asked[0]}),
        second.client.emit("user_uttered", {"message": asked[1]}),
    )
    await first.next("bot_uttered")
    await second.next("bot_uttered")
    await asyncio.sleep(1.0)
    third = await open_widget()
    _, history = await third.start_session(conversation_token)
    said = [m.get("text") for m in history if m["sender"] == "customer"]
    assert sorted(said) == sorted(asked)
