"""NLU components of ours that Rasa's `config.yml` names.

`SpacyNLP` replaces Rasa's component of the same name so that the English pipeline is loaded
through `voice.language` (the pipeline package can't be loaded by name). It keeps the class
name because Rasa's spaCy tokenizer, featurizer and entity extractor find their model
provider by that name.

`RequestChooser` answers the request when a message holds two things (`bot.two_intents`).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.utils import spacy_utils
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot import two_intents
from voice import language


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="SpacyNLP",
)
class SpacyNLP(spacy_utils.SpacyNLP):
    """Rasa's SpacyNLP, loading the English pipeline through our loader."""

    @staticmethod
    def get_default_config() -> dict:
        return {**spacy_utils.SpacyNLP.get_default_config(), "model": language.MODEL_NAME}

    @staticmethod
    def load_model(spacy_model_name: str) -> SpacyModel:
        return SpacyModel(
            model=language.load(exclude=("parser",)), model_name=spacy_model_name or "en"
        )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RequestChooser(GraphComponent, IntentClassifier):
    """Puts first the intent the bot should answer when a message holds two things.

    It follows the FallbackClassifier, so a message the classifier did not understand still
    falls back, and applies `bot.two_intents.choose` (its rules and thresholds are this
    component's configuration in `config.yml`).
    """

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "person": "request_human",
            "pleasantries": [],
            "not_requests": [],
            "person_yields_to": [],
            "min_person": 0.5,
            "min_request": 0.5,
            "min_person_unsure": 0.0,
            "split_symbol": "+",
            "min_request_for": {},
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self.rules = two_intents.ChoiceRules.from_config(config)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RequestChooser:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            parse = {
                "intent": message.data.get(INTENT),
                "intent_ranking": message.data.get(INTENT_RANKING_KEY),
            }
            if not parse["intent"]:
                continue
            chosen = two_intents.choose(parse, self.rules)
            message.data[INTENT] = chosen["intent"]
            message.data[INTENT_RANKING_KEY] = chosen["intent_ranking"]
        return messages
