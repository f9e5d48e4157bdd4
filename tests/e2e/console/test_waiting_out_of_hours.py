"""A chat waiting for a person out of hours, against the real Rasa and action servers.

The server (`away_server`, rapport_widget_server.start_away) runs with a copy of business.yml
whose hours are set so that the team is away at the moment of the test (every day open for half
an hour, six hours from now, no holidays): the handoff takes a message whatever time CI runs.
The widget limits tests share that server and its small limits: each widget here names a client
address of its own (X-Forwarded-For) and sends no more messages than a conversation may.

The customer (the socket.io widget client) asks for a person, leaves a message, gives a contact
that can't be read and then a good one, and sends two more messages: every message gets one
reply, the contact is kept on the chat's handoff and the messages are in the exchange log. An
agent then sees the contact and the messages on the waiting chat, through the console's API and
in headless Chromium. A customer who left a message still gets the bot's answers to what it can
answer, adds details to the message, and a new visit starts afresh.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import re
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from rapport_widget_server import SESSION_SECRET, WidgetServer

from bot import session_tokens
from memory.agents import AgentAccounts
from memory.handoffs import Handoff
from memory.store import MemoryStore
from voice import business

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "integration" / "widget"))
from widget_client import Widget  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WAIT_MS = 30_000
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def response(name: str, **fill: str) -> str:
    """A domain response as the customer reads it."""
    text = str(RESPONSES[name][0]["text"])
    for key, value in fill.items():
        text = text.replace("{" + key + "}", value)
    return text


async def replies_to(widget: Widget, text: str, count: int) -> list[str]:
    """The next `count` bot messages after the customer writes `text`."""
    await widget.client.emit("user_uttered", {"message": text, "metadata": {}})
    return [str((await widget.next("bot_uttered")).get("text", "")) for _ in range(count)]


async def leave_a_message(url: str, brake: str, address: str) -> tuple[str, dict[str, list[str]]]:
    """The customer's side of the journey, from the client `address`: (their conversation id,
    what each message got)."""
    widget = Widget(url)
    await widget.connect({"X-Forwarded-For": address})
    try:
        token, _ = await widget.start_session()
        conversation = session_tokens.verify_session_token(SESSION_SECRET, token)
        got: dict[str, list[str]] = {}
        got["person"] = await replies_to(widget, "can I talk to a person please", 1)
        got["message"] = await replies_to(widget, brake, 2)
        got["bad"] = await replies_to(widget, "ben.jones@example", 1)
        got["good"] = await replies_to(widget, "ben.jones@example.com", 1)
        got["more"] = await replies_to(widget, "It's the rear one, by the way", 1)
        got["again"] = await replies_to(widget, "Thanks, talk tomorrow", 1)
        extra = [data for name, data in await widget.drain(3.0) if name == "bot_uttered"]
        assert extra == [], f"more replies than messages: {extra}"
        return conversation, got
    finally:
        await widget.close()


def journey(url: str, brake: str, address: str) -> tuple[str, dict[str, list[str]]]:
    # On a thread of its own: the browser test's Playwright keeps this thread's event loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, leave_a_message(url, brake, address)).result(300)


def handoff_of(server: WidgetServer, conversation: str) -> Handoff:
    store = MemoryStore(server.settings.database_url)
    try:
        handoff = store.handoffs.open_for(conversation)
    finally:
        store.close()
    assert handoff is not None, "the chat is not in the agents' queue"
    return handoff


def logged(server: WidgetServer, conversation: str, seconds: float = 30.0) -> list[tuple]:
    """(speaker, text) of the conversation's exchanges in memory, once the broker wrote the
    last customer message and its acknowledgement."""
    from sqlalchemy import select

    from memory import schema as s

    store = MemoryStore(server.settings.database_url)
    try:
        deadline = time.monotonic() + seconds
        while True:
            with store.engine.connect() as conn:
                rows = conn.execute(
                    select(s.exchanges.c.speaker, s.exchanges.c.text)
                    .join(s.conversations, s.exchanges.c.conversation_id == s.conversations.c.id)
                    .where(s.conversations.c.sender_id == conversation)
                    .order_by(s.exchanges.c.at, s.exchanges.c.id)
                ).all()
            found = [(row.speaker, row.text) for row in rows]
            if (
                len(found) >= 2
                and found[-2] == ("customer", "Thanks, talk tomorrow")
                and found[-1][0] == "bot"
            ) or time.monotonic() > deadline:
                return found
            time.sleep(0.5)
    finally:
        store.close()


def signed_in_agent(server: WidgetServer) -> tuple[str, str]:
    name, password = f"Kim{secrets.randbelow(10_000)}", secrets.token_urlsafe(16)
    AgentAccounts(server.settings.database_url).add(name, password)
    return name, password


def test_every_message_is_acknowledged_and_the_contact_is_kept_with_the_handoff(
    away_server: tuple[WidgetServer, str],
) -> None:
    server, back = away_server
    conversation, got = journey(server.url, "My rear brake squeals when it rains", "203.0.113.41")

    assert "leave your message with me" in got["person"][0], got["person"]
    assert got["message"] == [
        response("utter_waiting_noted", reply_by=back),
        response("utter_waiting_ask_contact"),
    ]
    assert got["bad"] == [response("utter_waiting_contact_example")]
    assert got["good"] == [response("utter_waiting_contact_saved", contact="ben.jones@example.com")]
    # The message is complete: a detail the bot can't read is added to it, and thanks are
    # answered as thanks, not filed for the team.
    assert got["more"] == [response("utter_waiting_more")]
    assert got["again"] != [response("utter_waiting_more")] and got["again"][0], got["again"]

    handoff = handoff_of(server, conversation)
    assert (handoff.state, handoff.offline, handoff.contact) == (
        "waiting",
        True,
        "ben.jones@example.com",
    )
    assert handoff.reply_by is not None and handoff.reply_by > dt.datetime.now(dt.timezone.utc)

    exchanges = logged(server, conversation)
    customer_said = [text for speaker, text in exchanges if speaker == "customer"]
    assert customer_said[-5:] == [
        "My rear brake squeals when it rains",
        "ben.jones@example",
        "ben.jones@example.com",
        "It's the rear one, by the way",
        "Thanks, talk tomorrow",
    ]
    bot_said = [text for speaker, text in exchanges if speaker == "bot"]
    assert bot_said.count(response("utter_waiting_more")) == 1

    # The agent's console: the waiting chat with its contact and every message.
    name, password = signed_in_agent(server)
    agent = requests.Session()
    signed = agent.post(
        f"{server.url}/console/sign-in",
        data={"name": name, "password": password},
        headers={"Origin": server.url},
        allow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    queue = agent.get(f"{server.url}/console/api/queue", timeout=30).json()["queue"]
    [item] = [entry for entry in queue if entry["sender_id"] == conversation]
    assert (item["state"], item["contact"]) == ("waiting", "ben.jones@example.com")
    chat = agent.get(f"{server.url}/console/api/handoffs/{item['id']}", timeout=30).json()
    assert chat["handoff"]["contact"] == "ben.jones@example.com"
    shown = [m.get("text") for m in chat["messages"] if m["sender"] == "customer"]
    assert "Thanks, talk tomorrow" in shown and "My rear brake squeals when it rains" in shown


@pytest.mark.browser
def test_the_agent_sees_the_contact_on_the_waiting_chat_in_the_console(
    away_server: tuple[WidgetServer, str], chromium: Any, screenshots: Path
) -> None:
    server, _ = away_server
    conversation, _ = journey(server.url, "My front wheel wobbles", "203.0.113.42")
    handoff = handoff_of(server, conversation)
    name, password = signed_in_agent(server)
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    try:
        console = context.new_page()
        console.goto(server.url + "/console")
        console.locator("input[name=name]").fill(name)
        console.locator("input[name=password]").fill(password)
        console.locator("button[type=submit]").click()
        console.wait_for_url(server.url + "/console", timeout=WAIT_MS)
        entry = console.locator(f'#queue li[data-id="{handoff.id}"]')
        entry.wait_for(timeout=WAIT_MS)
        assert "Reply to: ben.jones@example.com" in (entry.text_content() or "")
        entry.click()
        contact = console.locator("#chat-contact")
        contact.filter(has_text="ben.jones@example.com").wait_for(timeout=WAIT_MS)
        assert "Promised a reply by" in (contact.text_content() or "")
        console.locator("#transcript li.customer", has_text="My front wheel wobbles").wait_for(
            timeout=WAIT_MS
        )
        console.locator("#transcript li.customer", has_text="Thanks, talk tomorrow").wait_for(
            timeout=WAIT_MS
        )
        console.screenshot(path=str(screenshots / "console-waiting-contact.png"))
    finally:
        context.close()


def rest_says(server: WidgetServer, sender: str, text: str) -> list[str]:
    """What the REST channel (the shop's scripts) answers a message, as texts."""
    reply = requests.post(
        f"{server.url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers={"Authorization": f"Bearer {server.settings.rest_token}"},
        timeout=120,
    )
    assert reply.status_code == 200, reply.text
    return [str(message.get("text", "")) for message in reply.json()]


def test_the_rest_channel_acknowledges_a_waiting_chat_until_an_agent_holds_it(
    away_server: tuple[WidgetServer, str],
) -> None:
    server, back = away_server
    sender = f"rest-waiting-{secrets.token_hex(4)}"

    asked = rest_says(server, sender, "can I talk to a person please")
    assert any("leave your message with me" in text for text in asked), asked
    assert rest_says(server, sender, "My chain slips on hills") == [
        response("utter_waiting_noted", reply_by=back),
        response("utter_waiting_ask_contact"),
    ]
    assert rest_says(server, sender, "no thanks") == [response("utter_waiting_contact_declined")]
    assert rest_says(server, sender, "It's the big ring") == [response("utter_waiting_more")]

    handoff = handoff_of(server, sender)
    assert handoff.state == "waiting"
    store = MemoryStore(server.settings.database_url)
    try:
        store.handoffs.claim(handoff.id, "Alex")
    finally:
        store.close()
    # An agent holds the chat: the agent answers, the bot says nothing.
    assert rest_says(server, sender, "Hello? Anyone there?") == []


WAITING_NAMES = [name for name in RESPONSES if name.startswith("utter_waiting_")]


def is_waiting_reply(text: str) -> bool:
    """Whether a reply is one of the waiting replies (the message for the team's)."""
    for name in WAITING_NAMES:
        for variant in RESPONSES[name]:
            parts = re.split(r"\{\w+\}", str(variant.get("text", "")))
            if re.fullmatch(".+".join(re.escape(part) for part in parts), text):
                return True
    return False


def test_a_customer_who_left_a_message_still_gets_answers_and_adds_details(
    away_server: tuple[WidgetServer, str],
) -> None:
    """Leave a message out of hours, ask the hours, add a detail, come back later: every message
    gets one answer, the bot answers what it can, the detail and a late contact go to the
    message, and the next visit is the bot's."""
    server, back = away_server
    sender = f"rest-message-mode-{secrets.token_hex(4)}"
    asked = rest_says(server, sender, "can I talk to a person please")
    assert any("leave your message with me" in text for text in asked), asked
    assert rest_says(server, sender, "My rear brake squeals when it rains") == [
        response("utter_waiting_noted", reply_by=back),
        response("utter_waiting_ask_contact"),
    ]

    hours = rest_says(server, sender, "what time do you open tomorrow?")
    assert hours and not any(is_waiting_reply(text) for text in hours), hours
    assert any(back.split()[0] in text for text in hours), hours  # the away hours, as set

    assert rest_says(server, sender, "It's the rear one, by the way") == [
        response("utter_waiting_more")
    ]
    assert rest_says(server, sender, "ann.lee@example.com") == [
        response("utter_waiting_contact_saved", contact="ann.lee@example.com")
    ]
    known = rest_says(server, sender, "what do you know about me")
    assert known and not any(is_waiting_reply(text) for text in known), known

    handoff = handoff_of(server, sender)  # still in the queue for the team, with the contact
    assert (handoff.state, handoff.offline, handoff.contact) == (
        "waiting",
        True,
        "ann.lee@example.com",
    )

    rest_says(server, sender, "/session_start")  # a later visit
    later = rest_says(server, sender, "hi, is my message with you?")
    assert later and not any(is_waiting_reply(text) for text in later), later
    where = rest_says(server, sender, "where are you")
    assert where and not any(is_waiting_reply(text) for text in where), where


def test_a_rest_caller_gets_the_agents_replies_with_their_next_message(
    away_server: tuple[WidgetServer, str],
) -> None:
    """The REST channel cannot push: what the agent wrote in the console comes first in the
    customer's next call, once each."""
    server, _ = away_server
    sender = f"rest-agent-{secrets.token_hex(4)}"
    rest_says(server, sender, "can I talk to a person please")
    handoff = handoff_of(server, sender)
    name, password = signed_in_agent(server)
    agent = requests.Session()
    signed = agent.post(
        f"{server.url}/console/sign-in",
        data={"name": name, "password": password},
        headers={"Origin": server.url},
        allow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    csrf = {"X-CSRF-Token": agent.get(f"{server.url}/console/api/me").json()["csrf_token"]}
    api = f"{server.url}/console/api/handoffs/{handoff.id}"
    assert agent.post(f"{api}/claim", headers=csrf, timeout=30).status_code == 200
    reply = "Hi, I can look at your chain today: is it the front or the rear?"
    sent = agent.post(f"{api}/messages", json={"text": reply}, headers=csrf, timeout=30)
    assert sent.json().get("sent") is True, sent.text

    assert rest_says(server, sender, "Hello? Anyone there?") == [
        response("utter_agent_joined", agent=name),
        reply,
    ]
    assert rest_says(server, sender, "the rear one") == []  # given once


def until(check: Any, seconds: float = 30.0) -> Any:
    """`check()`'s value once it is truthy (the memory is written after the reply is sent)."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_a_customer_remembered_right_leaves_a_message_out_of_hours(
    away_server: tuple[WidgetServer, str],
) -> None:
    """Issue 14's journey, the team away: a bike the shop does not sell, a return with no order
    number, a corrected fact and a message left out of hours; after each, what is stored."""
    server, back = away_server
    sender = f"remembered-out-of-hours-{secrets.token_hex(4)}"
    transcript: list[str] = []

    def say(text: str) -> str:
        reply = "\n".join(rest_says(server, sender, text))
        transcript.append(f"Customer: {text}")
        transcript.extend(f"Bot: {line}" for line in reply.splitlines() if line)
        return reply

    def facts(kind: str, history: bool = False) -> list[Any]:
        store = MemoryStore(server.settings.database_url)
        try:
            card = store.cards.card_for_sender(sender)
            if card is None:
                return []
            found = store.facts.facts(card.customer_id, include_history=history)
            return [fact for fact in found if fact.kind == kind]
        finally:
            store.close()

    def visit(number: int) -> None:
        transcript.append(f"\n--- visit {number} ---")
        rest_says(server, sender, "/session_start")

    try:
        transcript.append("--- visit 1 ---")
        say("hi")
        assert "Which bike is it?" in say("/book_repair")
        assert "Your Cannondale Topstone, lovely! I'll remember that." in say("cannondale topstone")
        say("the gears keep slipping")
        assert "you're booked in! Your Cannondale Topstone" in say("Sunday")
        # Stored as said, with the message that said it; not the shop's Cannondale Synapse.
        [bike] = until(lambda: facts("bike"))
        assert bike.value == "Cannondale Topstone" and bike.exchange_id is not None

        visit(2)
        assert "order number" in say("/return_request")
        assert "Which item" in say("no, I don't have one")
        assert "email address you ordered with" in say("the Giro helmet")
        assert "when did you buy it" in say("nope")
        say("about 50 days ago")
        decision = say("it's too small for me")
        assert decision.strip() and "order number" not in decision

        visit(3)
        assert "Your bike is the Trek" in say("no, my bike is a Trek")
        assert [fact.value for fact in until(lambda: facts("bike"))] == ["Trek"]
        history = [fact.value for fact in facts("bike", history=True)]
        assert "Cannondale Topstone" in history and "Trek" in history

        question = "can I get store credit for the helmet instead"
        reply = say(question)
        if "leave your message with me" not in reply:  # the question alone may bring the team
            reply = say("/request_human")
        assert f"a person will reply by {back}" in reply
        noted = say("It's the Giro, bought in October")
        assert noted == "\n".join(
            [response("utter_waiting_noted", reply_by=back), response("utter_waiting_ask_contact")]
        )
        contact = say("jo.walker@example.com")
        assert contact == response("utter_waiting_contact_saved", contact="jo.walker@example.com")

        # Stored: the chat waits offline for the team, with the contact and the promised time,
        # and the promise names what the customer asked, not the request for a person.
        handoff = handoff_of(server, sender)
        assert (handoff.state, handoff.offline, handoff.contact) == (
            "waiting",
            True,
            "jo.walker@example.com",
        )
        store = MemoryStore(server.settings.database_url)
        try:
            card = store.cards.card_for_sender(sender)
            assert card is not None
            promises = [promise.text for promise in card.promises_due]
        finally:
            store.close()
        assert any(text.endswith(f"about: {question}") for text in promises), promises
    finally:
        print("\n".join(transcript))


@pytest.mark.parametrize(
    ("question", "answered_with"),
    [
        ("ok and whats the number for the shop", "phone"),
        ("Hi, it's Sam again - can I spend my points on new gloves?", None),
    ],
)
def test_questions_to_a_chat_that_left_a_message_are_answered_not_filed(
    away_server: tuple[WidgetServer, str], question: str, answered_with: str | None
) -> None:
    """Out of hours, with a message left and the contact still asked for: a question the bot
    answers (the shop's number, the points) is answered, never filed for the team nor taken
    for a contact gone wrong; only what is more detail is added to the message, and no
    contact is kept, since none was given."""
    server, back = away_server
    shop = business.load(ROOT / "business.yml")
    sender = f"rest-questions-{secrets.token_hex(4)}"
    asked = rest_says(server, sender, "can I talk to a person please")
    assert any("leave your message with me" in text for text in asked), asked
    assert rest_says(server, sender, "my back wheel rubs on the frame since Friday") == [
        response("utter_waiting_noted", reply_by=back),
        response("utter_waiting_ask_contact"),
    ]

    answer = rest_says(server, sender, question)
    assert answer and not any(is_waiting_reply(text) for text in answer), answer
    if answered_with == "phone":
        assert shop.locations[0].phone in "\n".join(answer), answer

    assert rest_says(server, sender, "It's the rear one, by the way") == [
        response("utter_waiting_more")
    ]
    handoff = handoff_of(server, sender)
    assert (handoff.state, handoff.contact) == ("waiting", None)
