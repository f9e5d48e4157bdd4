"""The "say yes" ladder: what the shop may agree to, and the best yes for each request.

The business file's `say_yes:` section states ahead of time, for each kind of request (return,
refund, special order, rush repair...), the conditions for a plain yes, the yes with a condition,
the alternatives to offer and when a person takes over. `decide` climbs the ladder for one
request and returns a `Decision`: `yes`, `yes_with_condition`, `yes_alternative` (one or two
offers, as buttons) or `yes_person`. There is no rung for a bare no: whatever the input, the
answer is one of these four, with the reason as a code and a sentence for the exchange log.

The section also holds the words of the complaint protocol (see `ComplaintWords`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from voice.business import BusinessFileError, _Reader
from voice.wording import join_list

SECTION = "say_yes"
RUNGS = ("yes", "yes_with_condition", "yes_alternative", "yes_person")
FACT_TYPES = ("number", "flag", "text")
COMPARISONS = ("at_most", "at_least", "below", "above", "is", "in")
STAGES = ("new", "acquainted", "regular", "loyal", "advocate")
# Every rule may check the customer's standing as well as the request's facts.
STANDING_FACTS = {"stage": "text", "at_risk": "flag", "open_complaints": "number"}
# Fields a template may use besides the facts.
LADDER_FIELDS = ("condition", "alternatives")
COMPLAINT_SAYS = ("acknowledge", "apologise", "own", "follow_up")
COMPLAINT_FIELDS = ("follow_up_day",)
MAX_OFFERS = 2
_PAYLOAD = re.compile(r"^/[A-Za-z_][A-Za-z0-9_]*$")
_KIND_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# `or_list:` the list patterns of offered alternatives, and the fields each may use.
OR_LIST_KEYS = ("two", "end", "middle")
OR_LIST_FIELDS = (("first", "last"), ("first", "last"), ("first", "rest"))
# `reasons:` why a person was brought in when no rung of the file says so (read by agents on
# the console and kept with the decision), and the fields each may use.
PERSON_REASONS = {
    "unknown_kind": ("kind",),
    "standing_at_risk": (),
    "standing_complaints": ("count",),
    "fallback": (),
    "memory_unavailable": (),
}


class SayYesError(BusinessFileError):
    """The say-yes rules cannot be used; the message names the file, the line and the fault."""


# -- what a decision is made from ----------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """The part of a customer's relationship card that the ladder looks at."""

    stage: str = "new"
    at_risk: bool = False
    open_complaints: int = 0


@dataclass(frozen=True)
class Request:
    """What the customer asked for: a kind from the rules, and the facts the bot knows about it."""

    kind: str
    facts: Mapping[str, Any] = field(default_factory=dict)


# -- the rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One comparison of a fact with a value from the rules."""

    fact: str
    comparison: str
    value: Any

    def holds(self, facts: Mapping[str, Any]) -> bool:
        if self.fact not in facts or facts[self.fact] is None:
            return False  # an unknown fact never earns a yes; the ladder goes on down
        actual = facts[self.fact]
        if self.comparison == "is":
            return bool(actual == self.value)
        if self.comparison == "in":
            return actual in self.value
        if isinstance(actual, bool) or not isinstance(actual, (int, float)):
            return False
        if self.comparison == "at_most":
            return actual <= self.value
        if self.comparison == "at_least":
            return actual >= self.value
        if self.comparison == "below":
            return actual < self.value
        return actual > self.value  # above


@dataclass(frozen=True)
class When:
    """Checks that must all hold, in any one of several groups (a list in the file)."""

    groups: tuple[tuple[Check, ...], ...] = ()

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return any(all(check.holds(facts) for check in group) for group in self.groups)


ALWAYS = When(((),))


@dataclass(frozen=True)
class Rung:
    when: When
    reason: str
    says: str
    condition: str = ""


@dataclass(frozen=True)
class Offer:
    label: str
    phrase: str
    payload: str
    when: When = ALWAYS


@dataclass(frozen=True)
class Alternatives:
    reason: str
    says: str
    offers: tuple[Offer, ...]


@dataclass(frozen=True)
class KindRules:
    name: str
    facts: dict[str, str]
    person: Rung | None = None
    yes: Rung | None = None
    with_condition: Rung | None = None
    alternatives: Alternatives | None = None


@dataclass(frozen=True)
class ComplaintKind:
    """One kind of complaint (a late order, a repair that did not hold...): the words that name
    it, the domain response its answer starts with and the say-yes kind of its remedies."""

    name: str
    words: tuple[str, ...]
    acknowledge: str
    remedy: str


@dataclass(frozen=True)
class ComplaintWords:
    """The complaint protocol's words, and the words that make a complaint serious."""

    serious_words: tuple[str, ...]
    follow_up_days: int
    acknowledge: str
    apologise: str
    own: str
    follow_up: str
    # A fault named together with a purchase from the shop is a complaint, not a stock question.
    fault_words: tuple[str, ...] = ()
    purchase_words: tuple[str, ...] = ()
    # An ache from riding asks about fit: injury words said with a comfort word and without an
    # incident or a fault are not serious (see `is_serious`).
    injury_words: tuple[str, ...] = ()
    comfort_words: tuple[str, ...] = ()
    incident_words: tuple[str, ...] = ()
    # The kinds, in the order they are tried; the response a serious complaint starts with.
    kinds: tuple[ComplaintKind, ...] = ()
    serious_acknowledge: str = ""

    def kind_of(self, text: str | None) -> ComplaintKind | None:
        """The first kind whose words the complaint names, None when it names none."""
        return next((kind for kind in self.kinds if _names_any(text, kind.words)), None)

    def is_serious(self, text: str | None) -> bool:
        """Whether the customer's words name something serious (an injury, a lawyer...), in
        any of its plain word forms ("crashes", "crashing", "hurts", "injuries"). A message
        whose only serious words are injury words is a question about comfort, not serious,
        when it names a comfort word ("my back hurts on my bike") and no incident or fault
        ("...since the part you fitted snapped")."""
        found = [word for word in self.serious_words if _names_any(text, (word,))]
        if not found:
            return False
        if any(word not in self.injury_words for word in found):
            return True
        incident = _names_any(text, self.incident_words) or _names_any(text, self.fault_words)
        return incident or not _names_any(text, self.comfort_words)

    def reports_fault(self, text: str | None) -> bool:
        """Whether the customer says something they bought from the shop has a fault ("the
        one I bought on saturday stopped working"): a fault word and a purchase word."""
        return _names_any(text, self.fault_words) and _names_any(text, self.purchase_words)


def _names_any(text: str | None, phrases: tuple[str, ...]) -> bool:
    words = " ".join(re.findall(r"[a-z0-9']+", (text or "").lower().replace("’", "'")))
    return any(re.search(_word_forms(phrase), words) for phrase in phrases)


def _word_forms(word: str) -> str:
    """A pattern for `word` as a whole word with the endings of its plural or verb forms."""
    if word.endswith("y") and len(word) > 2:
        return rf"\b{re.escape(word[:-1])}(?:y|ies)\b"
    return rf"\b{re.escape(word)}(?:s|es|ed|d|ing)?\b"


@dataclass(frozen=True)
class SayYesRules:
    source: Path
    person_when: When
    person_says: str
    kinds: dict[str, KindRules]
    complaints: ComplaintWords
    # How offered alternatives read together: two, the last two of more, each before those.
    or_list: tuple[str, str, str]
    reasons: dict[str, str]

    def reason(self, name: str, **values: Any) -> str:
        """Why a person was brought in (`reasons:`), its fields filled in."""
        return self.reasons[name].format(**values)

    def templates(self) -> list[tuple[str, str]]:
        """(where, text) of every template, for the tone guard's checks."""
        found = [("say_yes.person_says", self.person_says)]
        found += [
            (f"say_yes.or_list.{key}", text)
            for key, text in zip(OR_LIST_KEYS, self.or_list, strict=True)
        ]
        found += [(f"say_yes.reasons.{key}", text) for key, text in self.reasons.items()]
        for kind in self.kinds.values():
            where = f"say_yes.kinds.{kind.name}"
            for rung_name in ("person", "yes", "with_condition"):
                rung = getattr(kind, rung_name)
                if rung is not None:
                    found.append((f"{where}.{rung_name}.says", rung.says))
                    if rung.condition:
                        found.append((f"{where}.{rung_name}.condition", rung.condition))
            if kind.alternatives is not None:
                found.append((f"{where}.alternatives.says", kind.alternatives.says))
                for index, offer in enumerate(kind.alternatives.offers):
                    found.append((f"{where}.alternatives.offer[{index}].label", offer.label))
                    found.append((f"{where}.alternatives.offer[{index}].phrase", offer.phrase))
        for name in COMPLAINT_SAYS:
            found.append((f"say_yes.complaints.says.{name}", getattr(self.complaints, name)))
        return found


# -- the decision --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """An alternative offered as a button: its title and the payload the bot accepts."""

    label: str
    payload: str


@dataclass(frozen=True)
class Decision:
    """The best yes for a request: the rung, why (code and sentence), and the words to say."""

    rung: str
    kind: str
    reason_code: str
    reason: str
    text: str
    condition: str = ""
    alternatives: tuple[Choice, ...] = ()

    @property
    def needs_person(self) -> bool:
        return self.rung == "yes_person"

    def buttons(self) -> list[dict[str, str]]:
        return [{"title": choice.label, "payload": choice.payload} for choice in self.alternatives]

    def as_log(self) -> dict[str, Any]:
        """The decision as plain values, to log with the exchange."""
        return {
            "kind": self.kind,
            "rung": self.rung,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "condition": self.condition,
            "alternatives": [choice.payload for choice in self.alternatives],
        }


def _fill(template: str, values: Mapping[str, Any]) -> str | None:
    """The template with `values` filled in; None when it needs a fact that was not given."""
    try:
        return template.format_map(values)
    except (KeyError, IndexError):
        return None


def _join(phrases: list[str], rules: SayYesRules) -> str:
    return join_list(phrases, *rules.or_list)


def _person(
    kind: KindRules, rules: SayYesRules, values: Mapping[str, Any], code: str, reason: str
) -> Decision:
    # A kind's own words for a person, when it has them and its facts are known, serve every
    # way a person comes in; otherwise the general words, which need no facts.
    text = _fill(kind.person.says, values) if kind.person is not None else None
    return Decision("yes_person", kind.name, code, reason, text or rules.person_says)


def decide_person(request: Request, rules: SayYesRules, code: str, reason: str) -> Decision:
    """A person for this request whatever the ladder says (say, when a promise can't be kept)."""
    kind = rules.kinds.get(request.kind)
    if kind is None:
        return Decision("yes_person", request.kind, code, reason, rules.person_says)
    values = {name: value for name, value in request.facts.items() if value is not None}
    return _person(kind, rules, values, code, reason)


def decide(request: Request, standing: Standing, rules: SayYesRules) -> Decision:
    """The best answer on the ladder for `request`: never a bare no.

    Order: a person when the kind's person rule holds; a plain yes; a person for a customer at
    risk or with repeated complaints; a yes with a condition; one or two alternatives; and a
    person when nothing else fits (or the kind is unknown). A rung or an offer whose words need
    a fact the bot doesn't know is passed over, like a rung whose `when` does not hold.
    """
    kind = rules.kinds.get(request.kind)
    if kind is None:
        return Decision(
            rung="yes_person",
            kind=request.kind,
            reason_code="unknown_kind",
            reason=rules.reason("unknown_kind", kind=request.kind),
            text=rules.person_says,
        )
    facts: dict[str, Any] = {
        name: value for name, value in request.facts.items() if name in kind.facts
    }
    facts.update(
        stage=standing.stage, at_risk=standing.at_risk, open_complaints=standing.open_complaints
    )
    values = {name: value for name, value in facts.items() if value is not None}
    name = kind.name

    def person(code: str, reason: str) -> Decision:
        return _person(kind, rules, values, code, reason)

    if kind.person is not None and kind.person.when.holds(facts):
        return person(f"{name}.person", kind.person.reason)
    if kind.yes is not None and kind.yes.when.holds(facts):
        text = _fill(kind.yes.says, values)
        if text is not None:
            return Decision("yes", name, f"{name}.yes", kind.yes.reason, text)
    if rules.person_when.holds(facts):
        why = (
            rules.reason("standing_at_risk")
            if standing.at_risk
            else rules.reason("standing_complaints", count=standing.open_complaints)
        )
        return person(f"{name}.person.standing", why)
    rung = kind.with_condition
    if rung is not None and rung.when.holds(facts):
        condition = _fill(rung.condition, values)
        text = _fill(rung.says, {**values, "condition": condition}) if condition else None
        if condition is not None and text is not None:
            return Decision(
                "yes_with_condition", name, f"{name}.with_condition", rung.reason, text, condition
            )
    if kind.alternatives is not None:
        offers: list[tuple[Offer, str]] = []
        for offer in kind.alternatives.offers:
            phrase = _fill(offer.phrase, values) if offer.when.holds(facts) else None
            if phrase is not None and len(offers) < MAX_OFFERS:
                offers.append((offer, phrase))
        text = (
            _fill(
                kind.alternatives.says,
                {**values, "alternatives": _join([p for _, p in offers], rules)},
            )
            if offers
            else None
        )
        if text is not None:
            return Decision(
                "yes_alternative",
                name,
                f"{name}.alternatives",
                kind.alternatives.reason,
                text,
                alternatives=tuple(Choice(offer.label, offer.payload) for offer, _ in offers),
            )
    return person(f"{name}.person.fallback", rules.reason("fallback"))


# -- reading the rules ---------------------------------------------------------------------------


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


class _RulesReader(_Reader):
    """The business file's reader, with the say-yes section's own kinds of value."""

    def fail(self, line: int | None, message: str) -> SayYesError:
        where = f"{self.source.name} line {line + 1}" if line is not None else self.source.name
        return SayYesError(f"{where}: {message}")

    def template(
        self, node: CommentedMap, key: str, path: str, allowed: tuple[str, ...] | dict[str, str]
    ) -> str:
        text = self.text(node, key, path)
        try:
            names = _fields(text)
        except ValueError as error:
            raise self.fail(self.line_of(node, key), f"{path}.{key}: {error}") from None
        for name in names:
            if not name or name not in allowed:
                known = ", ".join(allowed) or "none"
                raise self.fail(
                    self.line_of(node, key),
                    f"{path}.{key} uses {{{name}}}, which is not a fact of this kind "
                    f"(known: {known})",
                )
        return text

    def check(self, node: CommentedMap, fact: str, path: str, facts: dict[str, str]) -> Check:
        line = self.line_of(node, fact)
        if fact not in facts:
            raise self.fail(
                line, f"{path}: {fact!r} is not a fact of this kind (known: {', '.join(facts)})"
            )
        kind, raw = facts[fact], node[fact]
        if isinstance(raw, CommentedMap):
            if len(raw) != 1:
                raise self.fail(line, f"{path}.{fact} must hold one comparison, got {dict(raw)!r}")
            comparison, value = next(iter(raw.items()))
            if comparison not in COMPARISONS:
                raise self.fail(
                    line,
                    f"{path}.{fact}: {comparison!r} is not a comparison "
                    f"(known: {', '.join(COMPARISONS)})",
                )
        else:
            comparison, value = "is", raw
        if comparison == "in":
            if not isinstance(value, CommentedSeq) or not value:
                raise self.fail(line, f"{path}.{fact}: `in` needs a list of values, got {value!r}")
            for item in value:
                self._value(line, path, fact, kind, item)
            return Check(fact, comparison, tuple(value))
        if comparison != "is" and kind != "number":
            raise self.fail(
                line, f"{path}.{fact} is a {kind}, so it can only be compared with `is` or `in`"
            )
        self._value(line, path, fact, kind, value)
        return Check(fact, comparison, value)

    def _value(self, line: int | None, path: str, fact: str, kind: str, value: Any) -> None:
        fits = {
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "flag": isinstance(value, bool),
            "text": isinstance(value, str) and bool(value.strip()),
        }[kind]
        if not fits:
            wanted = {"number": "a number", "flag": "true or false", "text": "text"}[kind]
            raise self.fail(line, f"{path}.{fact} is a {kind}, so it needs {wanted}, got {value!r}")
        if fact == "stage" and value not in STAGES:
            raise self.fail(line, f"{path}.stage {value!r} is not a stage ({', '.join(STAGES)})")

    def when(self, parent: CommentedMap, key: str, path: str, facts: dict[str, str]) -> When:
        if key not in parent:
            raise self.fail(parent.lc.line, f"{path}.{key} is missing")
        raw = parent[key]
        groups = raw if isinstance(raw, CommentedSeq) else [raw]
        if isinstance(raw, CommentedSeq) and not raw:
            raise self.fail(self.line_of(parent, key), f"{path}.{key} must list at least one group")
        checks = []
        for index, group in enumerate(groups):
            where = f"{path}.{key}" + (f"[{index}]" if isinstance(raw, CommentedSeq) else "")
            if not isinstance(group, CommentedMap) or not group:
                line = self.line_of(raw, index) if isinstance(raw, CommentedSeq) else None
                raise self.fail(
                    line if line is not None else self.line_of(parent, key),
                    f"{where} must be a mapping of checks such as {{days_since_purchase: "
                    f"{{at_most: 30}}}}, got {group!r}",
                )
            checks.append(tuple(self.check(group, fact, where, facts) for fact in group))
        return When(tuple(checks))

    def rung(
        self, parent: CommentedMap, key: str, path: str, facts: dict[str, str], conditional: bool
    ) -> Rung:
        node = self.mapping(parent, key, f"{path}.{key}")
        where = f"{path}.{key}"
        extra = ("condition",) if conditional else ()
        self.keys(node, where, ("when", "reason", "says", *extra), ())
        fields = {**facts, **({"condition": "text"} if conditional else {})}
        return Rung(
            when=self.when(node, "when", where, facts),
            reason=self.text(node, "reason", where),
            says=self.template(node, "says", where, fields),
            condition=self.template(node, "condition", where, facts) if conditional else "",
        )

    def alternatives(self, parent: CommentedMap, path: str, facts: dict[str, str]) -> Alternatives:
        where = f"{path}.alternatives"
        node = self.mapping(parent, "alternatives", where)
        self.keys(node, where, ("reason", "says", "offer"), ())
        entries = self.sequence(node, "offer", f"{where}.offer")
        if not entries:
            raise self.fail(self.line_of(node, "offer"), f"{where}.offer must list an offer")
        offers = []
        for index in range(len(entries)):
            at = f"{where}.offer[{index}]"
            offer = self.mapping(entries, index, at)
            self.keys(offer, at, ("label", "payload"), ("phrase", "when"))
            payload = self.text(offer, "payload", at)
            if not _PAYLOAD.match(payload):
                raise self.fail(
                    self.line_of(offer, "payload"),
                    f"{at}.payload must be an intent like /book_repair, got {payload!r}",
                )
            label = self.text(offer, "label", at)
            offers.append(
                Offer(
                    label=label,
                    phrase=(
                        self.template(offer, "phrase", at, facts) if "phrase" in offer else label
                    ),
                    payload=payload,
                    when=self.when(offer, "when", at, facts) if "when" in offer else ALWAYS,
                )
            )
        if not any(offer.when is ALWAYS for offer in offers):
            raise self.fail(
                self.line_of(node, "offer"),
                f"{where}.offer needs at least one offer without `when`, so there is always one",
            )
        return Alternatives(
            reason=self.text(node, "reason", where),
            says=self.template(node, "says", where, {**facts, "alternatives": "text"}),
            offers=tuple(offers),
        )

    def facts(self, node: CommentedMap, path: str) -> dict[str, str]:
        facts_node = self.mapping(node, "facts", f"{path}.facts")
        facts = dict(STANDING_FACTS)
        for fact, kind in facts_node.items():
            line = self.line_of(facts_node, fact)
            if not isinstance(fact, str) or not _KIND_NAME.match(fact):
                raise self.fail(line, f"{path}.facts: {fact!r} is not a fact name like item_price")
            if fact in STANDING_FACTS or fact in LADDER_FIELDS:
                raise self.fail(line, f"{path}.facts.{fact} is a reserved name; choose another")
            if kind not in FACT_TYPES:
                raise self.fail(
                    line,
                    f"{path}.facts.{fact} must be one of {', '.join(FACT_TYPES)}, got {kind!r}",
                )
            facts[fact] = kind
        return facts

    def kind(self, parent: CommentedMap, name: Any, path: str) -> KindRules:
        where = f"{path}.{name}"
        if not isinstance(name, str) or not _KIND_NAME.match(name):
            raise self.fail(
                self.line_of(parent, name), f"{where}: a kind is named like special_order"
            )
        node = self.mapping(parent, name, where)
        self.keys(node, where, ("facts",), ("person", "yes", "with_condition", "alternatives"))
        facts = self.facts(node, where)
        return KindRules(
            name=name,
            facts=facts,
            person=self.rung(node, "person", where, facts, False) if "person" in node else None,
            yes=self.rung(node, "yes", where, facts, False) if "yes" in node else None,
            with_condition=(
                self.rung(node, "with_condition", where, facts, True)
                if "with_condition" in node
                else None
            ),
            alternatives=self.alternatives(node, where, facts) if "alternatives" in node else None,
        )

    def complaints(self, parent: CommentedMap) -> ComplaintWords:
        where = f"{SECTION}.complaints"
        node = self.mapping(parent, "complaints", where)
        self.keys(
            node,
            where,
            ("serious_words", "follow_up_days", "says"),
            (
                "fault_words",
                "purchase_words",
                "injury_words",
                "comfort_words",
                "incident_words",
                "kinds",
                "serious_acknowledge",
            ),
        )
        serious = self.phrases(node, "serious_words", where)
        says = self.mapping(node, "says", f"{where}.says")
        self.keys(says, f"{where}.says", COMPLAINT_SAYS, ())
        texts = {
            name: self.template(says, name, f"{where}.says", COMPLAINT_FIELDS)
            for name in COMPLAINT_SAYS
        }
        return ComplaintWords(
            serious_words=serious,
            follow_up_days=self.whole(node, "follow_up_days", where, positive=True),
            **texts,
            fault_words=self.phrases(node, "fault_words", where) if "fault_words" in node else (),
            purchase_words=(
                self.phrases(node, "purchase_words", where) if "purchase_words" in node else ()
            ),
            injury_words=self.optional_phrases(node, "injury_words", where),
            comfort_words=self.optional_phrases(node, "comfort_words", where),
            incident_words=self.optional_phrases(node, "incident_words", where),
            kinds=self.complaint_kinds(node, where) if "kinds" in node else (),
            serious_acknowledge=self.response_name(node, "serious_acknowledge", where),
        )

    def complaint_kinds(self, node: CommentedMap, where: str) -> tuple[ComplaintKind, ...]:
        """The kinds of complaint: a name, words, a response to start with, a remedy kind."""
        entries = self.sequence(node, "kinds", f"{where}.kinds")
        kinds = []
        for index, entry in enumerate(entries):
            path = f"{where}.kinds[{index}]"
            if not isinstance(entry, CommentedMap):
                raise self.fail(self.line_of(entries, index), f"{path} must be a mapping")
            self.keys(entry, path, ("name", "words", "acknowledge", "remedy"), ())
            name = entry["name"]
            if not isinstance(name, str) or not name.strip():
                raise self.fail(self.line_of(entry, "name"), f"{path}.name must be text")
            kinds.append(
                ComplaintKind(
                    name=name.strip(),
                    words=self.phrases(entry, "words", path),
                    acknowledge=self.response_name(entry, "acknowledge", path),
                    remedy=self.response_name(entry, "remedy", path),
                )
            )
        return tuple(kinds)

    def response_name(self, node: CommentedMap, key: str, where: str) -> str:
        """A name (of a domain response or a say-yes kind): one word; "" when left out."""
        if key not in node:
            return ""
        value = node[key]
        if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise self.fail(self.line_of(node, key), f"{where}.{key} must be a name like utter_x")
        return value

    def optional_phrases(self, node: CommentedMap, key: str, where: str) -> tuple[str, ...]:
        """A list of words or phrases that may be left out (then none)."""
        return self.phrases(node, key, where) if key in node else ()

    def phrases(self, node: CommentedMap, key: str, where: str) -> tuple[str, ...]:
        """A list of words or phrases, lower-cased with single spaces."""
        words = self.sequence(node, key, f"{where}.{key}")
        found = []
        for index, word in enumerate(words):
            if not isinstance(word, str) or not word.strip():
                raise self.fail(self.line_of(words, index), f"{where}.{key}[{index}] must be text")
            found.append(" ".join(word.lower().split()))
        return tuple(found)


def parse_rules(text: str, source: Path) -> SayYesRules:
    """Validate the `say_yes:` section of a business file's text (rules written in a test);
    errors name file and line."""
    reader = _RulesReader(source)
    try:
        root = YAML(typ="rt").load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "is not valid YAML"
        raise reader.fail(mark.line if mark else None, f"not valid YAML: {problem}") from None
    if not isinstance(root, CommentedMap):
        raise reader.fail(None, "must be a mapping with keys such as shop, hours and products")
    return rules_from(root, source)


def rules_from(root: CommentedMap, source: Path) -> SayYesRules:
    """The `say_yes:` section of a business file's parsed YAML (the business file's loader
    calls it on the document it has read); errors name file and line."""
    reader = _RulesReader(source)
    if SECTION not in root:
        raise missing(source)
    node = reader.mapping(root, SECTION, SECTION)
    reader.keys(
        node,
        SECTION,
        ("person_when", "person_says", "kinds", "complaints", "or_list", "reasons"),
        (),
    )
    reasons_node = reader.mapping(node, "reasons", f"{SECTION}.reasons")
    reader.keys(reasons_node, f"{SECTION}.reasons", tuple(PERSON_REASONS), ())
    reasons = {
        key: reader.template(reasons_node, key, f"{SECTION}.reasons", fields)
        for key, fields in PERSON_REASONS.items()
    }
    or_node = reader.mapping(node, "or_list", f"{SECTION}.or_list")
    reader.keys(or_node, f"{SECTION}.or_list", OR_LIST_KEYS, ())
    or_list = tuple(
        reader.template(or_node, key, f"{SECTION}.or_list", fields)
        for key, fields in zip(OR_LIST_KEYS, OR_LIST_FIELDS, strict=True)
    )
    kinds_node = reader.mapping(node, "kinds", f"{SECTION}.kinds")
    kinds = {str(name): reader.kind(kinds_node, name, f"{SECTION}.kinds") for name in kinds_node}
    if "complaint" not in kinds or kinds["complaint"].alternatives is None:
        raise reader.fail(
            reader.line_of(node, "kinds"),
            f"{SECTION}.kinds.complaint with alternatives is needed: it gives a complaint's remedy",
        )
    complaints = reader.complaints(node)
    for index, complaint_kind in enumerate(complaints.kinds):
        remedy = kinds.get(complaint_kind.remedy)
        if remedy is None or remedy.alternatives is None:
            raise reader.fail(
                reader.line_of(node, "complaints"),
                f"{SECTION}.complaints.kinds[{index}].remedy names {complaint_kind.remedy!r}: "
                f"it must be a kind under {SECTION}.kinds with alternatives",
            )
    return SayYesRules(
        source=source,
        person_when=reader.when(node, "person_when", SECTION, dict(STANDING_FACTS)),
        person_says=reader.template(node, "person_says", SECTION, ()),
        kinds=kinds,
        complaints=complaints,
        or_list=(or_list[0], or_list[1], or_list[2]),
        reasons=reasons,
    )


def missing(source: Path) -> SayYesError:
    """The error of a business file without the say-yes section."""
    return _RulesReader(source).fail(
        None, f"the {SECTION} section is missing (what the shop can say yes to)"
    )
