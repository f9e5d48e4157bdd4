"""The stop check: a message that is only a clear stop or refusal ("stop", "I don't want a
repair", "forget it") is read as the deny intent, whatever the classifier read.

Deny ends any form politely with a next step (the "stop ..." rules of data/rules/), and a
customer who says "stop" must never be asked the form's question again. The classifier learns
words, and a bare "stop" or an angry "i dont want a repair!!" is far from its deny examples, so
it read them as unsure or as another request and the form asked on. `StopCheck` runs after the
fallback classifier; it changes a message only when the whole message matches one of its
patterns, which are language, not machinery, and come from its entry in config.yml.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

# The message key that tells that the check changed the intent (kept in the parse data).
STOPPED = "stop_check"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class StopCheck(GraphComponent):
    """Turns a message that is only a stop or a refusal into the stop intent."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"stop_intent": "deny", "keep": [], "stops": []}

    def __init__(self, config: dict[str, Any]) -> None:
        self.stop_intent = str(config["stop_intent"])
        # Intents left as they are (a request for a person wins over a stop).
        self.keep = frozenset(config.get("keep") or ())
        self.stops = tuple(
            re.compile(rf"^\s*(?:{pattern})\s*[.!]*\s*$", re.IGNORECASE)
            for pattern in config.get("stops") or ()
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> StopCheck:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self.check(message)
        return messages

    def is_stop(self, text: str) -> bool:
        return any(pattern.match(text) for pattern in self.stops)

    def check(self, message: Message) -> None:
        intent = message.get(INTENT) or {}
        name = intent.get("name")
        if name == self.stop_intent or name in self.keep:
            return
        if not self.is_stop(str(message.get(TEXT) or "")):
            return
        message.set(STOPPED, {"intent_was": name}, add_to_output=True)
        stop = {"name": self.stop_intent, "confidence": 1.0}
        message.set(INTENT, stop, add_to_output=True)
        ranking = message.get(INTENT_RANKING_KEY) or []
        others = [entry for entry in ranking if entry.get("name") != self.stop_intent]
        message.set(INTENT_RANKING_KEY, [stop, *others], add_to_output=True)
