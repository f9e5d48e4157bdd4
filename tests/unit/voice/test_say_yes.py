"""The say-yes ladder: every rung of every kind, never a bare no, and errors that name the line."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

from voice import business, say_yes
from voice.business import BusinessFileError
from voice.say_yes import RUNGS, Request, SayYesError, Standing

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "business.yml"


def load_rules(path: Path) -> say_yes.SayYesRules:
    """The say-yes section of the business file at `path`, read by the business file's loader."""
    return business.load(path).say_yes_rules()


@pytest.fixture(scope="module")
def rules() -> say_yes.SayYesRules:
    return load_rules(SHIPPED)


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing `needle`."""
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def broken(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text, f"the shipped business.yml no longer contains {old!r}"
    changed = text.replace(old, new, 1)
    path = tmp_path / "business.yml"
    path.write_text(changed, encoding="utf-8")
    return path, changed


NEW = Standing()
LOYAL = Standing(stage="loyal")
AT_RISK = Standing(stage="regular", at_risk=True)
TWICE = Standing(stage="acquainted", open_complaints=2)

# (kind, facts, standing, rung, reason code): every rung of every kind the shop states.
LADDER = [
    ("return", {"item": "helmet", "days_since_purchase": 10}, NEW, "yes", "return.yes"),
    (
        "return",
        {"item": "helmet", "days_since_purchase": 45},
        NEW,
        "yes_with_condition",
        "return.with_condition",
    ),
    (
        "return",
        {"item": "helmet", "days_since_purchase": 90},
        NEW,
        "yes_alternative",
        "return.alternatives",
    ),
    (
        "return",
        {"item": "helmet", "days_since_purchase": 45},
        AT_RISK,
        "yes_person",
        "return.person.standing",
    ),
    (
        "refund",
        {"item": "lock", "days_since_purchase": 3, "value": 75, "has_receipt": True},
        NEW,
        "yes",
        "refund.yes",
    ),
    (
        "refund",
        {"item": "lock", "days_since_purchase": 3, "value": 75, "has_receipt": False},
        NEW,
        "yes_with_condition",
        "refund.with_condition",
    ),
    (
        "refund",
        {"item": "lock", "days_since_purchase": 80, "value": 75},
        NEW,
        "yes_alternative",
        "refund.alternatives",
    ),
    (
        "refund",
        {"item": "e-bike", "days_since_purchase": 3, "value": 3499, "has_receipt": True},
        NEW,
        "yes_person",
        "refund.person",
    ),
    (
        "exchange",
        {"item": "helmet", "days_since_purchase": 5, "in_stock": True},
        NEW,
        "yes",
        "exchange.yes",
    ),
    (
        "exchange",
        {"item": "helmet", "days_since_purchase": 5, "in_stock": False},
        NEW,
        "yes_with_condition",
        "exchange.with_condition",
    ),
    (
        "exchange",
        {"item": "helmet", "days_since_purchase": 50, "in_stock": True},
        NEW,
        "yes_alternative",
        "exchange.alternatives",
    ),
    (
        "exchange",
        {"item": "helmet", "days_since_purchase": 50},
        TWICE,
        "yes_person",
        "exchange.person.standing",
    ),
    (
        "special_order",
        {"item": "bell", "value": 20, "supplier_has_it": True, "lead_time_days": 7},
        NEW,
        "yes",
        "special_order.yes",
    ),
    (
        "special_order",
        {"item": "wheelset", "value": 600, "supplier_has_it": True, "lead_time_days": 7},
        NEW,
        "yes_with_condition",
        "special_order.with_condition",
    ),
    (
        "special_order",
        {"item": "wheelset", "value": 600, "supplier_has_it": False},
        NEW,
        "yes_alternative",
        "special_order.alternatives",
    ),
    (
        "special_order",
        {"item": "custom frame", "value": 4000, "supplier_has_it": True, "lead_time_days": 30},
        NEW,
        "yes_person",
        "special_order.person",
    ),
    (
        "out_of_stock",
        {"item": "G-One", "restock_days": 2},
        NEW,
        "yes",
        "out_of_stock.yes",
    ),
    (
        "out_of_stock",
        {"item": "G-One", "restock_days": 7},
        NEW,
        "yes_with_condition",
        "out_of_stock.with_condition",
    ),
    (
        "out_of_stock",
        {"item": "G-One", "restock_days": 40, "similar_in_stock": True},
        NEW,
        "yes_alternative",
        "out_of_stock.alternatives",
    ),
    (
        "out_of_stock",
        {"item": "G-One", "restock_days": 40},
        AT_RISK,
        "yes_person",
        "out_of_stock.person.standing",
    ),
    ("repair_slot", {"slot_free": True}, NEW, "yes", "repair_slot.yes"),
    (
        "repair_slot",
        {"slot_free": False, "next_free_day": "Thursday", "days_to_next_free": 1},
        NEW,
        "yes_with_condition",
        "repair_slot.with_condition",
    ),
    (
        "repair_slot",
        {"slot_free": False, "next_free_day": "next Friday", "days_to_next_free": 9},
        NEW,
        "yes_alternative",
        "repair_slot.alternatives",
    ),
    (
        "repair_slot",
        {"slot_free": False, "next_free_day": "Thursday", "days_to_next_free": 1},
        TWICE,
        "yes_person",
        "repair_slot.person.standing",
    ),
    ("rush_repair", {"service": "tune-up", "days_short": 0}, NEW, "yes", "rush_repair.yes"),
    (
        "rush_repair",
        {"service": "tune-up", "days_short": 1},
        NEW,
        "yes_with_condition",
        "rush_repair.with_condition",
    ),
    (
        "rush_repair",
        {"service": "overhaul", "days_short": 4},
        NEW,
        "yes_alternative",
        "rush_repair.alternatives",
    ),
    (
        "rush_repair",
        {"service": "overhaul", "days_short": 4},
        AT_RISK,
        "yes_person",
        "rush_repair.person.standing",
    ),
    (
        "price_match",
        {"item": "lock", "difference_percent": 4, "competitor_in_stock": True},
        NEW,
        "yes",
        "price_match.yes",
    ),
    (
        "price_match",
        {"item": "lock", "difference_percent": 12, "competitor_in_stock": True},
        LOYAL,
        "yes",
        "price_match.yes",
    ),
    (
        "price_match",
        {"item": "lock", "difference_percent": 12, "competitor_in_stock": True},
        NEW,
        "yes_with_condition",
        "price_match.with_condition",
    ),
    (
        "price_match",
        {"item": "lock", "difference_percent": 25},
        NEW,
        "yes_alternative",
        "price_match.alternatives",
    ),
    (
        "price_match",
        {"item": "lock", "difference_percent": 50},
        NEW,
        "yes_person",
        "price_match.person",
    ),
    ("out_of_hours_contact", {"hours_until_open": 0.5}, NEW, "yes", "out_of_hours_contact.yes"),
    (
        "out_of_hours_contact",
        {"hours_until_open": 12, "opening_time": "9am tomorrow", "urgent": False},
        NEW,
        "yes_with_condition",
        "out_of_hours_contact.with_condition",
    ),
    (
        "out_of_hours_contact",
        {"hours_until_open": 12, "opening_time": "9am tomorrow", "urgent": True},
        NEW,
        "yes_alternative",
        "out_of_hours_contact.alternatives",
    ),
    (
        "out_of_hours_contact",
        {"hours_until_open": 12, "opening_time": "9am tomorrow", "urgent": False},
        AT_RISK,
        "yes_person",
        "out_of_hours_contact.person.standing",
    ),
    ("complaint", {"serious": False}, NEW, "yes_alternative", "complaint.alternatives"),
    ("complaint", {"serious": True}, NEW, "yes_person", "complaint.person"),
    ("complaint", {"serious": False}, TWICE, "yes_person", "complaint.person.standing"),
]


@pytest.mark.parametrize(("kind", "facts", "standing", "rung", "code"), LADDER)
def test_the_ladder_gives_the_best_yes(
    rules: say_yes.SayYesRules,
    kind: str,
    facts: dict[str, Any],
    standing: Standing,
    rung: str,
    code: str,
) -> None:
    decision = say_yes.decide(Request(kind, facts), standing, rules)
    assert (decision.rung, decision.reason_code) == (rung, code)
    assert decision.reason
    assert "{" not in decision.text and decision.text.strip()
    if rung == "yes_alternative":
        assert 1 <= len(decision.alternatives) <= 2
        assert all(button["payload"].startswith("/") for button in decision.buttons())
    else:
        assert decision.alternatives == ()
    if rung == "yes_with_condition":
        assert decision.condition and decision.condition in decision.text
    if "item" in facts and rung != "yes_person":
        assert str(facts["item"]) in decision.text


def test_every_kind_of_the_issue_has_every_rung(rules: say_yes.SayYesRules) -> None:
    wanted = {
        "return",
        "refund",
        "exchange",
        "special_order",
        "out_of_stock",
        "repair_slot",
        "rush_repair",
        "price_match",
        "out_of_hours_contact",
    }
    assert wanted <= set(rules.kinds)
    covered = {(kind, rung) for kind, _, _, rung, _ in LADDER}
    assert {(kind, rung) for kind in wanted for rung in RUNGS} <= covered


def test_a_plain_yes_wins_even_for_a_customer_at_risk(rules: say_yes.SayYesRules) -> None:
    facts = {"item": "helmet", "days_since_purchase": 10}
    assert say_yes.decide(Request("return", facts), AT_RISK, rules).rung == "yes"


def test_an_alternative_offered_only_when_its_facts_hold(rules: say_yes.SayYesRules) -> None:
    without = say_yes.decide(Request("out_of_stock", {"item": "x", "restock_days": 40}), NEW, rules)
    assert [choice.payload for choice in without.alternatives] == ["/request_human"]


# Values a request might carry, including nonsense, to show no input gets a bare no.
ODD_VALUES: list[Any] = [None, 0, -5, 1, 31, 10_000, True, False, "", "soon", 2.5]


def test_no_input_yields_a_bare_no(rules: say_yes.SayYesRules) -> None:
    standings = [NEW, LOYAL, AT_RISK, TWICE]
    decisions = 0
    for kind in [*rules.kinds, "unheard_of_kind"]:
        facts_of_kind = [
            name
            for name in (rules.kinds[kind].facts if kind in rules.kinds else {})
            if name not in say_yes.STANDING_FACTS
        ]
        for value, standing in itertools.product(ODD_VALUES, standings):
            for facts in ({}, {name: value for name in facts_of_kind}):
                # Text facts get text, so the templates can be filled.
                filled = {
                    name: ("the thing" if rules.kinds[kind].facts[name] == "text" else value)
                    for name, value in facts.items()
                }
                decision = say_yes.decide(Request(kind, filled), standing, rules)
                decisions += 1
                assert decision.rung in RUNGS
                assert decision.text.strip()
                assert decision.reason_code and decision.reason
                if decision.rung == "yes_alternative":
                    assert 1 <= len(decision.alternatives) <= 2
    assert decisions > 300


def test_words_that_need_an_unknown_fact_pass_the_rung_over(rules: say_yes.SayYesRules) -> None:
    # No item named: the yes can't be said, so the ladder goes on down (never an error).
    decision = say_yes.decide(Request("exchange", {"days_since_purchase": 3}), NEW, rules)
    assert decision.rung == "yes_person"
    assert decision.text == rules.person_says
    # An offer whose words need an unknown fact is left out; the others stay.
    without_lead_time = say_yes.decide(Request("special_order", {"item": "a tandem"}), NEW, rules)
    assert [c.payload for c in without_lead_time.alternatives] == ["/product_recommendation"]
    with_lead_time = say_yes.decide(
        Request("special_order", {"item": "a tandem", "lead_time_days": 7}), NEW, rules
    )
    assert [c.payload for c in with_lead_time.alternatives] == [
        "/request_human",
        "/product_recommendation",
    ]
    assert "within 7 days" in with_lead_time.text


def test_an_unknown_kind_goes_to_a_person(rules: say_yes.SayYesRules) -> None:
    decision = say_yes.decide(Request("teleport", {}), NEW, rules)
    assert (decision.rung, decision.reason_code) == ("yes_person", "unknown_kind")
    assert decision.text == rules.person_says


def test_the_decision_is_ready_to_log(rules: say_yes.SayYesRules) -> None:
    decision = say_yes.decide(
        Request("return", {"item": "x", "days_since_purchase": 90}), NEW, rules
    )
    logged = decision.as_log()
    assert logged["rung"] == "yes_alternative"
    assert logged["reason_code"] == "return.alternatives"
    assert logged["alternatives"] == ["/book_repair", "/product_recommendation"]


def test_serious_words_are_whole_words(rules: say_yes.SayYesRules) -> None:
    words = rules.complaints
    assert words.is_serious("My son was INJURED when the brake failed")
    assert words.is_serious("I'm talking to my lawyer")
    assert words.is_serious("I'm reporting you to Trading   Standards")
    assert not words.is_serious("The bell is hurtling off")
    assert not words.is_serious("The delivery was late and I'm annoyed")
    assert not words.is_serious(None)


@pytest.mark.parametrize(
    "text",
    [
        "I'm hurting all over since the crash",
        "the bike crashes into the kerb when the brake locks",
        "my injuries are from your wheel",
        "she's got two injuries and it hurts",
        "he was crashing every time he braked",
    ],
)
def test_serious_words_are_found_in_their_word_forms(rules: say_yes.SayYesRules, text: str) -> None:
    assert rules.complaints.is_serious(text)


@pytest.mark.parametrize(
    "text",
    [
        "my back hurts on my current bike",
        "my wrists ache and my neck hurts after long rides, what should I change",
        "the saddle is so uncomfortable it's painful",
        "knee pain when I ride, is my setup wrong?",
    ],
)
def test_an_ache_from_riding_is_a_comfort_question(rules: say_yes.SayYesRules, text: str) -> None:
    """Injury words with a comfort word and no incident ask about fit: not serious."""
    assert not rules.complaints.is_serious(text)


@pytest.mark.parametrize(
    "text",
    [
        "I hurt my back when I fell off, the brake you fitted failed",
        "my knee is hurt, the pedal snapped on the way home",
        "my back hurts since the repair, the seat post slipped and I came off",
        "my back hurts and I'm talking to my lawyer",
        "I got hurt",
    ],
)
def test_an_injury_with_an_incident_stays_serious(rules: say_yes.SayYesRules, text: str) -> None:
    """An injury word with an incident or a fault, beside another serious word, or alone."""
    assert rules.complaints.is_serious(text)


def test_without_comfort_words_every_injury_word_is_serious() -> None:
    words = say_yes.ComplaintWords(
        serious_words=("hurt",),
        follow_up_days=1,
        acknowledge="",
        apologise="",
        own="",
        follow_up="",
        injury_words=("hurt",),
    )
    assert words.is_serious("my back hurts on my current bike")


def test_every_template_passes_the_tone_guard(rules: say_yes.SayYesRules) -> None:
    from voice import tone

    # The bot's own words are checked by the rules alone, as actions do at run time.
    texts = rules.templates()
    verdicts = tone.build_rules_guard().check_many(text for _, text in texts)
    problems = [
        f"{where}: {verdict.describe()}"
        for (where, _), verdict in zip(texts, verdicts, strict=True)
        if not verdict.ok
    ]
    assert not problems, "\n".join(problems)


def test_apologies_never_say_but(rules: say_yes.SayYesRules) -> None:
    words = rules.complaints
    for text in (words.acknowledge, words.apologise, words.own):
        assert " but " not in f" {text.lower()} "


def test_every_payload_is_an_intent_of_the_domain(rules: say_yes.SayYesRules) -> None:
    intents = set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])
    for kind in rules.kinds.values():
        for offer in kind.alternatives.offers if kind.alternatives else ():
            assert offer.payload[1:] in intents, f"{kind.name}: {offer.payload}"


# -- validation: each mistake names the file, the line and what is wrong ------------------------


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "when: {days_since_purchase: {at_most: 30}}\n",
            "when: {days_since_purchase: {at_mots: 30}}\n",
            "at_mots",
            "'at_mots' is not a comparison",
        ),
        (
            "when: {days_since_purchase: {at_most: 30}}\n",
            "when: {days_since_purchse: {at_most: 30}}\n",
            "days_since_purchse",
            "'days_since_purchse' is not a fact of this kind",
        ),
        (
            "when: {slot_free: true}",
            "when: {slot_free: {at_least: 2}}",
            "slot_free: {at_least",
            "is a flag, so it can only be compared with `is` or `in`",
        ),
        (
            "when: {days_since_purchase: {at_most: 30}}\n",
            'when: {days_since_purchase: {at_most: "thirty"}}\n',
            '"thirty"',
            "is a number, so it needs a number",
        ),
        (
            "so it's a full refund.",
            "so it's a full refund of {amount}.",
            "{amount}",
            "uses {amount}, which is not a fact of this kind",
        ),
        (
            'payload: "/book_repair"}',
            'payload: "book a repair"}',
            '"book a repair"',
            "payload must be an intent like /book_repair",
        ),
        (
            "stage: {in: [loyal, advocate]}",
            "stage: {in: [loyal, champion]}",
            "champion",
            "'champion' is not a stage",
        ),
        (
            "facts: {item: text, days_since_purchase: number, used: flag}",
            "facts: {item: text, days_since_purchase: number, used: yes_or_no}",
            "yes_or_no",
            "must be one of number, flag, text",
        ),
        (
            "  follow_up_days: 2",
            "  follow_up_days: soon",
            "follow_up_days: soon",
            "follow_up_days must be a whole number above 0",
        ),
        (
            "    return:\n      facts:",
            "    return:\n      refunds: maybe\n      facts:",
            "refunds: maybe",
            "refunds is not a known key",
        ),
    ],
)
def test_a_mistake_names_the_line(
    tmp_path: Path, old: str, new: str, needle: str, message: str
) -> None:
    path, text = broken(tmp_path, old, new)
    with pytest.raises(SayYesError) as raised:
        load_rules(path)
    assert f"business.yml line {line_of(text, needle)}:" in str(raised.value)
    assert message in str(raised.value)


def test_a_missing_section_is_named(tmp_path: Path) -> None:
    path = tmp_path / "business.yml"
    with pytest.raises(SayYesError, match="the say_yes section is missing"):
        say_yes.parse_rules("shop: {name: x}\n", path)
    without = SHIPPED.read_text(encoding="utf-8").split("\nsay_yes:")[0]
    path.write_text(without, encoding="utf-8")
    shop = business.load(path)
    assert shop.say_yes is None
    with pytest.raises(SayYesError, match=r"business\.yml: the say_yes section is missing"):
        shop.say_yes_rules()


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(BusinessFileError, match="cannot be read"):
        load_rules(tmp_path / "nowhere.yml")


def test_the_business_file_loader_accepts_the_section() -> None:
    from voice import business

    assert business.load(SHIPPED).shop.name


def test_alternatives_read_together_in_the_business_files_words(tmp_path: Path) -> None:
    facts = {"item": "helmet", "days_since_purchase": 90}
    shipped = say_yes.decide(Request("return", facts), NEW, load_rules(SHIPPED))
    assert len(shipped.alternatives) == 2
    path, _ = broken(tmp_path, 'two: "{first} or {last}"', 'two: "{first}, otherwise {last}"')
    reworded = say_yes.decide(Request("return", facts), NEW, load_rules(path))
    assert ", otherwise " in reworded.text and ", otherwise " not in shipped.text


def test_an_or_list_pattern_takes_only_its_fields(tmp_path: Path) -> None:
    path, _ = broken(tmp_path, '    middle: "{first}, {rest}"', '    middle: "{first}, {last}"')
    with pytest.raises(SayYesError, match=r"or_list\.middle uses \{last\}"):
        load_rules(path)
