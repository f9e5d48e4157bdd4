"""NLU components of ours that Rasa's `config.yml` names.

`SpacyNLP` replaces Rasa's component of the same name so that the English pipeline is loaded
through `voice.language` (the pipeline package can't be loaded by name). It keeps the class
name because Rasa's spaCy tokenizer, featurizer and entity extractor find their model
provider by that name.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils import spacy_utils
from rasa.nlu.utils.spacy_utils import SpacyModel

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
