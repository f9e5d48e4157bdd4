"""Two things in one message: choose the one the bot should answer.

"thanks, do you sell those?" holds a pleasantry and a request; "I need a person, my order never
came" holds two requests. The intent classifier ranks every intent; its top one is often the
pleasantry, or the order question. The rules here read the ranking (or a `+`-joined intent of a
classifier trained on messages of two intents) and choose:

1. a request for a person wins over everything else, when the classifier gives it at least
   `min_person` (unless the top intent is one of `person_yields_to`, such as asking whether
   the bot is a person);
2. when the top intent is a pleasantry and a request scores at least `min_request`, the request
   wins (or its own minimum in `min_request_for`: a complaint or a booking read behind a
   greeting costs the customer an apology or a form, so it must be surer);
3. otherwise the ranking stands.

Plain Python over the parse result's dictionaries: the Rasa component in `bot.nlu` applies it to
every message, and the tests call it directly. Which intents are pleasantries and the thresholds
are configuration (`config.yml`), so a shop with other intents changes no code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# The name Rasa's FallbackClassifier gives a message it did not understand.
FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class ChoiceRules:
    """Which intents are which, and how strong a second intent must be to win."""

    person: str
    pleasantries: frozenset[str]
    # Intents that are never "the request" of a message (answers inside a form, out of scope).
    not_requests: frozenset[str]
    # Top intents a request for a person does not override ("are you a real person?").
    person_yields_to: frozenset[str]
    min_person: float
    min_request: float
    # Over a message the classifier did not understand, a person must be read more surely:
    # an unsure answer inside a form ("about 50 days ago") is not a request for a person.
    min_person_unsure: float = 0.0
    split_symbol: str = "+"
    min_request_for: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ChoiceRules:
        return cls(
            person=str(config["person"]),
            pleasantries=frozenset(config["pleasantries"]),
            not_requests=frozenset(config.get("not_requests") or ()),
            person_yields_to=frozenset(config.get("person_yields_to") or ()),
            min_person=float(config["min_person"]),
            min_request=float(config["min_request"]),
            min_person_unsure=float(config.get("min_person_unsure") or 0.0),
            split_symbol=str(config.get("split_symbol") or "+"),
            min_request_for={
                str(name): float(least)
                for name, least in (config.get("min_request_for") or {}).items()
            },
        )

    def least_for(self, name: str) -> float:
        """How sure the classifier must be of request `name` for it to win over a pleasantry."""
        return max(self.min_request, self.min_request_for.get(name, 0.0))

    def is_request(self, name: str) -> bool:
        return (
            name not in self.pleasantries
            and name not in self.not_requests
            and (name != FALLBACK_INTENT)
        )


def _name(entry: Mapping[str, Any]) -> str:
    return str(entry.get("name") or "")


def _confidence(entry: Mapping[str, Any]) -> float:
    try:
        return float(entry.get("confidence") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def choose_from_parts(parts: Iterable[str], rules: ChoiceRules) -> str | None:
    """The intent to answer among the parts of a `+`-joined intent ("thank+buy_product")."""
    names = [part for part in parts if part]
    if rules.person in names:
        return rules.person
    requests = [name for name in names if rules.is_request(name)]
    if requests:
        return requests[0]
    return names[0] if names else None


def chosen_intent(ranking: Sequence[Mapping[str, Any]], rules: ChoiceRules) -> str | None:
    """The name of the intent to answer, or None when the top of the ranking stands."""
    if not ranking:
        return None
    top = _name(ranking[0])
    if rules.split_symbol in top:
        chosen = choose_from_parts(top.split(rules.split_symbol), rules)
        return chosen if chosen != top else None
    if top == rules.person:
        return None
    if top not in rules.person_yields_to:
        least = rules.min_person
        if top == FALLBACK_INTENT:
            least = max(least, rules.min_person_unsure)
        for entry in ranking[1:]:
            if _name(entry) == rules.person and _confidence(entry) >= least:
                return rules.person
    if top in rules.pleasantries:
        for entry in ranking[1:]:
            name = _name(entry)
            if rules.is_request(name) and _confidence(entry) >= rules.least_for(name):
                return choose_from_parts(name.split(rules.split_symbol), rules)
    return None


def choose(parse: Mapping[str, Any], rules: ChoiceRules) -> dict[str, Any]:
    """The parse result with the chosen intent first, or unchanged when the top one stands.

    A chosen intent keeps the confidence the classifier gave it in the ranking; a part of a
    `+`-joined intent takes the joined intent's confidence.
    """
    ranking = list(parse.get("intent_ranking") or [])
    if not ranking and parse.get("intent"):
        ranking = [parse["intent"]]
    name = chosen_intent(ranking, rules)
    if name is None:
        return dict(parse)
    found = next((dict(entry) for entry in ranking if _name(entry) == name), None)
    if found is None:  # a part of a joined intent that the ranking doesn't list on its own
        found = {"name": name, "confidence": _confidence(ranking[0])}
    rest = [dict(entry) for entry in ranking if _name(entry) != name]
    return {**parse, "intent": found, "intent_ranking": [found, *rest]}


def person_read_unsurely(
    parse: Mapping[str, Any], person: str, small_talk: Iterable[str], least: float
) -> bool:
    """Whether a message's request for a person is only the ranking's, below `least`, under
    small talk the classifier read more surely ("hi! lovely weather today isn't it"): a
    pleasantry to answer, not a request for a person. A request for a person read surely, a
    button's or a whole-message demand (both read at full confidence) is never small talk."""
    intent = parse.get("intent") or {}
    if _name(intent) != person or _confidence(intent) >= least:
        return False
    others = [entry for entry in parse.get("intent_ranking") or () if _name(entry) != person]
    if not others:
        return False
    return _name(others[0]) in set(small_talk) and _confidence(others[0]) > _confidence(intent)


# Small talk in which the classifier only guessed at a request for a person: the person intent,
# the intents that are small talk, and how sure a request for a person must be to be one. The
# handoff action and the channel's check of a chat waiting for the team read it the same way.
PERSON_INTENT = "request_human"
SMALL_TALK = ("greet", "how_are_you", "thank", "praise", "goodbye", "out_of_scope", FALLBACK_INTENT)
SURE_PERSON = 0.5


def small_talk_not_a_request(parse: Mapping[str, Any]) -> bool:
    """Whether a message (Rasa's parse result) is small talk with a person only guessed at."""
    return person_read_unsurely(parse, PERSON_INTENT, SMALL_TALK, SURE_PERSON)
