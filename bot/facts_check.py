"""`python -m bot facts-check [FILE]`: how right the relationship memory's fact extraction is.

Runs the extractor the event broker uses on every customer message (spaCy's parse, with the
business file's words) over a YAML file of sentences and the facts each states, and prints,
per kind and overall, precision, recall and the count of WRONG facts: a fact kept that the
sentence does not state, or with another value. Remembering wrongly is worse than forgetting,
so the wrong count is the figure to watch. A value matches an expected one when, both
lower-cased, without a leading my/a/an/the and without punctuation, one contains the other
("old Raleigh" matches "an old Raleigh"; a size's key is not compared), or when they are the
same without spaces ("54 cm" and "54cm"). A riding style is kept under the shop's name for it
(business.yml `vocabulary.riding`): an expected style written in the customer's words ("cycle
to work", "crits") matches the name those words map to ("commuting", "racing").

The file (tests/memory/facts_held_out.yml when it exists, else tests/memory/facts_dev.yml):

    sentences:
      - text: "hiya, Dave here - got a Boardman hybrid that's making a clicking noise"
        facts: {name: "Dave", bike: "Boardman hybrid"}
      - text: "thx"
        facts: {}
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.settings import ROOT, Settings

KINDS = ("name", "bike", "riding_style", "favourite_product", "size", "aspiration")
DEV_FILE = ROOT / "tests" / "memory" / "facts_dev.yml"
HELD_OUT_FILE = ROOT / "tests" / "memory" / "facts_held_out.yml"
WORST_SHOWN = 15
_LEADING = re.compile(r"^(?:(?:my|a|an|the)\s+)+")


class FactsFileError(ValueError):
    """The sentences file cannot be read; the message says why."""


@dataclass(frozen=True)
class Sentence:
    text: str
    facts: tuple[tuple[str, str], ...]  # (kind, value) expected


@dataclass
class Tally:
    kept_right: int = 0
    wrong: int = 0
    missed: int = 0

    @property
    def precision(self) -> float:
        kept = self.kept_right + self.wrong
        return self.kept_right / kept if kept else 1.0

    @property
    def recall(self) -> float:
        expected = self.kept_right + self.missed
        return self.kept_right / expected if expected else 1.0


@dataclass
class Miss:
    text: str
    wrong: list[tuple[str, str]]
    missed: list[tuple[str, str]]


@dataclass
class Score:
    sentences: int = 0
    by_kind: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in KINDS})
    misses: list[Miss] = field(default_factory=list)

    @property
    def overall(self) -> Tally:
        return Tally(
            kept_right=sum(t.kept_right for t in self.by_kind.values()),
            wrong=sum(t.wrong for t in self.by_kind.values()),
            missed=sum(t.missed for t in self.by_kind.values()),
        )

    def worst(self, count: int = WORST_SHOWN) -> list[Miss]:
        """The sentences it got most wrong: wrong facts kept first, then facts missed."""
        return sorted(self.misses, key=lambda m: (-len(m.wrong), -len(m.missed), m.text))[:count]


def normalised(value: str) -> str:
    words = " ".join(re.findall(r"[\w'-]+", str(value).lower().replace("\u2019", "'")))
    return _LEADING.sub("", words).strip("'- ")


def matches(kept: str, expected: str) -> bool:
    """One value contains the other, once normalised (see the module's docstring)."""
    a, b = normalised(kept), normalised(expected)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    a, b = a.replace(" ", ""), b.replace(" ", "")
    return a in b or b in a


def _word_forms(word: str) -> list[str]:
    """A word and its plainer forms ("crits" -> "crit", "biker" -> "bike"), for looking a
    customer's word up in the shop's riding words."""
    forms = [word, word.rstrip("s")]
    for ending in ("ing", "er", "ers", "ed", "e"):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            forms += [word[: -len(ending)], word[: -len(ending)] + "e"]
    return forms


def style_namer(riding: Sequence[Mapping[str, str]]) -> Callable[[str], str | None]:
    """The shop's name for the riding style a customer's phrase names, by its words."""

    def name(phrase: str) -> str | None:
        for word in normalised(phrase).split():
            for form in _word_forms(word):
                for words in riding:
                    if form in words:
                        return words[form]
        return None

    return name


def load_sentences(path: Path) -> list[Sentence]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise FactsFileError(f"{path}: cannot be read ({error})") from None
    items = data.get("sentences") if isinstance(data, Mapping) else None
    if not isinstance(items, list) or not items:
        raise FactsFileError(f"{path}: needs a list `sentences:` of {{text, facts}}")
    sentences = []
    for index, item in enumerate(items):
        where = f"{path}: sentences[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("text"), str):
            raise FactsFileError(f"{where} needs a `text`")
        facts = item.get("facts") or {}
        if not isinstance(facts, Mapping):
            raise FactsFileError(f"{where}.facts must be a mapping of kind to value")
        expected = []
        for kind, value in facts.items():
            if kind not in KINDS:
                raise FactsFileError(f"{where}.facts: {kind!r} is not one of {', '.join(KINDS)}")
            for one in value if isinstance(value, list) else [value]:
                expected.append((str(kind), str(one)))
        sentences.append(Sentence(item["text"], tuple(expected)))
    return sentences


def score(
    sentences: Iterable[Sentence],
    extract: Callable[[str], Sequence[Any]],
    style_name: Callable[[str], str | None] = lambda phrase: None,
) -> Score:
    """Each sentence's kept facts (`extract(text)`: objects with `kind` and `value`) against
    its expected ones; `style_name` gives the shop's name of a riding style said in other words."""

    def same(kind: str, kept: str, expected: str) -> bool:
        if matches(kept, expected):
            return True
        named = style_name(expected) if kind == "riding_style" else None
        return named is not None and matches(kept, named)

    result = Score()
    for sentence in sentences:
        result.sentences += 1
        kept = [(str(f.kind), str(f.value)) for f in extract(sentence.text)]
        open_expected = list(sentence.facts)
        wrong = []
        for kind, value in kept:
            if kind not in result.by_kind:
                continue
            hit = next((e for e in open_expected if e[0] == kind and same(kind, value, e[1])), None)
            if hit is None:
                # The same fact found twice is one fact, not a wrong one.
                if any(k == kind and same(kind, value, v) for k, v in sentence.facts):
                    continue
                result.by_kind[kind].wrong += 1
                wrong.append((kind, value))
            else:
                open_expected.remove(hit)
                result.by_kind[kind].kept_right += 1
        for kind, _value in open_expected:
            result.by_kind[kind].missed += 1
        if wrong or open_expected:
            result.misses.append(Miss(sentence.text, wrong, open_expected))
    return result


def report(result: Score, source: Path) -> str:
    lines = [
        f"facts-check: {result.sentences} sentences of {source}",
        f"{'kind':<18} {'precision':>9} {'recall':>7} {'right':>6} {'WRONG':>6} {'missed':>7}",
    ]
    rows = [*result.by_kind.items(), ("overall", result.overall)]
    for kind, tally in rows:
        lines.append(
            f"{kind:<18} {tally.precision:>9.2f} {tally.recall:>7.2f} {tally.kept_right:>6}"
            f" {tally.wrong:>6} {tally.missed:>7}"
        )
    worst = result.worst()
    if worst:
        lines.append("worst examples (WRONG facts kept, then facts missed):")
    for miss in worst:
        said = "; ".join(
            [f"WRONG {k}={v!r}" for k, v in miss.wrong]
            + [f"missed {k}={v!r}" for k, v in miss.missed]
        )
        lines.append(f"  {miss.text!r}: {said}")
    return "\n".join(lines)


def default_file() -> Path:
    return HELD_OUT_FILE if HELD_OUT_FILE.exists() else DEV_FILE


def command_facts_check(settings: Settings, args: argparse.Namespace) -> None:
    from bot import composition
    from bot.cli import CommandFailed

    path = Path(args.file) if args.file else default_file()
    try:
        sentences = load_sentences(path)
    except FactsFileError as error:
        raise CommandFailed(str(error)) from None
    services = composition.compose(settings)
    extractor = services.fact_extractor()
    words = services.fact_words()
    riding = [words.styles, words.style_verbs, words.style_places, words.style_people]
    print(report(score(sentences, extractor.extract, style_namer(riding)), path), flush=True)


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "facts-check",
        help="Score the memory's fact extraction on sentences with their expected facts: "
        "precision, recall and WRONG facts kept per kind (default: "
        "tests/memory/facts_held_out.yml, else tests/memory/facts_dev.yml).",
    )
    parser.add_argument("file", nargs="?", help="a YAML file of sentences and expected facts")
    parser.set_defaults(handler=command_facts_check)
