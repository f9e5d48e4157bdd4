"""Whether a message the bot did not understand is written in another language than English.

The chat is in English; a customer writing in Spanish or French is told so (with the shop's
phone and email) rather than shown the English menu. Cheap and conservative, with what is
installed: spaCy's own stop-word lists of the common European languages (shipped in the spaCy
package, nothing downloaded) less the words the English pipeline knows ("die", "want", "son"
are English too), the letters with accents those languages write and the Spanish opening
marks. Only messages the classifier missed are read, so a false alarm can only replace a "say
it another way".
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache

from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH

from voice import language

# spaCy's language codes whose stop words are read.
LANGUAGES = ("es", "fr", "de", "it", "pt", "nl")
# Words written with these letters are not English ("café" aside: one such word is not enough).
ACCENTED = re.compile(r"[áéíóúñàèìòùâêîôûçäöüßãõœ]")
OPENING_MARKS = re.compile(r"[¿¡]")
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# How many words must be another language's, and what share of the message's words at least.
MIN_WORDS = 2
MIN_SHARE = 0.3


@lru_cache(maxsize=1)
def foreign_stop_words() -> frozenset[str]:
    """The stop words of the other languages that are not English words too (the English
    pipeline's vocabulary: the pipeline the tone guard loads already)."""
    english = language.load().vocab.strings
    words: set[str] = set()
    for code in LANGUAGES:
        words |= importlib.import_module(f"spacy.lang.{code}.stop_words").STOP_WORDS
    return frozenset(
        word for word in words if word not in ENGLISH and word not in english and len(word) > 2
    )


def looks_foreign(text: str | None) -> bool:
    """Whether `text` reads as written in another language (see the module's docstring)."""
    lowered = (text or "").lower()
    if OPENING_MARKS.search(lowered):
        return True
    words = WORD.findall(lowered)
    if not words:
        return False
    stop_words = foreign_stop_words()
    foreign = [word for word in words if word in stop_words or ACCENTED.search(word)]
    return len(foreign) >= MIN_WORDS and len(foreign) / len(words) >= MIN_SHARE
