"""The review inbox: trainers label what customers said that the bot missed (docs/training.md).

`build` makes the inbox from the settings; the console's trainer page (bot/console/trainer.py)
and `python -m bot review` (bot/review/commands.py) are its two entry points.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.review.inbox import ReviewInbox
    from bot.settings import Settings
    from voice.business import Business


def shop_words(shop: Business | None) -> list[str]:
    """The shop's product names and synonyms: never masked as a person's name."""
    if shop is None:
        return []
    words: list[str] = []
    for product in shop.products:
        words += [product.name, *product.synonyms, *product.name.split()]
    return words


def build(config: Settings, engine: Any = None, shop: Business | None = None) -> ReviewInbox:
    """The inbox over the memory database, writing into the settings' review folder; the
    business file read here when the caller has none (a command of its own)."""
    from bot.review.inbox import ReviewInbox
    from bot.review.masking import Masker, spacy_pipeline
    from bot.review.training_files import TrainingData
    from memory.db import make_engine

    return ReviewInbox(
        engine if engine is not None else make_engine(config.database_url),
        TrainingData(config.review_dir, held_out=[config.content_dir / "tests" / "nlu"]),
        Masker(keep=shop_words(shop or _read(config)), language=spacy_pipeline),
        confidence=config.review_confidence_percent / 100,
        days=config.review_days,
    )


def _read(config: Settings) -> Business | None:
    from voice import business

    try:
        return business.load(config.business_file)
    except business.BusinessFileError:
        return None
