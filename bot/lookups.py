"""The training lookups, written from the business file: the shop's words are edited in one place.

`python -m bot train` writes `data/nlu/lookups/*.yml` from `business.yml` before Rasa trains (a
file is rewritten only when its text changes, so Rasa's fingerprint still skips an unchanged
model), and `python -m bot validate` fails when a written file is older than the business file's
words. The files say at the top that they are generated.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from voice.business import Business, BusinessFileError

HEADER = (
    "# Generated from {source} by `python -m bot train`: do not edit. Add a word to {source}\n"
    "# (a product's synonyms or tags, vocabulary.bike_kinds) and train again.\n"
)


def _quote(text: str) -> str:
    """A lookup or synonym example as one YAML block-scalar line ("- acme 5")."""
    return text.replace("\n", " ").strip()


def _block(kind: str, name: str, examples: Iterable[str]) -> str:
    lines = [f"  - {kind}: {_yaml_scalar(name)}", "    examples: |"]
    lines += [f"      - {_quote(example)}" for example in examples]
    return "\n".join(lines) + "\n"


def _yaml_scalar(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unique(words: Iterable[str], leave_out: Iterable[str] = ()) -> list[str]:
    seen = {word.lower() for word in leave_out}
    found = []
    for word in words:
        if word.lower() not in seen:
            seen.add(word.lower())
            found.append(word)
    return found


def _synonyms_checked(pairs: list[tuple[str, str]], source: str) -> None:
    """One spelling maps to one stored value, or Rasa cannot tell which it is."""
    owner: dict[str, str] = {}
    for spelling, value in pairs:
        key = spelling.lower()
        if key in owner and owner[key] != value:
            raise BusinessFileError(
                f"{source}: {spelling!r} is a synonym of both {owner[key]!r} and {value!r}"
            )
        owner[key] = value


def render(shop: Business) -> dict[str, str]:
    """The lookup files' names and texts, from the business file."""
    source = shop.source.name
    header = HEADER.format(source=source) + 'version: "3.1"\nnlu:\n'
    # Products: every name and every tag is a product word; a synonym means that very product.
    # A spelling of a kind of bike is a bike_type, never also a product word.
    kind_spellings = [word for kind in shop.vocabulary.bike_kinds for word in kind.spellings]
    names = [product.name for product in shop.products]
    tags = [tag for product in shop.products for tag in (product.category, *product.tags)]
    tags = _unique(tags, leave_out=kind_spellings)
    product_synonyms = [
        (synonym, product.name) for product in shop.products for synonym in product.synonyms
    ]
    _synonyms_checked(product_synonyms, source)
    products = [_block("lookup", "product", _unique([*names, *tags]))]
    for product in shop.products:
        spellings = _unique(product.synonyms, leave_out=[product.name])
        if spellings:
            products.append(_block("synonym", product.name, spellings))
    files = {"products.yml": header + "\n".join(products)}
    # Kinds of bike, each with the ways customers write it (a shop without them has no file).
    kinds = shop.vocabulary.bike_kinds
    if not kinds:
        return files
    kind_synonyms = [(word, kind.name) for kind in kinds for word in kind.words]
    _synonyms_checked(kind_synonyms, source)
    bike_kinds = [_block("lookup", "bike_type", _unique(kind.name for kind in kinds))]
    for kind in kinds:
        spellings = _unique(kind.words, leave_out=[kind.name])
        if spellings:
            bike_kinds.append(_block("synonym", kind.name, spellings))
    files["bike_types.yml"] = header + "\n".join(bike_kinds)
    return files


def stale(shop: Business, folder: Path) -> list[Path]:
    """The lookup files that are missing or differ from what the business file says."""
    return [
        folder / name
        for name, text in render(shop).items()
        if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != text
    ]


def write(shop: Business, folder: Path) -> list[Path]:
    """Write the lookup files that changed (an unchanged file keeps Rasa's fingerprint)."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = render(shop)
    changed = stale(shop, folder)
    for path in changed:
        path.write_text(texts[path.name], encoding="utf-8")
    return changed
