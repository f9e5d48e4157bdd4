"""The one list of stores that hold customer data: every table of every schema is in it.

A table added to the memory, the bookings database, Rasa's tracker store or the memory's outbox
without saying what forgetting and exporting do with it fails these tests.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import Column, Integer, MetaData, String, Table

from actions import shop_records
from memory import personal_data as registry
from memory import schema
from memory.ingest import Outbox


def _outbox_tables(tmp_path: Path) -> set[str]:
    Outbox(tmp_path / "outbox.db")
    with sqlite3.connect(tmp_path / "outbox.db") as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows if not name.startswith("sqlite_")}


def schemas(tmp_path: Path) -> dict[str, set[str]]:
    """Every store's tables, read from the code that creates them."""
    return {
        registry.MEMORY: set(schema.metadata.tables),
        registry.BOOKINGS: set(shop_records.repair_bookings.metadata.tables),
        registry.TRACKER: set(SQLTrackerStore.SQLEvent.metadata.tables),
        registry.OUTBOX: _outbox_tables(tmp_path),
    }


def test_every_table_of_every_schema_is_classified(tmp_path: Path) -> None:
    for store, tables in schemas(tmp_path).items():
        assert registry.unclassified(store, tables) == [], f"classify them in {registry.__name__}"


def test_a_new_table_that_is_not_listed_is_caught() -> None:
    grown = MetaData()
    for table in schema.metadata.tables.values():
        table.to_metadata(grown)
    Table("loyalty_cards", grown, Column("id", Integer), Column("holder", String(80)))
    assert registry.unclassified(registry.MEMORY, grown.tables) == ["loyalty_cards"]


def test_the_list_names_only_tables_that_exist(tmp_path: Path) -> None:
    tables = schemas(tmp_path)
    stale = [
        f"{holding.store}.{holding.table}"
        for holding in registry.HOLDINGS
        if holding.table not in tables.get(holding.store, set())
    ]
    assert stale == []


def test_the_columns_rows_are_found_by_exist() -> None:
    columns = {
        registry.BOOKINGS: set(shop_records.repair_bookings.columns.keys()),
        registry.TRACKER: set(SQLTrackerStore.SQLEvent.__table__.columns.keys()),
    }
    for holding in registry.HOLDINGS:
        if holding.store in columns:
            wanted = {holding.sender_column, holding.shop_customer_column} - {None}
            assert wanted <= columns[holding.store], holding.table


def test_forgetting_reaches_every_memory_table_about_a_customer() -> None:
    # The tables hanging off a customer are what forgetting and exporting walk through.
    reached = {table.name for table in schema.CUSTOMER_TABLES}
    for holding in registry.HOLDINGS:
        table = schema.metadata.tables.get(holding.table)
        if holding.store == registry.MEMORY and table is not None and "customer_id" in table.c:
            assert holding.table in reached, holding.table
    internal = registry.tables_handled(registry.MEMORY, registry.Handling.INTERNAL)
    assert "agent_notes" in internal
    for table, columns in registry.INTERNAL_COLUMNS.items():
        assert set(columns) <= set(schema.metadata.tables[table].c.keys())
