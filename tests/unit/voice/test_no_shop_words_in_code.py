"""No shop words in code: a shop replaces business.yml, data/ and domain.yml, never the Python.

Every product name, category, synonym and tag of each business file (the bike shop's and the
example café's, examples/cafe/business.yml) must be absent (whole words, any case) from the
Python of actions/, bot/, memory/ and voice/.
"""

from __future__ import annotations

import ast
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


# --- English word lists ------------------------------------------------------------------------
# A module-level constant that lists customers' English words (a set, a list, a split string
# or a regular expression's alternation of five or more plain words) belongs in business.yml's
# `vocabulary:`, where a shop (or a shop in another language) replaces it.
MIN_WORDS = 5
_WORD = re.compile(r"[a-z][a-z']*(?: [a-z][a-z']*)*")
_GROUP = re.compile(r"\(\?:([^()]*)\)")

# Names of the business file's own schema and of the code's states: not customers' words.
MACHINERY = {
    "actions/base.py:_CONTENT_KEYS",
    "memory/records.py:FEEDBACK_STATES",
    "memory/rules.py:STAGES",
    "memory/rules.py:COUNTED",
    "voice/business.py:WEEKDAYS",
    "voice/business.py:REQUIRED_TOP_LEVEL",
    "voice/business.py:CHOOSING_WAYS",
    "voice/other_language.py:LANGUAGES",
    "voice/say_yes.py:STAGES",
    "voice/tone.py:KINDS",
}
# Word lists still in the code, to move to the vocabulary in turn. The list only shrinks: a new
# word list in the code fails this test.
STILL_TO_MOVE = {
    "actions/exits.py:_PLAIN_NO",
    "actions/fallback.py:_REFERENCE_ALONE",
    "actions/forms.py:SAME_BIKE_WORDS",
    "actions/forms.py:BOUGHT_WORDS",
    "actions/forms.py:VAGUE_BIKE_WORDS",
    "actions/forms.py:_RETURN_ITEM",
    "actions/forms.py:_BOUGHT_ITEM",
    "actions/forms.py:_RETURN_REASON",
    "actions/forms.py:RETURN_SAID",
    "actions/forms.py:_MAY_NOT_A_MONTH",
    "actions/forms.py:_ASIDE_WORDS",
    "actions/forms.py:_NOT_A_BIKE",
    "actions/forms.py:_REFUSAL_START",
    "actions/forms.py:_OWN_START",
    "actions/forms.py:_NOT_AN_ITEM_START",
    "actions/forms.py:_LEADING_ASIDES",
    "actions/handoff.py:NAMES_A_PERSON",
    "actions/session.py:DANGLING_WORDS",
    "actions/session.py:FEELINGS",
    "actions/shop.py:REWARD_FILLER",
    "actions/two_things.py:_JOIN",
    "bot/review/masking.py:PATTERNS",
    "memory/corrections.py:TRAILING",
    "memory/facts.py:OWNING_VERBS",
    "memory/facts.py:NOT_WHICH_BIKE",
    "memory/facts.py:ASPIRING_VERBS",
    "memory/facts.py:ASPIRING_NOUNS",
    "memory/facts.py:TRANSACTIONAL_VERBS",
    "memory/facts.py:FORGETTING_VERBS",
    "memory/facts.py:WHEN",
    "memory/facts.py:NOT_A_NAME",
    "memory/facts.py:_LEADING",
    "voice/asked.py:ASKING_VERBS",
    "voice/asked.py:NAMES_NOTHING",
    "voice/business.py:_GENERIC",
    "voice/dates.py:_PART_OF_DAY",
    "voice/echo.py:VAGUE_WORDS",
    "voice/echo.py:DANGLING",
    "voice/echo.py:SIGN_OFF",
    "voice/items.py:NOT_DISTINGUISHING",
}


def _text_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text_of(node.left), _text_of(node.right)
        return left + right if left is not None and right is not None else None
    return None


def _plain_words(words: list[str | None]) -> bool:
    return len(words) >= MIN_WORDS and all(
        word is not None and _WORD.fullmatch(word.replace("\\s+", " ")) for word in words
    )


def lists_words(value: ast.AST) -> bool:
    """Whether an expression lists English words (see MIN_WORDS)."""
    for node in ast.walk(value):
        if isinstance(node, (ast.Set, ast.List, ast.Tuple)):
            if _plain_words([_text_of(element) for element in node.elts]):
                return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "split":
                text = _text_of(node.func.value)
                if text is not None and _plain_words(list(text.split())):
                    return True
            if node.func.attr == "compile" and node.args:
                pattern = _text_of(node.args[0]) or ""
                if any(_plain_words(list(g.split("|"))) for g in _GROUP.findall(pattern)):
                    return True
    return False


def word_lists(files: list[Path]) -> set[str]:
    """`path:NAME` of every module-level constant that lists English words."""
    found = set()
    for path in files:
        for statement in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(statement, ast.Assign):
                targets, value = statement.targets, statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                targets, value = [statement.target], statement.value
            else:
                continue
            names = [target.id for target in targets if isinstance(target, ast.Name)]
            if names and lists_words(value):
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                found.add(f"{where}:{names[0]}")
    return found


def test_the_check_finds_an_english_word_list(tmp_path: Path) -> None:
    code = tmp_path / "module.py"
    code.write_text(
        'import re\nOPENERS = frozenset("ok so well um er".split())\n'
        'PRONOUNS = frozenset({"it", "that", "this", "they", "them"})\n'
        'START = re.compile(r"^(?:what|when|where|who|why)\\b")\n'
        'FEW = ("yes", "no")\nNOT_WORDS = re.compile(r"(?:\\d+|[a-z]+)")\n',
        encoding="utf-8",
    )
    assert word_lists([code]) == {"module.py:OPENERS", "module.py:PRONOUNS", "module.py:START"}


def test_no_new_english_word_list_is_in_the_code() -> None:
    files = sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))
    found = word_lists(files)
    assert sorted(found - MACHINERY - STILL_TO_MOVE) == []
    # A list moved to the business file comes off STILL_TO_MOVE.
    assert sorted(STILL_TO_MOVE - found) == []
