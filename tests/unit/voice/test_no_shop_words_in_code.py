"""No shop words in code: a shop replaces business.yml, data/ and domain.yml, never the Python.

Every product name, category, synonym and tag of each business file (the bike shop's and the
example café's, examples/cafe/business.yml) must be absent (whole words, any case) from the
Python of actions/, bot/, memory/ and voice/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voice.business import Business, load

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("actions", "bot", "memory", "voice")


def shop_words(shop: Business) -> set[str]:
    words: set[str] = set()
    for product in shop.products:
        words |= {product.name, product.category, *product.synonyms, *product.tags}
    for service in (*shop.repairs, *shop.clinics, *shop.events):
        words |= {service.name, *service.synonyms, *service.tags}
    return {word.strip().lower() for word in words if word.strip()}


def occurrences(words: set[str], files: list[Path]) -> list[str]:
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8").lower()
        for word in sorted(words):
            pattern = rf"(?<![\w-]){re.escape(word)}(?![\w-])"
            for match in re.finditer(pattern, text):
                line = text.count("\n", 0, match.start()) + 1
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                found.append(f"{where}:{line}: {word!r}")
    return found


def test_the_check_finds_a_shop_word(tmp_path: Path) -> None:
    code = tmp_path / "module.py"
    code.write_text('KINDS = ["Brooks saddle", "u-lock"]\nNOT = "underseat"\n', encoding="utf-8")
    found = occurrences({"brooks saddle", "u-lock", "seat"}, [code])
    assert [line.rsplit(": ", 1)[1] for line in found] == ["'brooks saddle'", "'u-lock'"]


@pytest.mark.parametrize(
    ("business_file", "a_word"),
    [("business.yml", "brooks saddle"), ("examples/cafe/business.yml", "sourdough loaf")],
)
def test_no_shop_word_of_a_business_file_is_in_the_code(business_file: str, a_word: str) -> None:
    words = shop_words(load(ROOT / business_file))
    assert a_word in words  # the check reads the catalogue
    files = sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))
    assert occurrences(words, files) == []
