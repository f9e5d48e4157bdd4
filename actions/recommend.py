"""Personal recommendations: relating the catalogue to what the customer told us, and saying why.

The relationship card holds the customer's aspirations ("gravel century in May"), preferences
(riding style, what they like) and the bikes they own. A product fits them when its `good_for`
tags (or bike type) in the business file share a word with those; the reason is then said with a
domain response (`utter_recommendation_why_*`), so trainers edit the words there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from voice.business import Business, Product
from voice.catalogue import Catalogue

# Preference kinds that say nothing about what to ride (a frame size is not a taste).
NOT_TASTES = frozenset({"bike", "size", "name"})


@dataclass(frozen=True)
class Reason:
    """Why a product suits this customer: a domain response and its variables."""

    response: str
    product: Product
    values: dict[str, Any] = field(default_factory=dict)


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9][a-z0-9-]*", text.lower()))


def tags(product: Product) -> set[str]:
    found = {tag.lower() for tag in product.good_for}
    if product.bike_type:
        found.add(product.bike_type.lower())
    return found


def owned_bikes(card: Any) -> list[str]:
    return [fact.value for fact in getattr(card, "preferences", ()) if fact.kind == "bike"]


def tastes(card: Any) -> list[str]:
    return [fact.value for fact in getattr(card, "preferences", ()) if fact.kind not in NOT_TASTES]


def known_interests(shop: Business) -> set[str]:
    interests: set[str] = set()
    for product in shop.products:
        interests |= tags(product)
    return interests


def interest_from_card(card: Any, shop: Business) -> str | None:
    """The kind of riding the customer's dreams or tastes name, for "what would you suggest?"."""
    interests = known_interests(shop)
    for text in [*getattr(card, "aspirations", ()), *tastes(card)]:
        for word in re.findall(r"[a-z0-9][a-z0-9-]*", str(text).lower()):
            if word in interests:
                return word
    return None


def _best_match(text: str, candidates: Iterable[Product]) -> Product | None:
    wanted = words(text)
    scored = [
        (len(tags(product) & wanted), index, product) for index, product in enumerate(candidates)
    ]
    scored = [item for item in scored if item[0] > 0]
    if not scored:
        return None
    # The most shared words first; among equals the catalogue's (in-stock first) order.
    return min(scored, key=lambda item: (-item[0], item[1]))[2]


def personal_reason(card: Any, candidates: Sequence[Product], shop: Business) -> Reason | None:
    """The strongest reason one of `candidates` suits the customer: dream, taste, then bike."""
    if card is None:
        return None
    owned = {name.lower() for name in owned_bikes(card)}
    offered = [product for product in candidates if product.name.lower() not in owned]
    for aspiration in getattr(card, "aspirations", ()):
        product = _best_match(str(aspiration), offered)
        if product is not None:
            return Reason(
                "utter_recommendation_why_aspiration",
                product,
                {
                    "aspiration": aspiration,
                    "product": product.name,
                    "description": product.description,
                },
            )
    for taste in tastes(card):
        product = _best_match(str(taste), offered)
        if product is not None:
            return Reason(
                "utter_recommendation_why_preference",
                product,
                {"preference": taste, "product": product.name, "description": product.description},
            )
    for bike in owned_bikes(card):
        their_bike = Catalogue.of(shop).named_product(bike)
        if their_bike is None or not their_bike.is_bike:
            continue
        kit = [product for product in offered if not product.is_bike]
        product = _best_match(" ".join(tags(their_bike)), kit)
        if product is not None:
            return Reason(
                "utter_recommendation_why_bike",
                product,
                {"bike": bike, "product": product.name, "description": product.description},
            )
    return None


def without_owned(card: Any, products: Sequence[Product]) -> list[Product]:
    """The products minus the bikes the customer already owns (never sell them their own bike)."""
    owned = {name.lower() for name in owned_bikes(card)} if card is not None else set()
    return [product for product in products if product.name.lower() not in owned]
