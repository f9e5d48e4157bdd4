"""The insights page's figures (memory/insights.py) against a seeded memory with known answers,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import pytest
from sqlalchemy import create_engine, insert

from bot.console.insights import csv_table
from memory import schema as s
from memory.insights import DateRange, Insights, InsightsError

NOW = datetime(2026, 3, 20, 12, 0)
SPAN = DateRange(date(2026, 3, 2), date(2026, 3, 15))  # two whole weeks, Monday to Sunday


def at(day: str, clock: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"2026-{day}T{clock}")


class Seed:
    def __init__(self, conn):
        self.conn = conn
        self.events = 0

    def customer(self, name, visits, benefit=0.0, last_seen=None, first_seen=None):
        customer_id = self.conn.execute(
            insert(s.customers).values(
                created_at=at("01-01"),
                first_seen=first_seen or at("01-01"),
                last_seen=last_seen or at("03-01"),
                visits=visits,
                benefit=benefit,
                cost=0.0,
                tally_at=NOW,
            )
        ).inserted_primary_key[0]
        if name:
            self.conn.execute(
                insert(s.facts).values(
                    customer_id=customer_id,
                    kind="name",
                    key="",
                    value=name,
                    source="message",
                    confidence=1.0,
                    recorded_at=at("01-01"),
                )
            )
        return customer_id

    def visit(self, customer_id, when, not_understood=0):
        return self.conn.execute(
            insert(s.conversations).values(
                customer_id=customer_id,
                sender_id=f"web-{customer_id}",
                started_at=when,
                last_at=when,
                not_understood=not_understood,
            )
        ).inserted_primary_key[0]

    def say(self, customer_id, conversation_id, speaker, when, **more):
        self.events += 1
        self.conn.execute(
            insert(s.exchanges).values(
                event_id=f"e{self.events}",
                customer_id=customer_id,
                conversation_id=conversation_id,
                speaker=speaker,
                text="...",
                at=when,
                **more,
            )
        )

    def stage(self, customer_id, change, at_risk, when):
        """A row of stage history: `change` is (from, to), `at_risk` is (before, after)."""
        self.conn.execute(
            insert(s.stage_changes).values(
                customer_id=customer_id,
                from_stage=change[0],
                to_stage=change[1],
                was_at_risk=at_risk[0],
                at_risk=at_risk[1],
                at=when,
            )
        )

    def handoff(self, customer_id, reason, when):
        self.conn.execute(
            insert(s.handoffs).values(
                sender_id=f"web-{customer_id}", reason=reason, state="waiting", requested_at=when
            )
        )


def say_yes(kind, rung, code, item=None):
    decision = {"kind": kind, "rung": rung, "reason_code": code}
    if item is not None:
        decision["item"] = item
    return json.dumps({"say_yes": decision})


@pytest.fixture
def insights(memory_url):
    engine = create_engine(memory_url, future=True)
    with engine.begin() as conn:
        seed = Seed(conn)
        ana = seed.customer("Ana", visits=1, first_seen=at("03-03"))
        ben = seed.customer("Ben", visits=2)
        cy = seed.customer("Cy", visits=4, benefit=10.0)
        dee = seed.customer("Dee", visits=8, benefit=20.0)
        eve = seed.customer(None, visits=0)

        ana_visit = seed.visit(ana, at("03-03"), not_understood=1)
        seed.visit(ben, at("02-20"))
        ben_visit = seed.visit(ben, at("03-04"))
        for day in ("02-01", "02-05", "02-10"):
            seed.visit(cy, at(day))
        cy_visit = seed.visit(cy, at("03-10", "08:00"))
        for day in range(1, 9):
            seed.visit(dee, at(f"01-{day:02d}"))

        # Stage history. Week of 2 March: Ana new (first seen), Ben acquainted, Dee an advocate
        # and out of at risk. Week of 9 March: Cy regular, then at risk. First judgements and
        # rows outside the range are no moves.
        seed.stage(ben, (None, "new"), (None, False), at("02-10"))
        seed.stage(cy, ("new", "acquainted"), (False, False), at("02-05"))  # history begins
        seed.stage(ana, (None, "new"), (None, False), at("03-03"))
        seed.stage(ben, ("new", "acquainted"), (False, False), at("03-04"))
        seed.stage(dee, ("loyal", "advocate"), (True, False), at("03-05"))
        seed.stage(cy, ("acquainted", "regular"), (False, False), at("03-10", "08:00"))
        seed.stage(cy, ("regular", "regular"), (False, True), at("03-11"))
        seed.stage(dee, ("advocate", "loyal"), (False, False), at("03-16"))  # after the range

        # Customers' messages: week of 2 March 4, 2 not understood; week of 9 March 3, none.
        seed.say(ana, ana_visit, "customer", at("03-03"), intent="greet", confidence=0.9)
        seed.say(ana, ana_visit, "customer", at("03-03"), intent="nlu_fallback", confidence=0.3)
        seed.say(ben, ben_visit, "customer", at("03-04"), intent="ask_hours", confidence=0.4)
        seed.say(ben, ben_visit, "customer", at("03-04"), intent="ask_hours", confidence=0.95)
        seed.say(cy, cy_visit, "customer", at("03-10"), intent="greet", confidence=0.9)
        seed.say(cy, cy_visit, "customer", at("03-10"), intent="thanks", confidence=0.8)
        seed.say(ana, ana_visit, "customer", at("02-28"), intent="nlu_fallback", confidence=0.1)

        # The say-yes ladder: alternatives for late returns (two of one item, one of another),
        # one person for an order that named no item.
        late = say_yes("return", "yes_alternative", "return.alternatives", item="Trail helmet")
        seed.say(ben, ben_visit, "bot", at("03-04"), policy=late)
        seed.say(cy, cy_visit, "bot", at("03-10"), policy=late)
        gloves = say_yes("return", "yes_alternative", "return.alternatives", item="Gloves")
        seed.say(ben, ben_visit, "bot", at("03-04"), policy=gloves)
        seed.say(cy, cy_visit, "bot", at("03-10"), policy=say_yes("order", "yes_person", "o.p"))
        seed.say(cy, cy_visit, "bot", at("03-10"), policy=say_yes("return", "yes", "return.yes"))
        seed.say(ana, ana_visit, "bot", at("02-28"), policy=late)  # before the range
        seed.say(ana, ana_visit, "bot", at("03-03"), policy=json.dumps({"tone": {"replaced": 1}}))
        # A customer's message keeps the classifier's guesses as its policy: no say-yes decision.
        guesses = json.dumps({"guesses": [{"name": "ask_hours", "confidence": 0.9}]})
        seed.say(
            cy, cy_visit, "customer", at("03-11"), intent="greet", confidence=0.9, policy=guesses
        )

        # Handoffs: Ana's never answered, Ben's after 2 minutes, Cy's after 10 (an agent's
        # message before Cy asked does not count).
        seed.handoff(ana, "asked_for_person", at("03-03", "11:00"))
        seed.handoff(ben, "asked_for_person", at("03-04", "10:00"))
        seed.handoff(cy, "complaint", at("03-10", "09:00"))
        seed.handoff(cy, "complaint", at("02-10", "09:00"))  # before the range
        # A check-in the bot promised after a complaint: waits for the team, not a handoff.
        seed.handoff(dee, "bot_promise", at("03-10", "10:00"))
        seed.say(ben, ben_visit, "agent", at("03-04", "10:02"), agent="Kim")
        seed.say(cy, cy_visit, "agent", at("03-10", "08:59"), agent="Kim")
        seed.say(cy, cy_visit, "agent", at("03-10", "09:10"), agent="Kim")

        # Ben has two open complaints; Cy one resolved problem.
        for summary in ("late delivery", "wrong size"):
            conn.execute(
                insert(s.issues).values(
                    customer_id=ben,
                    kind="complaint",
                    summary=summary,
                    state="open",
                    opened_at=at("03-04"),
                    updated_at=at("03-04"),
                )
            )
        conn.execute(
            insert(s.issues).values(
                customer_id=cy,
                kind="problem",
                summary="squeaky brake",
                state="resolved",
                opened_at=at("03-10"),
                updated_at=at("03-10"),
            )
        )
        # Eve's promise is overdue; Ana's is not due yet.
        conn.execute(
            insert(s.promises).values(
                customer_id=eve,
                text="call back",
                made_at=at("03-10"),
                due_at=at("03-18"),
                state="open",
                owner="Kim",
            )
        )
        conn.execute(
            insert(s.promises).values(
                customer_id=ana,
                text="email",
                made_at=at("03-10"),
                due_at=at("03-25"),
                state="open",
            )
        )
        # Ratings: Dee 5 then 4 (week of 2 March), Cy 1 (week of 9 March).
        for customer_id, score, day in ((dee, 5, "03-03"), (dee, 4, "03-05"), (cy, 1, "03-11")):
            conn.execute(insert(s.ratings).values(customer_id=customer_id, score=score, at=at(day)))
        # Ideas and feedback: Dee's idea is planned, Ana's feedback declined with a reason.
        for customer_id, kind, text, state, day, note in (
            (dee, "idea", "Longer Saturday hours", "planned", "03-06", None),
            (ana, "feedback", "Open on Sundays", "declined", "03-12", "We run the clinic"),
            (dee, "idea", "A kids' clinic", "received", "01-15", None),
        ):
            feedback_id = conn.execute(
                insert(s.feedback).values(
                    customer_id=customer_id,
                    kind=kind,
                    text=text,
                    state=state,
                    created_at=at(day),
                    updated_at=at(day),
                )
            ).inserted_primary_key[0]
            conn.execute(
                insert(s.feedback_states).values(
                    feedback_id=feedback_id, state="received", at=at(day)
                )
            )
            if state != "received":
                conn.execute(
                    insert(s.feedback_states).values(
                        feedback_id=feedback_id, state=state, note=note, at=at(day, "12:00")
                    )
                )
    yield Insights(engine, clock=lambda: NOW), {"ana": ana, "ben": ben, "cy": cy, "eve": eve}
    engine.dispose()


def test_customers_per_stage_now(insights):
    report = insights[0].report(SPAN)
    assert report["stages"] == [
        {"stage": "new", "customers": 2},
        {"stage": "acquainted", "customers": 1},
        {"stage": "regular", "customers": 1},
        {"stage": "loyal", "customers": 0},
        {"stage": "advocate", "customers": 1},
    ]


def test_at_risk_customers_with_their_reasons(insights):
    figures, ids = insights
    report = figures.report(SPAN)
    assert report["at_risk_count"] == 3
    listed = [
        (item["customer_id"], item["name"], [(r.code, r.values()) for r in item["reasons"]])
        for item in report["at_risk"]
    ]
    # Codes with their numbers: the console words them (tests/integration/console).
    assert listed == [
        (
            ids["ben"],
            "Ben",
            [("risk_balance", {"balance": -4.0}), ("risk_complaints", {"complaints": 2})],
        ),
        (ids["eve"], None, [("risk_overdue_promises", {"promises": 1})]),
        (ids["cy"], "Cy", [("risk_rating", {"rating": 1})]),
    ]


def test_moves_count_the_recorded_stage_history_by_week(insights):
    report = insights[0].report(SPAN)
    zero = {"acquainted": 0, "regular": 0, "loyal": 0, "advocate": 0}
    assert report["moves"] == [
        {
            "week": "2026-03-02",
            "new": 1,
            **zero,
            "acquainted": 1,
            "advocate": 1,
            "into_at_risk": 0,
            "out_of_at_risk": 1,
        },
        {
            "week": "2026-03-09",
            "new": 0,
            **zero,
            "regular": 1,
            "into_at_risk": 1,
            "out_of_at_risk": 0,
        },
    ]
    assert report["history_since"] == "2026-02-05"


def test_open_issues_and_overdue_promises(insights):
    figures, ids = insights
    report = figures.report(SPAN)
    assert [(i["customer_id"], i["summary"]) for i in report["open_issues"]] == [
        (ids["ben"], "late delivery"),
        (ids["ben"], "wrong size"),
    ]
    assert [(p["customer_id"], p["what"], p["owner"]) for p in report["overdue_promises"]] == [
        (ids["eve"], "call back", "Kim")
    ]


def test_satisfaction_per_week(insights):
    assert insights[0].report(SPAN)["satisfaction"] == [
        {"week": "2026-03-02", "ratings": 2, "average": 4.5},
        {"week": "2026-03-09", "ratings": 1, "average": 1.0},
    ]


def test_handoff_rate_reasons_and_median_first_reply(insights):
    report = insights[0].report(SPAN)
    assert report["handoffs"] == {
        "visits": 3,
        "handoffs": 3,
        "rate": 1.0,
        "reasons": [
            {"reason": "asked_for_person", "handoffs": 2},
            {"reason": "complaint", "handoffs": 1},
        ],
    }
    assert report["first_reply"] == {"answered": 2, "unanswered": 1, "median_seconds": 360.0}


def test_fallback_rate_per_week(insights):
    assert insights[0].report(SPAN)["fallback"] == [
        {"week": "2026-03-02", "messages": 4, "not_understood": 2, "rate": 0.5},
        {"week": "2026-03-09", "messages": 3, "not_understood": 0, "rate": 0.0},
    ]


def test_what_the_shop_could_not_say_yes_to(insights):
    assert insights[0].report(SPAN)["not_yes"] == [
        {
            "kind": "return",
            "item": "Trail helmet",
            "rung": "yes_alternative",
            "reason_code": "return.alternatives",
            "times": 2,
        },
        {"kind": "order", "item": "", "rung": "yes_person", "reason_code": "o.p", "times": 1},
        {
            "kind": "return",
            "item": "Gloves",
            "rung": "yes_alternative",
            "reason_code": "return.alternatives",
            "times": 1,
        },
    ]


def test_ideas_with_their_state_and_reason(insights):
    ideas = insights[0].report(SPAN)["ideas"]
    assert [(i["text"], i["state"], i["note"]) for i in ideas["items"]] == [
        ("Open on Sundays", "declined", "We run the clinic"),
        ("Longer Saturday hours", "planned", None),
    ]
    assert sorted((c["kind"], c["state"], c["count"]) for c in ideas["by_state"]) == [
        ("feedback", "declined", 1),
        ("idea", "planned", 1),
    ]


def test_a_range_is_read_from_iso_dates():
    today = date(2026, 3, 20)
    assert DateRange.parse(None, None, today, days=7) == DateRange(date(2026, 3, 14), today)
    assert DateRange.parse("2026-03-01", "2026-03-02", today).end == date(2026, 3, 2)
    for start, end in (("2026-03-05", "2026-03-01"), ("March", None), ("2020-01-01", None)):
        with pytest.raises(InsightsError):
            DateRange.parse(start, end, today)


@pytest.mark.parametrize("table", ["moves", "not_yes"])
def test_the_csv_of_moves_and_not_yes_has_every_column_of_the_figures(insights, table):
    report = insights[0].report(SPAN)
    rows = list(csv.DictReader(io.StringIO(csv_table(report, table))))
    assert len(rows) == len(report[table])
    for row, figure in zip(rows, report[table], strict=True):
        assert row == {key: str(value) for key, value in figure.items()}
