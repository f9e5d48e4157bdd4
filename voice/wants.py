"""What a customer wants from a recommendation: a kind of bike or a purpose, and a budget.

"something cheap", "one for my 5-year-old under £500", "the best you've got", "a couple of
hundred quid": the words come from the business file's `vocabulary` (bike kinds, purposes,
budget and currency words), so this module holds no shop words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from voice.business import Business, Product
from voice.catalogue import phrase_at, words_of

_NUMBER = r"(\d[\d,]*(?:\.\d{1,2})?)"


@dataclass(frozen=True)
class Wants:
    """A recommendation request: what for, and how much the customer means to spend."""

    interest: str | None = None  # a bike kind's or a purpose's name
    at_most: float | None = None
    cheap: bool = False
    best: bool = False

    @property
    def has_budget(self) -> bool:
        return self.at_most is not None or self.cheap or self.best


def _said(text_words: list[str], phrases: Iterable[str]) -> tuple[int, int] | None:
    """Where one of `phrases` is written in the words (start, end), the earliest first."""
    found = []
    for phrase in phrases:
        place = phrase_at(text_words, words_of(phrase), whole=False)
        if place is not None:
            found.append((place[1], place[2]))
    return min(found) if found else None


def _alternation(words: Iterable[str]) -> str:
    ordered = sorted({word.lower() for word in words if word}, key=len, reverse=True)
    return "|".join(re.escape(word) for word in ordered) or r"(?!x)x"


def _a_stated_budget(shop: Business, lowered: str, start: int, end: int) -> bool:
    """Whether a bare number is a budget all the same: straight after a word of the business
    file's `vocabulary.budget.stated` ("around 1200", "max 800 for a commuter", "my budget is
    650", "price range 500"), and not followed by a word that makes it something else
    (`vocabulary.budget.not_money`: "about 20 mins", "under 10 miles")."""
    budget = shop.vocabulary.budget
    before = lowered[:start].rstrip()
    if not re.search(rf"\b(?:{_alternation(budget.stated)})$", before):
        return False
    if lowered[start:end].strip().startswith("0"):
        return False
    after = words_of(lowered[end:].lstrip(" -"))
    units = {word for phrase in budget.not_money for word in words_of(phrase)}
    return not (after and after[0] in units)


def amounts(shop: Business, text: str | None) -> list[tuple[float, int, int]]:
    """The sums of money a message names, as (amount, start, end) in its text: "£500",
    "500 quid", "1.5k", "2 grand", "a couple of hundred", and a bare number straight after a
    budget word ("around 1200", "budget 800"): the one reader of budgets."""
    vocabulary = shop.vocabulary
    lowered = (text or "").lower().replace("\u2019", "'")
    symbols = _alternation([shop.shop.currency_symbol, *vocabulary.currency_symbols])
    multipliers = _alternation(vocabulary.budget.multipliers)
    money_words = _alternation(vocabulary.currency_words)
    pattern = re.compile(
        rf"(?:(?P<symbol>{symbols})\s?{_NUMBER}|{_NUMBER})"
        rf"(?:\s?(?P<times>{multipliers})\b)?(?:\s?(?P<word>{money_words})\b)?"
    )
    found = []
    for match in pattern.finditer(lowered):
        figure = match.group(2) or match.group(3)
        if not (match.group("symbol") or match.group("times") or match.group("word")):
            if not _a_stated_budget(shop, lowered, match.start(), match.end()):
                continue  # a bare number ("my 5-year-old") is not money
        amount = float(figure.replace(",", ""))
        if match.group("times"):
            amount *= vocabulary.budget.multipliers[match.group("times")]
        found.append((amount, match.start(), match.end()))
    for phrase, amount in vocabulary.budget.amounts.items():
        for match in re.finditer(rf"\b{re.escape(phrase)}\b", lowered):
            if not any(start <= match.start() < end for _, start, end in found):
                found.append((amount, match.start(), match.end()))
    return sorted(found, key=lambda item: item[1])


def read_wants(shop: Business, text: str | None, interest: str | None = None) -> Wants:
    """The kind of bike or purpose (`interest` when already known) and the budget a message
    states."""
    said = words_of(text or "")
    vocabulary = shop.vocabulary
    if interest is None:
        terms = [*vocabulary.bike_kinds, *vocabulary.purposes]
        places = [(_said(said, term.spellings), term.name) for term in terms]
        named = sorted((place, name) for place, name in places if place is not None)
        interest = named[0][1] if named else None
    money = amounts(shop, text)
    budget = vocabulary.budget
    # "under £800", "up to 500 quid": the sum after such words; otherwise the largest sum named
    # (a budget stated is what they mean to spend at most).
    lowered = (text or "").lower()
    capped = [
        amount
        for amount, start, _ in money
        if re.search(rf"\b(?:{_alternation(budget.at_most)})\s*$", lowered[:start].rstrip())
    ]
    at_most = capped[0] if capped else max((amount for amount, _, _ in money), default=None)
    return Wants(
        interest=interest,
        at_most=at_most,
        cheap=at_most is None and _said(said, budget.cheap) is not None,
        best=_said(said, budget.best) is not None,
    )


def within(wants: Wants, products: Sequence[Product]) -> list[Product]:
    """The products that fit the budget: at most the sum, cheapest first for "cheap", dearest
    first for "the best you've got"; in the given order otherwise."""
    fitting = [p for p in products if wants.at_most is None or p.price <= wants.at_most]
    if wants.cheap:
        return sorted(fitting, key=lambda product: product.price)
    if wants.best:
        return sorted(fitting, key=lambda product: -product.price)
    return list(fitting)
