"""The feeling check: a message with negative feeling never keeps a cheerful intent.

Customers complain in positive words ("great, it's broken AGAIN after your 'repair'", "thanks
for nothing"), and the intent classifier, which learns words, reads them as thanks or praise.
`FeelingCheck` runs last in the NLU pipeline: when the intent is one of the cheerful ones it
watches (thanks, praise, a greeting, a goodbye; not a yes, which answers forms) and `FeelingReader`
finds the feeling negative, the message's intent becomes the complaint intent, so the
complaint protocol answers it (actions/complaints.py) and no cheerful line is sent. When the
classifier was unsure (the fallback intent), the check only records what it read: the
fallback ladder (actions/fallback.py) then asks an unhappy customer whether this is a
complaint or a matter for a person, rather than asking them to rephrase.

Serious words win over every intent, the fallback included: a message naming an injury, a
crash or a lawyer (the business file's `say_yes.complaints.serious_words`) becomes the complaint
intent, so the complaint protocol answers it and brings in a person, marked serious.

`FeelingReader` reads the feeling with VADER (the vaderSentiment lexicon, read from the
installed package, nothing downloaded) on the whole message and on each of its parts, since
a "thanks" in front of a complaint lifts the whole message's score; VADER alone does not see
sarcasm, so the markers of sarcasm, of a problem that came back and of waiting, which are
language, not machinery, come from the check's entry in config.yml. Why here and not in the
actions: docs/nlu.md, "Feelings".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bot import composition
from voice.business import BusinessFileError
from voice.say_yes import ComplaintWords

logger = logging.getLogger(__name__)

# The message key that tells what the check read (kept in the parse data and the tracker).
FEELING = "feeling"


@dataclass(frozen=True)
class Feeling:
    """What the reader found: VADER's compound score and why the feeling is negative, if it is."""

    compound: float
    reasons: tuple[str, ...]

    @property
    def negative(self) -> bool:
        return bool(self.reasons)

    def as_dict(self) -> dict[str, Any]:
        return {"negative": self.negative, "compound": self.compound, "reasons": list(self.reasons)}


def _compiled(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)


class FeelingReader:
    """Reads whether a message's feeling is clearly negative (see the module's docstring).

    A message is negative when VADER scores it, or one of its parts, at or below
    `negative_at_most`; when a sarcasm marker matches; when a part that VADER does not score
    positive says the problem came back ("again", "still"); or when it speaks of waiting.
    """

    def __init__(
        self,
        negative_at_most: float,
        positive_at_least: float,
        part_breaks: str,
        sarcasm: Iterable[str] = (),
        trouble: Iterable[str] = (),
        waiting: Iterable[str] = (),
    ) -> None:
        self.negative_at_most = negative_at_most
        self.positive_at_least = positive_at_least
        self.part_breaks = re.compile(part_breaks, re.IGNORECASE)
        self.sarcasm = _compiled(sarcasm)
        self.trouble = _compiled(trouble)
        self.waiting = _compiled(waiting)
        self.vader = SentimentIntensityAnalyzer()

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> FeelingReader:
        return cls(
            negative_at_most=float(config["negative_at_most"]),
            positive_at_least=float(config["positive_at_least"]),
            part_breaks=str(config["part_breaks"]),
            sarcasm=config.get("sarcasm") or (),
            trouble=config.get("trouble") or (),
            waiting=config.get("waiting") or (),
        )

    def score(self, text: str) -> float:
        return float(self.vader.polarity_scores(text)["compound"])

    def parts(self, text: str) -> list[str]:
        return [part.strip() for part in self.part_breaks.split(text) if part and part.strip()]

    def read(self, text: str) -> Feeling:
        compound = self.score(text)
        reasons: list[str] = []
        if compound <= self.negative_at_most:
            reasons.append(f"negative ({compound:.2f})")
        for part in self.parts(text):
            part_score = self.score(part)
            if part_score <= self.negative_at_most and part != text.strip():
                reasons.append(f"negative part: {part!r} ({part_score:.2f})")
            if part_score < self.positive_at_least:
                reasons += [f"trouble: {m.group(0)!r}" for m in _matches(self.trouble, part)]
        reasons += [f"sarcasm: {m.group(0)!r}" for m in _matches(self.sarcasm, text)]
        reasons += [f"waiting: {m.group(0)!r}" for m in _matches(self.waiting, text)]
        return Feeling(compound, tuple(reasons))


def business_complaint_words() -> ComplaintWords | None:
    """The complaint words (its serious words) of the business the Rasa server's composition
    root holds; None (no serious-word check, logged) when the file or its say-yes section
    cannot be read, so the bot still answers."""
    shop = composition.server().business()
    if shop is None:
        logger.error("the business file's serious words could not be read")
        return None
    try:
        return shop.say_yes_rules().complaints
    except BusinessFileError as error:
        logger.error("the business file's serious words could not be read: %s", error)
        return None


def _matches(patterns: Iterable[re.Pattern[str]], text: str) -> list[re.Match[str]]:
    return [match for pattern in patterns if (match := pattern.search(text))]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FeelingCheck(GraphComponent):
    """Turns a cheerful intent into the complaint intent when the feeling is negative.

    Put it last in the pipeline (after the FallbackClassifier, so a message the classifier
    was unsure of still goes to the fallback ladder). Its config (config.yml) names the
    intents it watches, the complaint intent, VADER's thresholds and the markers.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intents": [],
            # Intents whose feeling is read and recorded but never changed.
            "read_only": [],
            "complaint_intent": "complain",
            "negative_at_most": -0.3,
            "positive_at_least": 0.05,
            "part_breaks": r"[.,;:!?\n]+",
            "sarcasm": [],
            "trouble": [],
            "waiting": [],
        }

    def __init__(self, config: dict[str, Any], serious: ComplaintWords | None = None) -> None:
        self.intents = frozenset(config["intents"])
        self.read_only = frozenset(config.get("read_only") or ())
        self.complaint_intent = str(config["complaint_intent"])
        self.reader = FeelingReader.from_config(config)
        self.serious = serious if serious is not None else business_complaint_words()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FeelingCheck:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self.check(message)
        return messages

    def check(self, message: Message) -> None:
        intent = message.get(INTENT) or {}
        name = intent.get("name")
        text = str(message.get(TEXT) or "")
        if name != self.complaint_intent and self.serious and self.serious.is_serious(text):
            # An injury, a crash, a lawyer: the complaint protocol and a person, whatever the
            # classifier read ("I crashed ... I've hurt my wrist" is not a bike enquiry).
            found = {**self.reader.read(text).as_dict(), "intent_was": name, "serious": True}
            message.set(FEELING, found, add_to_output=True)
            self.make_complaint(message, 1.0)
            return
        if name not in self.intents and name not in self.read_only:
            return
        feeling = self.reader.read(text)
        found = {**feeling.as_dict(), "intent_was": name}
        message.set(FEELING, found, add_to_output=True)
        if not feeling.negative or name in self.read_only:
            return
        self.make_complaint(message, intent.get("confidence", 1.0))

    def make_complaint(self, message: Message, confidence: float) -> None:
        complaint = {"name": self.complaint_intent, "confidence": confidence}
        message.set(INTENT, complaint, add_to_output=True)
        ranking = message.get(INTENT_RANKING_KEY) or []
        others = [entry for entry in ranking if entry.get("name") != self.complaint_intent]
        message.set(INTENT_RANKING_KEY, [complaint, *others], add_to_output=True)
