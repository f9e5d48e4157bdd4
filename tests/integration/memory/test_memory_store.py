"""The memory store against real SQLite and PostgreSQL: log, facts, identities, card."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, inspect

import memory
from memory import services
from memory.records import Exchange, ExtractedFact
from memory.rules import Reason
from memory.store import MemoryStore, UnknownCustomer

START = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(memory_url, clock):
    memory_store = MemoryStore(memory_url, clock=clock)
    yield memory_store
    memory_store.close()


def say(store, event_id, sender, speaker, text, seconds, **more):
    return services.record_exchange(
        store, Exchange(event_id, sender, speaker, text, START + timedelta(seconds=seconds), **more)
    )


def test_migrate_is_idempotent_and_creates_every_table(memory_url):
    memory.migrate(memory_url)
    store = MemoryStore(memory_url)
    names = set(inspect(store.engine).get_table_names())
    store.close()
    assert {"customers", "identities", "conversations", "exchanges", "facts", "issues"} <= names
    assert {"promises", "feedback", "feedback_states", "ratings", "agent_notes"} <= names
    assert "alembic_version" in names


def test_an_event_is_recorded_once(store):
    assert say(store, "e1", "web-1", "customer", "hi", 0, intent="greet", confidence=0.9)
    assert not say(store, "e1", "web-1", "customer", "hi", 0, intent="greet", confidence=0.9)
    card = store.cards.card_for_sender("web-1")
    assert [view.text for view in card.last_exchanges] == ["hi"]


def test_visits_count_sessions_and_long_gaps(store):
    store.exchanges.start_conversation("web-1", START)
    say(store, "e1", "web-1", "customer", "hi", 1, intent="greet", confidence=0.9)
    say(store, "e2", "web-1", "bot", "Hello!", 2, action="utter_greet")
    store.exchanges.start_conversation("web-1", START + timedelta(minutes=5))
    say(store, "e3", "web-1", "customer", "hi again", 301, intent="greet", confidence=0.9)
    say(store, "e4", "web-1", "customer", "back", 301 + 2 * 3600, intent="greet", confidence=0.9)
    card = store.cards.card_for_sender("web-1")
    assert card.visits == 3
    assert card.first_seen == START
    assert card.last_seen == START + timedelta(seconds=301 + 2 * 3600)


def test_costs_and_benefits_of_exchanges_move_the_balance(store):
    say(store, "e1", "web-1", "customer", "blorp", 0, intent="nlu_fallback", confidence=0.2)
    say(store, "e2", "web-1", "bot", "Sorry?", 1, action="utter_default")
    say(store, "e3", "web-1", "customer", "blorp", 10, intent="nlu_fallback", confidence=0.2)
    say(store, "e4", "web-1", "agent", "Hi, Kim here", 200, agent="Kim")
    card = store.cards.card_for_sender("web-1")
    # two not understood, one repeated, one waited; one fast answer
    assert card.balance == pytest.approx(0.2 - 4.0)
    assert card.last_exchanges[-1].agent == "Kim"


def test_an_unknown_customer_is_a_clear_error(store):
    with pytest.raises(UnknownCustomer, match="no customer has id 999"):
        store.cards.card(999)
    assert store.cards.card_for_sender("nobody") is None


def test_newer_fact_supersedes_and_history_stays(store, clock):
    customer = store.customers.customer_for_sender("web-1")
    store.facts.record_fact(customer, ExtractedFact("name", "Sara"), source="message")
    clock.now = START + timedelta(hours=1)
    store.facts.record_fact(customer, ExtractedFact("name", "Sarah"), source="form")
    store.facts.record_fact(customer, ExtractedFact("bike", "Trek FX 3"))
    store.facts.record_fact(customer, ExtractedFact("bike", "gravel bike"))
    store.facts.record_fact(customer, ExtractedFact("bike", "trek fx 3"))  # already known
    current = store.facts.facts(customer)
    history = store.facts.facts(customer, include_history=True)
    assert sorted((fact.kind, fact.value) for fact in current) == [
        ("bike", "Trek FX 3"),
        ("bike", "gravel bike"),
        ("name", "Sarah"),
    ]
    old = next(fact for fact in history if fact.value == "Sara")
    assert old.superseded_at == START + timedelta(hours=1)
    assert store.cards.card(customer).name == "Sarah"


def test_a_bike_said_less_fully_keeps_the_fuller_one_and_a_fuller_one_replaces_it(store, clock):
    customer = store.customers.customer_for_sender("web-1")
    store.facts.record_fact(customer, ExtractedFact("bike", "Trek FX 3"))
    store.facts.record_fact(customer, ExtractedFact("bike", "Trek"), source="message")  # "my Trek"
    store.facts.record_fact(customer, ExtractedFact("bike", "Brompton"), source="message")
    clock.now = START + timedelta(hours=1)
    store.facts.record_fact(customer, ExtractedFact("bike", "Brompton C Line"))
    current = sorted(fact.value for fact in store.facts.facts(customer) if fact.kind == "bike")
    assert current == ["Brompton C Line", "Trek FX 3"]
    history = store.facts.facts(customer, include_history=True)
    shorter = next(fact for fact in history if fact.value == "Brompton")
    assert shorter.superseded_at == START + timedelta(hours=1)


def test_customer_messages_feed_the_fact_extractor(memory_url):
    def extractor(text):
        return [ExtractedFact("aspiration", "ride a century")] if "century" in text else []

    store = MemoryStore(memory_url, fact_extractor=extractor)
    say(store, "e1", "web-1", "customer", "I want to ride a century", 0, intent="inform")
    say(store, "e2", "web-1", "bot", "I want to ride a century too", 1)
    card = store.cards.card_for_sender("web-1")
    facts = store.facts.facts(card.customer_id)
    store.close()
    assert card.aspirations == ("ride a century",)
    assert len(facts) == 1 and facts[0].source == "message" and facts[0].exchange_id


def test_another_writer_is_not_held_up_while_a_message_is_parsed(memory_url):
    # The action server writes to the same database while the broker parses a customer
    # message. Parsing happens before the broker's write transaction, so on SQLite the
    # other writer does not wait for (or time out on) the broker's lock.
    actions = MemoryStore(memory_url)
    customer = actions.customers.customer_for_sender("web-9")
    written = []

    def extractor(text):
        written.append(actions.facts.record_fact(customer, ExtractedFact("bike", "Trek FX 3", 1.0)))
        return [ExtractedFact("riding_style", "gravel")]

    broker = MemoryStore(memory_url, fact_extractor=extractor)
    try:
        assert say(broker, "e1", "web-9", "customer", "I ride gravel", 0, intent="inform")
        kinds = {fact.kind: fact.value for fact in broker.facts.facts(customer)}
    finally:
        broker.close()
        actions.close()
    assert written and kinds == {"bike": "Trek FX 3", "riding_style": "gravel"}


def test_linking_merges_anonymous_history_into_the_customer(store, clock):
    say(store, "a1", "anon-1", "customer", "I ride a Trek", 0, intent="inform", confidence=0.9)
    anonymous = store.customers.customer_for_sender("anon-1")
    store.facts.record_fact(anonymous, ExtractedFact("name", "Jo"))
    store.issues.open_issue(anonymous, "problem", "squeaky brakes")
    clock.now = START + timedelta(days=1)
    say(store, "b1", "web-2", "customer", "hello", 86400, intent="greet", confidence=0.9)
    customer = store.customers.link_identity("web-2", "shop-7")
    store.facts.record_fact(customer, ExtractedFact("name", "Joanna"))
    assert store.customers.link_identity("anon-1", "shop-7") == customer
    card = store.cards.card(customer)
    assert card.external_id == "shop-7"
    assert card.visits == 2
    assert card.name == "Joanna"
    assert [issue.summary for issue in card.open_issues] == ["squeaky brakes"]
    assert sorted(store.customers.sender_ids(customer)) == ["anon-1", "web-2"]
    assert store.customers.find_customer("anon-1") == customer
    assert store.customers.find_customer("shop-7") == customer
    assert store.customers.find_customer(f"#{customer}") == customer


def test_a_shared_device_does_not_hand_over_another_customer_s_history(store):
    say(store, "a1", "web-1", "customer", "my secret", 0, intent="inform", confidence=0.9)
    first = store.customers.link_identity("web-1", "shop-1")
    second = store.customers.link_identity("web-1", "shop-2")
    assert first != second
    assert [v.text for v in store.cards.card(first).last_exchanges] == ["my secret"]
    assert store.cards.card(second).last_exchanges == ()
    assert store.customers.find_customer("web-1") == second


def test_card_brings_issues_promises_ratings_notes_and_topics(store, clock):
    for index, intent in enumerate(["greet", "book_repair", "check_repair", "book_repair"]):
        say(store, f"c{index}", "web-1", "customer", intent, index * 2, intent=intent, confidence=1)
        say(store, f"b{index}", "web-1", "bot", "ok", index * 2 + 1, action=f"utter_{intent}")
    customer = store.customers.customer_for_sender("web-1")
    complaint = store.issues.open_issue(customer, "complaint", "repair took two weeks")
    store.issues.open_issue(customer, "problem", "wrong tyre sent")
    store.issues.make_promise(customer, "call when the part arrives", START + timedelta(days=2))
    store.issues.make_promise(customer, "send the invoice", START - timedelta(days=1))
    idea = store.feedback.add_feedback(customer, "idea", "a ladies' maintenance evening")
    store.feedback.set_feedback_state(idea, "acknowledged", "great idea")
    store.feedback.rate(customer, 5)
    clock.now = START + timedelta(minutes=1)
    store.feedback.rate(customer, 2, "slow")
    store.agents.add_agent_note(customer, "Kim", "prefers email")
    store.loyalty.set_loyalty_status(customer, "gold, 320 points")
    store.issues.set_issue_state(complaint, "resolved")

    card = store.cards.card(customer)
    assert card.last_topics == ("book_repair", "check_repair")
    assert [issue.summary for issue in card.open_issues] == ["wrong tyre sent"]
    assert [(p.text, p.overdue) for p in card.promises_due] == [
        ("send the invoice", True),
        ("call when the part arrives", False),
    ]
    assert card.recent_ratings == (2, 5)
    assert card.satisfaction_trend == "falling"
    assert card.loyalty_status == "gold, 320 points"
    assert card.at_risk
    assert Reason("risk_overdue_promises", (("promises", 1),)) in card.reasons
    assert len(card.last_exchanges) == 8
    assert card.last_exchanges[-1].action == "utter_book_repair"
    assert store.agents.agent_notes(customer)[0][:2] == ("Kim", "prefers email")
    assert card.to_dict()["promises_due"][0]["text"] == "send the invoice"
    due = store.issues.promises_due(START)
    assert [promise.text for _customer, promise in due] == ["send the invoice"]


def test_bad_values_are_refused_with_a_clear_message(store):
    customer = store.customers.customer_for_sender("web-1")
    with pytest.raises(ValueError, match="a rating is 1 to 5"):
        store.feedback.rate(customer, 9)
    with pytest.raises(ValueError, match="issue kind"):
        store.issues.open_issue(customer, "rant", "x")
    with pytest.raises(ValueError, match="unknown relationship signal"):
        store.customers.record_signal(customer, "bribe")
    with pytest.raises(ValueError, match="speaker"):
        Exchange("e", "s", "robot", "x", START)


def test_card_reads_use_indexes_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    memory.migrate(url)
    store = MemoryStore(url)
    say(store, "e1", "web-1", "customer", "hi", 0, intent="greet", confidence=0.9)
    customer = store.customers.customer_for_sender("web-1")
    statements = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    store.cards.card(customer)
    event.remove(store.engine, "before_cursor_execute", capture)
    assert len(statements) >= 6
    with store.engine.connect() as conn:
        for statement, parameters in statements:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            details = [str(row[-1]) for row in plan]
            scans = [detail for detail in details if detail.startswith("SCAN")]
            assert not scans, f"{statement}\n-> {details}"
    store.close()


def test_an_anonymous_conversation_that_signs_in_merges_but_is_no_key_to_the_account(store):
    say(store, "m1", "web-9", "customer", "my brakes squeal", 0, intent="inform", confidence=0.9)
    anonymous = store.customers.customer_for_sender("web-9")
    store.facts.record_fact(anonymous, ExtractedFact("name", "Cara"))
    account = store.customers.merge_anonymous("web-9", "shop-9")
    assert account is not None
    assert store.customers.link_identity("customer:shop-9", "shop-9") == account
    # The history moved to the account, and forgetting the account still finds the old id.
    card = store.cards.card(account)
    assert card.name == "Cara"
    assert [v.text for v in card.last_exchanges] == ["my brakes squeal"]
    assert "web-9" in store.customers.sender_ids(account)
    assert store.customers.is_merged("web-9")
    # Whoever holds the anonymous id later reaches nobody's record...
    assert store.cards.card_for_sender("web-9") is None
    stranger = store.customers.customer_for_sender("web-9")
    assert stranger != account
    say(store, "m2", "web-9", "customer", "who am I?", 60, intent="inform", confidence=0.9)
    # ...and what they write stays theirs.
    assert [v.text for v in store.cards.card(account).last_exchanges] == ["my brakes squeal"]
    assert [v.text for v in store.cards.card(stranger).last_exchanges] == ["who am I?"]
    assert store.cards.card(stranger).name is None


def test_merging_someone_else_s_or_an_unknown_conversation_moves_nothing(store):
    say(store, "n1", "web-10", "customer", "my secret", 0, intent="inform", confidence=0.9)
    owner = store.customers.link_identity("web-10", "shop-10")
    assert store.customers.merge_anonymous("web-10", "shop-11") is None
    assert [v.text for v in store.cards.card(owner).last_exchanges] == ["my secret"]
    assert store.customers.merge_anonymous("web-10", "shop-10") is not None
    assert store.customers.merge_anonymous("web-10", "shop-10") is None  # retired already


def test_what_was_said_before_sign_in_reaches_the_account_even_when_logged_late(store, clock):
    # The customer signs in a moment after chatting, before the log has caught up.
    clock.now = START + timedelta(seconds=30)
    account = store.customers.merge_anonymous("web-late", "shop-late")
    assert account is not None and store.customers.is_merged("web-late")
    say(store, "l1", "web-late", "customer", "my chain slips", 10, intent="inform", confidence=1)
    say(store, "l2", "web-late", "customer", "who was here?", 90, intent="inform", confidence=1)
    assert [v.text for v in store.cards.card(account).last_exchanges] == ["my chain slips"]
    assert store.cards.card_for_sender("web-late").last_exchanges[0].text == "who was here?"


def test_upgrading_retires_anonymous_ids_an_earlier_version_linked_to_an_account(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    memory.migrate(url, "0004")
    old = MemoryStore(url)
    try:
        with old.engine.begin() as conn:  # what the earlier version's link left behind
            conn.exec_driver_sql(
                "INSERT INTO customers (id, external_id, created_at, visits, benefit, cost) "
                "VALUES (7, 'shop-old', '2024-05-01 09:00:00', 1, 0, 0)"
            )
            conn.exec_driver_sql(
                "INSERT INTO identities (sender_id, customer_id, linked_at) VALUES "
                "('web-old', 7, '2024-05-01 09:00:00'), "
                "('customer:shop-old', 7, '2024-05-01 09:00:00')"
            )
    finally:
        old.close()
    account = 7
    memory.migrate(url)
    store = MemoryStore(url)
    try:
        assert store.customers.is_merged("web-old")
        assert store.cards.card_for_sender("web-old") is None
        assert "web-old" in store.customers.sender_ids(account)
        assert store.cards.card_for_sender("customer:shop-old").customer_id == account
    finally:
        store.close()
