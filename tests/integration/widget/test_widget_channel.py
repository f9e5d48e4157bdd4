"""The widget channel against a real Rasa server, with a real socket.io client.

These tests depend on the protocol, not on the bot's wording: the bot's content changes.
"""

from __future__ import annotations

import asyncio
import time

import pytest
import socketio
from rapport_widget_server import MAX_MESSAGE_CHARS, RATE_LIMIT_PER_MINUTE, WidgetServer
from widget_client import Widget, texts

from bot import session_tokens

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Messages that, in a shop bot, tend to get an answer with buttons (checked in order).
BUTTON_PROBES = ["are you a bot?", "what are your opening hours?", "where is the shop?"]


async def test_a_new_session_gets_a_signed_token_and_replies(open_widget) -> None:
    widget = await open_widget()
    token, history = await widget.start_session()
    conversation = session_tokens.verify_session_token(
        "widget-tests-session-secret-" + "s" * 20, token
    )
    assert conversation.startswith("web-")
    assert history == []
    reply = await widget.say("hello")
    assert reply["sender"] == "bot"
    assert reply.get("text") or reply.get("quick_replies")
    assert reply["id"]


async def test_reconnecting_with_the_token_resumes_the_conversation_with_history(
    open_widget,
) -> None:
    first = await open_widget()
    token, _ = await first.start_session()
    reply = await first.say("hello")
    await first.close()

    again = await open_widget()
    resumed, history = await again.start_session(token)
    secret = "widget-tests-session-secret-" + "s" * 20
    # The same conversation, under a freshly issued token (a session in use never expires).
    assert session_tokens.verify_session_token(secret, resumed) == (
        session_tokens.verify_session_token(secret, token)
    )
    assert again.errors() == []
    assert texts(history, "customer") == ["hello"]
    assert reply["id"] in [m["id"] for m in history]


async def test_a_token_the_server_did_not_issue_is_refused(open_widget) -> None:
    victim = await open_widget()
    victim_token, _ = await victim.start_session()
    await victim.say("hello")

    victim_conversation = victim_token.split(".")[1]
    forgeries = [
        victim_conversation,  # a bare session id, as Rasa's own channel would accept
        session_tokens.issue_session_token("guessed-secret", victim_conversation).token,
        victim_token[:-4] + "0000",
    ]
    for forged in forgeries:
        attacker = await open_widget()
        token, history = await attacker.start_session(forged)
        assert attacker.errors() == ["session_refused"]
        assert token != victim_token
        assert history == []


async def test_a_token_from_long_ago_starts_a_new_chat(open_widget) -> None:
    secret = "widget-tests-session-secret-" + "s" * 20
    old = await open_widget()
    token, _ = await old.start_session()
    await old.say("hello")
    await old.close()
    conversation = session_tokens.verify_session_token(secret, token)
    forty_days_ago = time.time() - 40 * 86400
    stale = session_tokens.issue_session_token(secret, conversation, now=forty_days_ago).token

    returning = await open_widget()
    fresh, history = await returning.start_session(stale)
    assert returning.errors() == ["session_expired"]
    assert session_tokens.verify_session_token(secret, fresh) != conversation
    assert history == []


async def test_a_forged_identity_is_refused_and_the_chat_stays_anonymous(
    open_widget, widget_server: WidgetServer
) -> None:
    customer = "cust-forged-1"
    owner = await open_widget()
    await owner.start_session(
        customer={"id": customer, "signature": widget_server.sign(customer), "name": "Ann"}
    )
    await owner.say("hello, I'm Ann")

    attacker = await open_widget()
    _, history = await attacker.start_session(
        customer={"id": customer, "signature": "0" * 64, "name": "Ann"}
    )
    assert attacker.errors() == ["identity_refused"]
    assert history == []
    reply = await attacker.say("hello")
    assert reply["sender"] == "bot"


async def test_a_signed_in_customer_sees_the_history_on_another_device(
    open_widget, widget_server: WidgetServer
) -> None:
    customer = "cust-devices-1"
    identity = {"id": customer, "signature": widget_server.sign(customer), "name": "Bo"}
    phone = await open_widget()
    await phone.start_session(customer=identity)
    await phone.say("hello from my phone")

    laptop = await open_widget()
    _, history = await laptop.start_session(customer=identity)
    assert laptop.errors() == []
    assert "hello from my phone" in texts(history, "customer")
    assert texts(history, "bot")


async def test_slash_text_reaches_rasa_as_words(open_widget) -> None:
    widget = await open_widget()
    token, _ = await widget.start_session()
    reply = await widget.say("/restart")
    assert reply["sender"] == "bot"
    await widget.say('/greet{"name": "x"}')
    await widget.close()

    again = await open_widget()
    _, history = await again.start_session(token)
    assert texts(history, "customer") == ["restart", 'greet{"name": "x"}']


async def test_only_offered_payloads_are_accepted(open_widget) -> None:
    widget = await open_widget()
    token, _ = await widget.start_session()
    offered = None
    for probe in BUTTON_PROBES:
        reply = await widget.say(probe)
        await widget.drain(1.5)
        last = [data for name, data in widget.seen if name == "bot_uttered"][-1]
        if last.get("quick_replies"):
            offered = last["quick_replies"][0]
            break
    assert offered, f"the bot offered no quick replies to any of {BUTTON_PROBES}"
    assert reply["sender"] == "bot"

    await widget.client.emit("user_uttered", {"message": offered["payload"]})
    await widget.drain(3)
    # Offered once, now stale: the same payload typed again is only words.
    await widget.client.emit("user_uttered", {"message": offered["payload"]})
    await widget.drain(3)
    await widget.close()

    again = await open_widget()
    _, history = await again.start_session(token)
    customer_said = texts(history, "customer")
    # The accepted payload went to Rasa as the payload (shown with its button's title); the
    # repeated one went as words without the slash.
    assert offered["title"] in customer_said
    assert offered["payload"].lstrip("/") in customer_said
    assert offered["payload"] not in customer_said


async def test_an_oversized_message_gets_a_polite_reply_and_is_not_processed(
    open_widget,
) -> None:
    widget = await open_widget()
    token, _ = await widget.start_session()
    reply = await widget.say("x" * (MAX_MESSAGE_CHARS + 1))
    assert reply["notice"] == "too_long"
    assert str(MAX_MESSAGE_CHARS) in reply["text"]
    accepted = await widget.say("y" * 20)
    assert "notice" not in accepted
    await widget.close()

    again = await open_widget()
    _, history = await again.start_session(token)
    assert texts(history, "customer") == ["y" * 20]


async def test_the_rate_limit_applies_per_session(open_widget) -> None:
    widget = await open_widget()
    await widget.start_session()
    for number in range(RATE_LIMIT_PER_MINUTE + 1):
        await widget.client.emit("user_uttered", {"message": f"hello {number}"})
        await asyncio.sleep(0.05)  # engineio refuses too many packets in one polling request
    notice = None
    for _ in range(RATE_LIMIT_PER_MINUTE + 1):
        reply = await widget.next("bot_uttered", 60)
        if reply.get("notice") == "rate_limited":
            notice = reply
            break
    assert notice is not None and notice["text"]

    other = await open_widget()
    await other.start_session()
    assert "notice" not in await other.say("hello")


async def test_a_reply_sent_while_away_is_delivered_on_reconnect_once(open_widget) -> None:
    widget = await open_widget()
    token, _ = await widget.start_session()
    await widget.say("hello")
    # Send and leave at once: the server answers after the widget has gone.
    await widget.client.emit("user_uttered", {"message": "hello again"})
    await widget.close()
    await asyncio.sleep(8)  # the bot answers meanwhile

    again = await open_widget()
    _, history = await again.start_session(token)
    delivered = [data for name, data in (await again.drain(2)) if name == "bot_uttered"]
    assert delivered, "the reply kept while away was not delivered on reconnect"
    history_ids = {m["id"] for m in history}
    assert not history_ids & {m["id"] for m in delivered}, "a message came twice"
    assert texts(history, "customer")[-1] == "hello again"
    await again.close()

    third = await open_widget()
    _, history_later = await third.start_session(token)
    assert [name for name, _ in await third.drain(2) if name == "bot_uttered"] == []
    assert {m["id"] for m in delivered} <= {m["id"] for m in history_later}


async def test_pages_from_other_origins_cannot_connect(widget_server: WidgetServer) -> None:
    widget = Widget(widget_server.url)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await widget.connect({"Origin": "https://evil.example"})
    allowed = Widget(widget_server.url)
    await allowed.connect({"Origin": widget_server.url})
    await allowed.close()


async def test_messages_before_a_session_are_refused(open_widget) -> None:
    widget = await open_widget()
    await widget.client.emit("user_uttered", {"message": "hello", "session_id": "anything"})
    error = await widget.next("rapport_error")
    assert error["code"] == "no_session"
