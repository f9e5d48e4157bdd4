"""The relationship rules: benefit/cost balance with decay, and the stage with its reasons.

Plain functions over plain values, so that they are tested without a database and the weights
are documented in one place. Every weight and threshold is a field of `RelationshipRules`; a
business overrides any of them in `.env` as `RELATIONSHIP_<FIELD IN CAPITALS>` (for example
`RELATIONSHIP_HALF_LIFE_DAYS=60`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime

STAGES = ("new", "acquainted", "regular", "loyal", "advocate")

# What can happen in an exchange that adds to (benefit) or takes from (cost) the relationship.
BENEFITS = ("resolved", "reward", "remembered", "fast_answer", "promise_kept", "idea_acknowledged")
COSTS = ("not_understood", "waiting", "repeated", "complaint", "promise_broken")


class RulesError(ValueError):
    """A relationship setting has a value that cannot be used; the message says which."""


@dataclass(frozen=True)
class RelationshipRules:
    """Weights and thresholds of the relationship model (the documented defaults)."""

    # A benefit or cost counts half as much after this many days (social memory fades).
    half_life_days: float = 90.0
    # Benefits.
    weight_resolved: float = 3.0  # a request or issue resolved
    weight_reward: float = 2.0  # a loyalty reward or a goodwill gesture
    weight_remembered: float = 1.0  # the bot used what it knew ("same bike as last time?")
    weight_fast_answer: float = 0.2  # a reply within `waiting_seconds`
    weight_promise_kept: float = 2.0
    weight_idea_acknowledged: float = 1.0
    # Costs.
    weight_not_understood: float = 1.0
    weight_waiting: float = 1.0  # a reply slower than `waiting_seconds`
    weight_repeated: float = 1.0  # the customer had to say the same thing again
    weight_complaint: float = 3.0
    weight_promise_broken: float = 3.0
    # Each issue still open costs this much at assessment time (not decayed: it is still open).
    weight_open_issue: float = 2.0
    # What counts as "not understood" and as "waiting".
    understood_confidence: float = 0.5
    waiting_seconds: float = 60.0
    # A new visit starts after this long without an exchange (or on a new Rasa session).
    visit_gap_minutes: float = 60.0
    # Stages: visits and balance needed for each.
    acquainted_visits: int = 2
    regular_visits: int = 4
    regular_balance: float = 0.0
    loyal_visits: int = 8
    loyal_balance: float = 8.0
    advocate_balance: float = 15.0
    advocate_ideas: int = 1  # ideas or feedback shared (co-creation)
    advocate_rating: float = 4.5  # or an average recent rating this high
    # At risk when any of these holds.
    at_risk_balance: float = -3.0
    at_risk_open_complaints: int = 2
    at_risk_not_understood_last_visit: int = 3
    at_risk_overdue_promises: int = 1
    at_risk_rating: float = 2.0  # latest rating at or below this
    at_risk_lapsed_days: int = 120  # a regular or better customer not seen for this long

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, str], prefix: str = "RELATIONSHIP_"
    ) -> RelationshipRules:
        """Rules with the `RELATIONSHIP_*` overrides of a settings mapping applied."""
        known = {f.name.upper(): f for f in fields(cls)}
        changes: dict[str, object] = {}
        for key, text in values.items():
            if not key.startswith(prefix) or text in ("", None):
                continue
            name = key[len(prefix) :]
            if name not in known:
                raise RulesError(
                    f"{key} in .env is not a relationship setting; see .env.example for the names."
                )
            kind = int if known[name].type in ("int", int) else float
            try:
                number = kind(text)
            except ValueError:
                raise RulesError(f"{key}={text!r} in .env is not a {kind.__name__}.") from None
            if number < 0 and not name.endswith("BALANCE"):
                raise RulesError(f"{key}={text!r} in .env must not be negative.")
            changes[known[name].name] = number
        rules = replace(cls(), **changes)  # type: ignore[arg-type]
        if rules.half_life_days <= 0:
            raise RulesError("RELATIONSHIP_HALF_LIFE_DAYS must be more than 0.")
        return rules

    def weight(self, signal: str) -> float:
        """The weight of a benefit or cost signal by name."""
        if signal not in BENEFITS and signal not in COSTS:
            raise ValueError(
                f"unknown relationship signal {signal!r}; use one of {BENEFITS + COSTS}"
            )
        return float(getattr(self, f"weight_{signal}"))


def decay(value: float, since: datetime, now: datetime, half_life_days: float) -> float:
    """`value` recorded at `since`, faded to `now` by exponential decay."""
    days = max((now - since).total_seconds(), 0.0) / 86400.0
    return value * math.pow(0.5, days / half_life_days)


@dataclass(frozen=True)
class Tally:
    """Decayed sums of benefits and costs, as of `at`."""

    benefit: float = 0.0
    cost: float = 0.0
    at: datetime | None = None

    def add(self, signal: str, at: datetime, rules: RelationshipRules) -> Tally:
        """This tally with one more signal recorded at `at`."""
        benefit, cost = self.faded(at, rules)
        weight = rules.weight(signal)
        if signal in BENEFITS:
            benefit += weight
        else:
            cost += weight
        return Tally(benefit, cost, at if self.at is None or at > self.at else self.at)

    def faded(self, now: datetime, rules: RelationshipRules) -> tuple[float, float]:
        """(benefit, cost) decayed to `now`."""
        if self.at is None:
            return self.benefit, self.cost
        return (
            decay(self.benefit, self.at, now, rules.half_life_days),
            decay(self.cost, self.at, now, rules.half_life_days),
        )


@dataclass(frozen=True)
class RelationshipInputs:
    """What the stage is decided from; the store fills it without scanning history."""

    visits: int = 0
    tally: Tally = field(default_factory=Tally)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    open_complaints: int = 0
    open_issues: int = 0
    overdue_promises: int = 0
    not_understood_last_visit: int = 0
    ideas_shared: int = 0
    recent_ratings: tuple[int, ...] = ()  # newest first


# Why a relationship is where it is, as codes with data; the business file words each one
# (`reason_<code>`, shown on the agents' card). The stage's reason comes first, then, for a
# relationship at risk, each risk.
STAGE_REASONS = ("new", "acquainted", "regular", "loyal", "advocate_ideas", "advocate_rating")
RISK_REASONS = (
    "risk_balance",
    "risk_complaints",
    "risk_not_understood",
    "risk_overdue_promises",
    "risk_rating",
    "risk_lapsed",
)
# The data that are counts of something, each worded by its count (`reason_<name>_one`/`_other`).
COUNTED = ("visits", "ideas", "complaints", "messages", "promises", "days")


@dataclass(frozen=True)
class Reason:
    """One reason: its code and the numbers its words need."""

    code: str
    data: tuple[tuple[str, float], ...] = ()

    @property
    def at_risk(self) -> bool:
        return self.code in RISK_REASONS

    def values(self) -> dict[str, float]:
        return dict(self.data)


def _reason(code: str, **data: float) -> Reason:
    return Reason(code, tuple(data.items()))


@dataclass(frozen=True)
class Relationship:
    """The assessed relationship: stage, at-risk flag, balance, and why."""

    stage: str
    at_risk: bool
    balance: float
    reasons: tuple[Reason, ...]


def assess(inputs: RelationshipInputs, now: datetime, rules: RelationshipRules) -> Relationship:
    """The stage and at-risk flag of a relationship, each with its reasons."""
    benefit, cost = inputs.tally.faded(now, rules)
    cost += inputs.open_issues * rules.weight_open_issue
    balance = round(benefit - cost, 2)
    visits = inputs.visits
    ratings = inputs.recent_ratings
    average = sum(ratings) / len(ratings) if ratings else None

    stage, reason = "new", _reason("new", visits=visits)
    if inputs.visits >= rules.acquainted_visits:
        stage, reason = "acquainted", _reason("acquainted", visits=visits)
    if inputs.visits >= rules.regular_visits and balance >= rules.regular_balance:
        stage, reason = "regular", _reason("regular", visits=visits, balance=balance)
    if inputs.visits >= rules.loyal_visits and balance >= rules.loyal_balance:
        stage, reason = "loyal", _reason("loyal", visits=visits, balance=balance)
    if stage == "loyal" and balance >= rules.advocate_balance:
        if inputs.ideas_shared >= rules.advocate_ideas:
            stage = "advocate"
            reason = _reason(
                "advocate_ideas", visits=visits, balance=balance, ideas=inputs.ideas_shared
            )
        elif average is not None and average >= rules.advocate_rating:
            stage = "advocate"
            reason = _reason("advocate_rating", visits=visits, balance=balance, rating=average)

    risks: list[Reason] = []
    if balance <= rules.at_risk_balance:
        risks.append(_reason("risk_balance", balance=balance))
    if inputs.open_complaints >= rules.at_risk_open_complaints:
        risks.append(_reason("risk_complaints", complaints=inputs.open_complaints))
    if inputs.not_understood_last_visit >= rules.at_risk_not_understood_last_visit:
        risks.append(_reason("risk_not_understood", messages=inputs.not_understood_last_visit))
    if inputs.overdue_promises >= rules.at_risk_overdue_promises:
        risks.append(_reason("risk_overdue_promises", promises=inputs.overdue_promises))
    if ratings and ratings[0] <= rules.at_risk_rating:
        risks.append(_reason("risk_rating", rating=ratings[0]))
    if (
        stage in ("regular", "loyal", "advocate")
        and inputs.last_seen is not None
        and (now - inputs.last_seen).days >= rules.at_risk_lapsed_days
    ):
        risks.append(_reason("risk_lapsed", days=(now - inputs.last_seen).days))
    return Relationship(stage=stage, at_risk=bool(risks), balance=balance, reasons=(reason, *risks))


def satisfaction_trend(ratings_newest_first: tuple[int, ...]) -> str:
    """'rising', 'falling', 'steady' or 'unknown' from recent ratings."""
    if len(ratings_newest_first) < 2:
        return "unknown" if not ratings_newest_first else "steady"
    newest, older = ratings_newest_first[0], ratings_newest_first[1:]
    baseline = sum(older) / len(older)
    if newest > baseline + 0.4:
        return "rising"
    if newest < baseline - 0.4:
        return "falling"
    return "steady"
