"""Brings a memory database's schema up to date with the Alembic migrations in the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.exc import SQLAlchemyError

from memory.db import MemoryUnavailable, make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """Alembic's configuration, built in code so that no alembic.ini is needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(database_url: str, revision: str = "head") -> None:
    """Upgrade the memory database at `database_url` to `revision` (the newest by default)."""
    engine = make_engine(database_url, pool=False)
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except SQLAlchemyError as error:
        reason = str(error.orig if hasattr(error, "orig") and error.orig else error).strip()
        raise MemoryUnavailable(
            f"cannot migrate the memory database ({reason.splitlines()[0]}); "
            "check DATABASE_URL and that the database server is running."
        ) from None
    finally:
        engine.dispose()
