"""What the console shows of the shop's promises matches what the customer was told, on real
SQLite and PostgreSQL: the reply promised when a message was left is due when the customer was
told, shows in the chat's header until an agent replies, and is kept by that reply; the bot's
check-in after a complaint waits for us under the customer's words; a promise said twice reads
once on the card."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.console.service import ConsoleService
from memory import services
from memory.facts import FactWords
from memory.handoffs import escalate, memory_promise
from memory.records import ExtractedFact
from memory.store import MemoryStore

TOLD = "A person from the team gets back to you about: {subject}"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 21, 40, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def left_a_message(store: MemoryStore, sender: str, reply_by: datetime) -> int:
    with store.unit_of_work() as work:
        escalation = escalate(
            work.handoffs,
            [],
            sender,
            "customer_asked",
            open_now=False,
            detail="my gears keep slipping",
            promise=memory_promise(work, lambda subject: TOLD.format(subject=subject)),
            reply_by=reply_by,
        )
    return escalation.handoff.id


def open_promises(store: MemoryStore, sender: str) -> list[tuple[str, datetime | None]]:
    card = store.cards.card_for_sender(sender)
    assert card is not None
    return [(p.text, p.due_at) for p in card.promises_due]


def test_the_reply_promised_is_due_when_told_and_kept_by_the_agents_reply(console_db: str) -> None:
    clock = Clock()
    store = MemoryStore(console_db, clock=clock)
    service = ConsoleService(store)
    told = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)  # the team's next opening
    handoff_id = left_a_message(store, "kim", told)
    # The card's promise and the chat's header say the time the customer was told.
    [(text, due)] = open_promises(store, "kim")
    assert text.endswith("my gears keep slipping") and due == told
    item = service.item(handoff_id)
    assert item["reply_promised_by"] == told.isoformat()
    # Taking the chat is no reply yet: still owed.
    store.handoffs.claim(handoff_id, "Robin")
    assert service.item(handoff_id)["reply_promised_by"] == told.isoformat()
    # The agent's reply keeps it, once: a promise kept in the relationship.
    before = store.cards.card_for_sender("kim")
    handoff = service.handoff(handoff_id)
    assert service.replied(handoff) is True
    assert service.replied(handoff) is False
    assert open_promises(store, "kim") == []
    assert service.item(handoff_id)["reply_promised_by"] is None
    after = store.cards.card_for_sender("kim")
    assert before is not None and after is not None and after.balance > before.balance


def test_a_chat_with_an_agent_online_owes_its_reply_time_until_claimed(console_db: str) -> None:
    store = MemoryStore(console_db, clock=Clock())
    service = ConsoleService(store)
    handoff = store.handoffs.enqueue("ann", "customer_asked", "brakes squeal")
    handoff = store.handoffs.promise_reply(handoff.id, Clock()() + timedelta(minutes=6))
    assert service.item(handoff.id)["reply_promised_by"] is not None
    assert service.replied(handoff) is False  # no promise in memory to keep
    store.handoffs.claim(handoff.id, "Alex")
    assert service.item(handoff.id)["reply_promised_by"] is None


def test_the_bots_check_in_waits_for_us_in_the_customers_words_once(console_db: str) -> None:
    store = MemoryStore(console_db, clock=Clock())
    service = ConsoleService(store)
    customer = store.customers.customer_for_sender("gary")
    sentence = (
        "I've noted everything, and someone from our team will check in with you by Saturday."
    )
    due = datetime(2026, 11, 28, 18, 0, tzinfo=timezone.utc)
    services.complaint_with_promise(
        store, customer, "the Lezyne lights stopped charging", sentence, due, sender_id="gary"
    )
    [waiting] = service.follow_ups_view()
    assert waiting["what"] == "the Lezyne lights stopped charging"
    assert waiting["owner"] is None
    # The same promise said twice (the same words, the same time) reads once on the card.
    store.issues.make_promise(customer, sentence, due_at=due)
    card = service.card("gary")
    assert card is not None
    assert [p["text"] for p in card["promises_due"]] == [sentence]


def test_a_bike_remembered_as_new_bike_is_not_shown_as_a_bike(
    console_db: str, fact_words: FactWords
) -> None:
    store = MemoryStore(console_db, clock=Clock())
    service = ConsoleService(store, fact_words=fact_words)
    customer = store.customers.customer_for_sender("kim")
    store.facts.record_fact(customer, ExtractedFact("bike", "new bike"), source="message")
    # Remembered wrongly before the memory knew better: a thanks, a fault.
    store.facts.record_fact(customer, ExtractedFact("bike", "thx"), source="form")
    store.facts.record_fact(customer, ExtractedFact("bike", "back wheel is all buckled"), "form")
    store.facts.record_fact(customer, ExtractedFact("riding_style", "commuting"), source="message")
    card = service.card("kim")
    assert card is not None
    assert [(f["kind"], f["value"]) for f in card["preferences"]] == [("riding_style", "commuting")]
