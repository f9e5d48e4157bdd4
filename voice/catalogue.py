"""The catalogue search: what a customer named, resolved to the shop's item, or to nothing.

Every product, repair, clinic and ride of the business file, and the shop facts of its
`vocabulary.facts`, is found by what customers call it: its name and `synonyms` (the same item),
its `category` and `tags` (the kind of thing it is), and the words of its description. Matching is
fuzzy (rapidfuzz's edit distance, so "acme roadstr" and "acme roadster5" are understood) but strict
about which item: every word of a name must be there for "the same item", so a customer's "Acme
Roadster 7" is not the catalogue's "Acme Roadster 5", and numbers must agree exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapidfuzz.distance import Levenshtein

if TYPE_CHECKING:
    from voice.business import Business, Product

# How good a match must be (0-100) to count. Words shorter than SHORT letters must be exact;
# longer ones may have one typo, and words of LONG letters or more two.
THRESHOLD = 85.0
SHORT = 5
LONG = 9
# A kind of thing (a tag or category) names an item only when no more items than this share it;
# otherwise it names a kind the customer can choose from (`of_kind`).
MAX_SHARED = 1
# How much a way of naming counts: the item's own names, the kind of thing, its description.
NAME_WEIGHT = 1.0
TAG_WEIGHT = 0.95
DESCRIPTION_WEIGHT = 0.9
_DIGITS = re.compile(r"\d+")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")


def words_of(text: str) -> list[str]:
    """Lower-case words, hyphens and apostrophes joined ("X-Ray" -> "xray"), letters and digits
    apart ("x5" -> "x 5"), a plural's last "s" dropped ("pumps" -> "pump")."""
    text = text.lower().replace("\u2019", "'").replace("'", "").replace("-", "")
    text = _LETTER_DIGIT.sub(" ", re.sub(r"[^a-z0-9]+", " ", text))
    return [_singular(word) for word in text.split()]


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss") and word.isalpha():
        return word[:-1]
    return word


def similarity(said: str, known: str) -> float:
    """How alike two words or run-together phrases are (0-100), allowing a typo or two in long
    ones; numbers must be the same."""
    if said == known:
        return 100.0
    if _DIGITS.findall(said) != _DIGITS.findall(known):
        return 0.0
    longest = max(len(said), len(known))
    allowed = 0 if longest < SHORT else 1 if longest < LONG else 2
    distance = Levenshtein.distance(said, known, score_cutoff=allowed)
    if distance > allowed:
        return 0.0
    return 100.0 * (1 - distance / longest)


@dataclass(frozen=True)
class Item:
    """Something the shop has or does, with every way a customer may name it."""

    kind: str  # product, repair, clinic, event or fact
    name: str
    names: tuple[str, ...]  # the name and its synonyms: this very item
    tags: tuple[str, ...]  # the kind of thing it is: category and tags
    description: str = ""
    intent: str = ""  # what a yes to "are you asking about ...?" asks for (facts)
    target: Any = None  # the business file's own record

    def vocabulary(self, function_words: frozenset[str] = frozenset()) -> set[str]:
        """The words that tell this item from another (`function_words` never do)."""
        found: set[str] = set()
        for text in (*self.names, *self.tags, self.description):
            found.update(words_of(text))
        return found - function_words


@dataclass(frozen=True)
class Match:
    item: Item
    score: float
    how: str  # name, tag or description
    said: str  # the customer's words that matched


def phrase_at(said: list[str], phrase: list[str], whole: bool) -> tuple[float, int, int] | None:
    """The best place in `said` where `phrase` is written (its words run together or apart),
    as (score, start, end); with `whole`, the phrase must account for all of `said`."""
    if not phrase or not said:
        return None
    known = "".join(phrase)
    best: tuple[float, int, int] | None = None
    starts = [0] if whole else range(len(said))
    for start in starts:
        ends = (
            [len(said)] if whole else range(start + 1, min(len(said), start + len(phrase) + 1) + 1)
        )
        for end in ends:
            score = similarity("".join(said[start:end]), known)
            if score >= THRESHOLD and (best is None or score > best[0]):
                best = (score, start, end)
    return best


def kind_words(shop: Business, product: Product) -> tuple[str, ...]:
    """A bike's kind as customers write it, from the vocabulary's bike_kinds (a kind names
    the bike only when at most MAX_SHARED bikes are of that kind)."""
    kind = shop.vocabulary.bike_kind(product.bike_type)
    if kind is None:
        return (product.bike_type,) if product.bike_type else ()
    return kind.spellings


class Catalogue:
    """The searchable catalogue of one business file."""

    def __init__(self, items: list[Item], function_words: frozenset[str] = frozenset()) -> None:
        self.items = items
        # Words that never tell one item from another ("do you have the ..."): the business
        # file's `vocabulary.function_words`.
        self.function_words = function_words
        self._shared = self._count_tags(items)
        self._vocabularies = {id(item): item.vocabulary(function_words) for item in items}

    @staticmethod
    def _count_tags(items: list[Item]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in items:
            for tag in {" ".join(words_of(tag)) for tag in item.tags}:
                counts[tag] = counts.get(tag, 0) + 1
        return counts

    @classmethod
    def of(cls, shop: Business) -> Catalogue:
        """The catalogue of a business file, built once per loaded file (and held by it)."""
        return shop.catalogue

    @classmethod
    def build(cls, shop: Business) -> Catalogue:
        items: list[Item] = []
        for product in sorted(shop.products, key=lambda p: not p.in_stock):
            items.append(
                Item(
                    "product",
                    product.name,
                    (product.name, *product.synonyms),
                    (product.category, *product.tags, *kind_words(shop, product)),
                    product.description,
                    target=product,
                )
            )
        for repair in shop.repairs:
            items.append(
                Item(
                    "repair",
                    repair.name,
                    (repair.name, *repair.synonyms),
                    repair.tags,
                    repair.description,
                    intent="book_repair",
                    target=repair,
                )
            )
        for clinic in shop.clinics:
            items.append(
                Item(
                    "clinic",
                    clinic.name,
                    (clinic.name, *clinic.synonyms),
                    clinic.tags,
                    intent="community_events",
                    target=clinic,
                )
            )
        for event in shop.events:
            items.append(
                Item(
                    "event",
                    event.name,
                    (event.name, *event.synonyms),
                    event.tags,
                    event.description,
                    intent="community_events",
                    target=event,
                )
            )
        for fact in shop.vocabulary.facts:
            items.append(Item("fact", fact.name, (fact.name,), fact.words, intent=fact.intent))
        return cls(items, frozenset(shop.vocabulary.function_words))

    def _tag_names_it(self, tag: str) -> bool:
        return self._shared.get(" ".join(words_of(tag)), 0) <= MAX_SHARED

    def _phrases(self, item: Item) -> list[tuple[str, str, float]]:
        found = [(name, "name", NAME_WEIGHT) for name in item.names]
        found += [(tag, "tag", TAG_WEIGHT) for tag in item.tags if self._tag_names_it(tag)]
        return found

    def _best(self, matches: list[Match]) -> list[Match]:
        # The best first; among equals, the longer words said (more specific), then the
        # catalogue's order (in stock first).
        order = {id(item): index for index, item in enumerate(self.items)}
        return sorted(matches, key=lambda m: (-m.score, -len(m.said), order[id(m.item)]))

    def resolve(self, named: str | None, kinds: tuple[str, ...] = ()) -> list[Match]:
        """The items that words naming one thing ("acme roadster5", "a red pump") are, best
        first: every word the customer said must belong to the item."""
        said = [word for word in words_of(named or "") if word not in self.function_words]
        if not said:
            return []
        candidates = [item for item in self.items if not kinds or item.kind in kinds]
        found: list[Match] = []
        for item in candidates:
            best: Match | None = None
            for phrase, how, weight in self._phrases(item):
                place = phrase_at(said, words_of(phrase), whole=True)
                if place is not None and (best is None or place[0] * weight > best.score):
                    best = Match(item, place[0] * weight, how, " ".join(said))
            if best is not None:
                found.append(best)
        if found:
            return self._best(found)
        # Described instead of named: every word is one of a single item's words.
        for item in candidates:
            vocabulary = self._vocabularies[id(item)]
            scores = [max((similarity(w, v) for v in vocabulary), default=0.0) for w in said]
            if all(score >= THRESHOLD for score in scores) and any(len(w) >= 4 for w in said):
                mean = sum(scores) / len(scores)
                found.append(Match(item, mean * DESCRIPTION_WEIGHT, "description", " ".join(said)))
        best_score = max((match.score for match in found), default=0.0)
        top = [match for match in found if match.score == best_score]
        return self._best(found) if len(top) == 1 else []

    def mentioned(self, text: str | None, kinds: tuple[str, ...] = ()) -> list[Match]:
        """The items a whole message names somewhere in it ("is the acme pump any good?"), best
        first; never an item from a word that many items share ("bike")."""
        said = words_of(text or "")
        found: list[Match] = []
        for item in self.items:
            if kinds and item.kind not in kinds:
                continue
            best: Match | None = None
            for phrase, how, weight in self._phrases(item):
                known = [word for word in words_of(phrase)]
                if not [word for word in known if word not in self.function_words]:
                    continue
                place = phrase_at(said, known, whole=False)
                if place is None:
                    continue
                score, start, end = place
                if end < len(said) and said[end].isdigit():
                    continue  # "roadster 7" is another model than the "roadster" we have
                if best is None or (score * weight, end - start) > (best.score, len(best.said)):
                    best = Match(item, score * weight, how, " ".join(said[start:end]))
            if best is not None:
                found.append(best)
        return self._best(found)

    def common(self, word: str) -> bool:
        """Whether a word is one many items share ("bike"): it tells no item, and no kind of
        thing the shop lacks, from another."""
        singular = _singular(word.lower())
        return sum(singular in vocabulary for vocabulary in self._vocabularies.values()) > 1

    def of_kind(self, named: str | None) -> list[Product]:
        """The products a kind of thing names ("pumps" when the shop has two), in stock first."""
        said = [word for word in words_of(named or "") if word not in self.function_words]
        found = []
        for item in self.items:
            if item.kind == "product" and any(
                phrase_at(said, words_of(tag), whole=True) for tag in item.tags
            ):
                found.append(item.target)
        return found

    def named_product(self, named: str | None) -> Product | None:
        """The product the words are the name (or a synonym) of; never one of a kind ("my gravel
        bike" is the customer's own bike, not the one the shop sells)."""
        matches = [m for m in self.resolve(named, kinds=("product",)) if m.how == "name"]
        return matches[0].item.target if matches else None

    def product(self, named: str | None) -> Product | None:
        """The product the customer named, or None when the shop has nothing that is it."""
        matches = self.resolve(named, kinds=("product",))
        return matches[0].item.target if matches else None
