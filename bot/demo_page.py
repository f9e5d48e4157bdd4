"""The demo shop page: `bot/static/index.html` with the shop's name, products, repairs and rides
filled in from the business file, so what the page sells is what the bot knows.

The page marks each place with a comment (`<!--shop:name-->`, `<!--shop:products-->`, ...);
every value is HTML-escaped.
"""

from __future__ import annotations

from html import escape

from voice.business import Business

SHOWN_PRODUCTS = 6  # products on the page: in stock first, in the business file's order


def _card(title: str, text: str, price: str) -> str:
    return (
        f'<article class="product"><h3>{escape(title)}</h3><p>{escape(text)}</p>'
        f'<p class="price">{escape(price)}</p></article>'
    )


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def render(shop: Business, page: str) -> str:
    """The page with the business file's content in place of its markers."""
    products = sorted(shop.products, key=lambda product: not product.in_stock)[:SHOWN_PRODUCTS]
    repairs = [
        _card(
            _capitalised(service.name),
            _capitalised(service.description),
            shop.format_price(service.price),
        )
        for service in shop.repairs
    ]
    rides = [
        f"<li><strong>{escape(event.name)}</strong>: {escape(event.description)}</li>"
        for event in shop.events
    ]
    values = {
        "name": escape(shop.shop.name),
        "tagline": escape(_capitalised(shop.shop.tagline)),
        "products": "\n".join(
            _card(product.name, _capitalised(product.description), shop.format_price(product.price))
            for product in products
        ),
        "repairs": "\n".join(repairs),
        "rides": "<ul>" + "\n".join(rides) + "</ul>" if rides else "",
    }
    for key, value in values.items():
        page = page.replace(f"<!--shop:{key}-->", value)
    return page
