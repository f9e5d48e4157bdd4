"""The console's shift features over real HTTP, against a Rasa agent's real tracker store and a
migrated memory: the queue's details, the tone guard on send (a flagged reply waits for the
agent's confirmation, which is recorded), a transfer with a note, a follow-up promised and kept,
past chats searched by name, id and words, the card in the agent's words."""

from __future__ import annotations

import datetime as dt
import uuid

from console_harness import ConsoleServer
from rasa.shared.core.events import ConversationPaused, UserUttered

from memory import schema
from memory.privacy import export_customer
from memory.records import Exchange, ExtractedFact
from memory.shift import short_id

HURTFUL = "That's not our fault, you should have read the policy."


def _paused(server: ConsoleServer, sender_id: str, text: str) -> None:
    async def write() -> None:
        store = server.app.ctx.agent.tracker_store  # type: ignore[attr-defined]
        tracker = await store.get_or_create_tracker(sender_id)
        tracker.update(UserUttered(text))
        tracker.update(ConversationPaused())
        await store.save(tracker)

    server.run(write())


def _said(server: ConsoleServer, sender_id: str, speaker: str, text: str, **extra) -> None:
    server.service.store.exchanges.record_exchange(  # type: ignore[attr-defined]
        Exchange(
            event_id=uuid.uuid4().hex,
            sender_id=sender_id,
            speaker=speaker,
            text=text,
            at=dt.datetime.now(dt.timezone.utc),
            **extra,
        )
    )


def _claimed(server: ConsoleServer, sender_id: str, reason: str, detail: str):
    _paused(server, sender_id, detail)
    handoff = server.service.queue.enqueue(sender_id, reason, detail)  # type: ignore[attr-defined]
    alex = server.signed_in("Alex")
    api = f"{server.url}/console/api/handoffs/{handoff.id}"
    assert alex.post(f"{api}/claim", json={}).status_code == 200
    return handoff, alex, api


def test_the_queue_tells_chats_apart_and_marks_the_serious_ones(
    console_server: ConsoleServer,
) -> None:
    service = console_server.service
    asked = service.queue.enqueue(  # type: ignore[attr-defined]
        "cust-q1", "customer_asked", "Can I change my delivery address?\nIt's urgent"
    )
    unhappy = service.queue.enqueue("cust-q2", "complaint", "My order came broken")  # type: ignore[attr-defined]
    named = service.store.customers.customer_for_sender("cust-q2")  # type: ignore[attr-defined]
    service.store.facts.record_fact(named, ExtractedFact("name", "Robin"))  # type: ignore[attr-defined]
    alex = console_server.signed_in("Alex")
    queue = alex.get(f"{console_server.url}/console/api/queue").json()["queue"]
    assert [item["id"] for item in queue] == [asked.id, unhappy.id]  # oldest first
    first, second = queue
    assert first["customer"]["name"] is None
    assert first["customer"]["short_id"] == short_id("cust-q1") != short_id("cust-q2")
    assert first["first_line"] == "Can I change my delivery address?"
    assert not first["serious"] and second["serious"]
    assert second["customer"]["name"] == "Robin"


def test_a_flagged_reply_waits_for_confirmation_and_is_recorded(
    console_server: ConsoleServer,
) -> None:
    _handoff, alex, api = _claimed(console_server, "cust-tone", "complaint", "It broke again")

    held = alex.post(f"{api}/messages", json={"text": HURTFUL}).json()
    assert held["sent"] is False and held["tone"]["findings"]
    agent_lines = [m for m in alex.get(api).json()["messages"] if m["sender"] == "agent"]
    assert agent_lines == []  # not sent until the agent says so

    fine = alex.post(f"{api}/messages", json={"text": "I'm sorry, let me put that right."})
    assert fine.json()["sent"] is True
    assert alex.get(api).json()["sent_anyway"] == []  # a clean reply leaves no record

    sent = alex.post(f"{api}/messages", json={"text": HURTFUL, "confirmed": True}).json()
    assert sent["sent"] is True
    chat = alex.get(api).json()
    assert [m["text"] for m in chat["messages"] if m["sender"] == "agent"][-1] == HURTFUL
    [record] = chat["sent_anyway"]
    assert (record["agent"], record["text"]) == ("Alex", HURTFUL)
    assert {f["kind"] for f in record["findings"]} == {f["kind"] for f in held["tone"]["findings"]}


def test_a_used_suggestion_is_not_sent_before_the_agent_finishes_it(
    console_server: ConsoleServer,
) -> None:
    _handoff, alex, api = _claimed(console_server, "cust-gap", "complaint", "The brakes rub")
    held = alex.post(f"{api}/messages", json={"text": HURTFUL}).json()
    used = held["tone"]["use"]
    start, end = used["select"]
    placeholder = used["text"][start:end]
    assert placeholder and used["unfinished"]
    # Neither a plain Send nor a confirmed one sends the placeholder to the customer.
    for confirmed in (False, True):
        refused = alex.post(
            f"{api}/messages", json={"text": used["text"], "confirmed": confirmed}
        ).json()
        assert refused == {"sent": False, "unfinished": used["unfinished"]}
    assert [m for m in alex.get(api).json()["messages"] if m["sender"] == "agent"] == []
    finished = used["text"].replace(placeholder, "new pads fitted free today")
    assert alex.post(f"{api}/messages", json={"text": finished}).json()["sent"] is True


def test_a_transfer_carries_a_note_for_the_next_agent_only(console_server: ConsoleServer) -> None:
    _handoff, alex, api = _claimed(console_server, "cust-move", "fallback", "Which tyres fit?")
    console_server.service.accounts.heartbeat("Blake")  # type: ignore[attr-defined]
    moved = alex.post(f"{api}/transfer", json={"to": "Blake", "note": "Knows the tyre sizes"})
    assert moved.status_code == 200, moved.text
    blake = console_server.signed_in("Blake")
    [item] = blake.get(f"{console_server.url}/console/api/queue").json()["queue"]
    assert (item["claimed_by"], item["transferred_from"], item["transfer_note"]) == (
        "Blake",
        "Alex",
        "Knows the tyre sizes",
    )
    chat_api = f"{console_server.url}/console/api/handoffs/{item['id']}"
    notes = blake.get(chat_api).json()["notes"]
    assert notes[0]["text"] == "Transferred from Alex to Blake: Knows the tyre sizes"
    # Released and claimed again, the chat no longer reads as handed over.
    assert blake.post(f"{chat_api}/release", json={}).status_code == 200
    again = alex.post(f"{chat_api}/claim", json={}).json()["handoff"]
    assert (again["transferred_from"], again["transfer_note"]) == (None, None)
    # Staff's words: never in the customer's own export.
    store = console_server.service.store  # type: ignore[attr-defined]
    customer = store.customers.customer_for_sender("cust-move")
    [exported] = export_customer(store, customer)["handoffs"]
    assert "transfer_note" not in exported and "transferred_from" not in exported


def test_a_follow_up_waits_for_us_until_kept(console_server: ConsoleServer) -> None:
    handoff, alex, api = _claimed(console_server, "cust-promise", "complaint", "Wrong size sent")
    store = console_server.service.store  # type: ignore[attr-defined]
    customer = store.customers.customer_for_sender("cust-promise")
    before = store.cards.card(customer).balance
    past = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).isoformat()
    late = alex.post(f"{api}/resolve", json={"outcome": "follow_up", "what": "x", "due_at": past})
    assert late.status_code == 400 and "from now" in late.json()["error"]
    due = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)
    rude = alex.post(
        f"{api}/resolve",
        json={
            "outcome": "follow_up",
            "what": "a swap, obviously, since you should have measured first",
            "due_at": due.isoformat(),
        },
    )
    assert rude.status_code == 400 and "reword the promise" in rude.json()["error"]
    done = alex.post(
        f"{api}/resolve",
        json={
            "outcome": "follow_up",
            "what": "an exchange for the right size",
            "due_at": due.isoformat(),
        },
    )
    assert done.status_code == 200, done.text

    queue = alex.get(f"{console_server.url}/console/api/queue").json()
    [waiting] = queue["follow_ups"]
    assert (waiting["what"], waiting["owner"], waiting["handoff_id"]) == (
        "an exchange for the right size",
        "Alex",
        handoff.id,
    )
    assert abs(dt.datetime.fromisoformat(waiting["due_at"]) - due) < dt.timedelta(seconds=1)
    chat = alex.get(api).json()
    assert chat["follow_up"]["state"] == "open"
    assert [p["text"] for p in chat["card"]["promises_due"]] == ["an exchange for the right size"]

    kept = alex.post(f"{console_server.url}/console/api/follow-ups/{waiting['promise_id']}/keep")
    assert kept.json()["follow_up"]["state"] == "kept"
    assert alex.get(f"{console_server.url}/console/api/queue").json()["follow_ups"] == []
    card = store.cards.card(customer)
    assert card.promises_due == ()
    assert card.balance > before  # a promise kept is a benefit in the relationship
    with store.engine.connect() as conn:
        state = conn.execute(
            schema.promises.select().where(schema.promises.c.id == waiting["promise_id"])
        ).one()
    assert (state.state, state.owner) == ("kept", "Alex")


def test_past_chats_are_found_by_name_id_and_words(console_server: ConsoleServer) -> None:
    service = console_server.service
    store = service.store  # type: ignore[attr-defined]
    first, alex, api = _claimed(console_server, "cust-past-1", "fallback", "Do you fix hub gears?")
    _said(console_server, "cust-past-1", "customer", "My hub gear slips in third")
    store.facts.record_fact(
        store.customers.customer_for_sender("cust-past-1"), ExtractedFact("name", "Morgan")
    )
    assert alex.post(f"{api}/resolve", json={"outcome": "resolved"}).status_code == 200
    second, alex, api = _claimed(console_server, "cust-past-2", "customer_asked", "Gift card?")
    assert alex.post(f"{api}/resolve", json={"outcome": "resolved"}).status_code == 200
    service.queue.enqueue("cust-past-3", "customer_asked", "hub gear question")  # type: ignore[attr-defined]

    def found(words: str) -> list[int]:
        reply = alex.get(f"{console_server.url}/console/api/past", params={"q": words})
        return [chat["id"] for chat in reply.json()["chats"]]

    assert found("") == [second.id, first.id]  # newest first; the open chat is not past
    assert found("morgan") == [first.id]
    listed = alex.get(f"{console_server.url}/console/api/past", params={"q": "morgan"}).json()
    assert listed["chats"][0]["customer"]["name"] == "Morgan"
    assert listed["chats"][0]["first_line"] == "Do you fix hub gears?"
    assert found("slips in third") == [first.id]
    assert found("gift") == [second.id]
    assert found(f"#{second.id}") == [second.id]
    assert found(short_id("cust-past-1")) == [first.id]
    assert found("100%") == []  # a wildcard is a character like any other
    # The card lists the customer's other chats.
    _third, alex, api = _claimed(console_server, "cust-past-1", "customer_asked", "Back again")
    earlier = alex.get(api).json()["earlier_chats"]
    assert [chat["id"] for chat in earlier] == [first.id]


def test_the_card_speaks_the_agents_language(console_server: ConsoleServer) -> None:
    _handoff, alex, api = _claimed(console_server, "cust-card", "say_yes", "Can I return it?")
    _said(console_server, "cust-card", "customer", "I want to book a repair", intent="book_repair")
    # The memory keeps the response a bot message said (its `utter_action`), as the broker
    # writes a booking's confirmation.
    _said(console_server, "cust-card", "bot", "Booked!", action="utter_repair_booked")
    decision = {"kind": "late_return", "rung": "alternatives", "reason": "past 30 days"}
    _said(console_server, "cust-card", "bot", "Yes: store credit", policy={"say_yes": decision})
    chat = alex.get(api).json()
    assert "booking a repair" in chat["card"]["topics"]  # business.yml's topic name
    assert "book_repair" not in chat["card"]["topics"]
    # The stage's reason in business.yml's words ("new: 1 visit so far"), not its code.
    assert chat["card"]["reasons"][0].startswith("new: ")
    assert chat["happened"] == [
        "Repair booked",
        "Say-yes decision on late return: alternatives (past 30 days)",
    ]
