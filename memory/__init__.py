"""Rapport's relationship memory: customers, the exchange log, facts, and relationship cards.

Plain Python and SQLAlchemy (no Rasa): `MemoryStore` is the one way in; `migrate` brings a
database's schema up to date. Nothing touches a database at import time.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MemoryStore", "MemoryUnavailable", "RelationshipRules", "migrate"]


def migrate(database_url: str, revision: str = "head") -> None:
    """Upgrade the memory database at `database_url` to the newest schema."""
    from memory.upgrade import migrate as run

    run(database_url, revision)


def __getattr__(name: str) -> Any:
    # Lazy, so that importing `memory` (for example from bot.settings) stays cheap.
    if name == "MemoryStore":
        from memory.store import MemoryStore

        return MemoryStore
    if name == "MemoryUnavailable":
        from memory.db import MemoryUnavailable

        return MemoryUnavailable
    if name == "RelationshipRules":
        from memory.rules import RelationshipRules

        return RelationshipRules
    raise AttributeError(name)
