"""The repair bookings' schema is kept by Alembic, on SQLite and PostgreSQL, like the memory's."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from actions.shop_records import (
    BOOKINGS_VERSION_TABLE,
    RepairBookings,
    booking_metadata,
    migrate_bookings,
)


def test_a_new_bookings_database_is_made_by_the_migrations(memory_url: str) -> None:
    bookings = RepairBookings(memory_url)
    reference = bookings.book("chat-1", None, "Trek", "the gears slip", dt.date(2026, 12, 1))
    engine = sa.create_engine(memory_url)
    try:
        with engine.connect() as connection:
            version = connection.execute(
                sa.select(sa.column("version_num")).select_from(sa.table(BOOKINGS_VERSION_TABLE))
            ).scalar_one()
            stored = connection.execute(
                sa.text("SELECT problem FROM repair_bookings WHERE reference = :r"),
                {"r": reference},
            ).scalar_one()
    finally:
        engine.dispose()
    assert version == "b0001"
    assert stored == "the gears slip"


def test_a_bookings_database_made_before_the_migrations_keeps_its_bookings(
    memory_url: str,
) -> None:
    """A database whose table was created directly (as before) is adopted, rows and all."""
    engine = sa.create_engine(memory_url)
    try:
        booking_metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO repair_bookings (reference, conversation_id, bike, problem,"
                    " drop_off, created_at) VALUES ('R-OLD12345', 'c', 'b', 'p',"
                    " '2026-11-30', '2026-11-26 10:00:00')"
                )
            )
        migrate_bookings(engine)
        migrate_bookings(engine)  # a second start changes nothing
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT reference FROM repair_bookings")).all()
            version = connection.execute(
                sa.select(sa.column("version_num")).select_from(sa.table(BOOKINGS_VERSION_TABLE))
            ).scalar_one()
    finally:
        engine.dispose()
    assert [row[0] for row in rows] == ["R-OLD12345"]
    assert version == "b0001"


def test_the_migrations_make_the_table_the_code_describes(memory_url: str) -> None:
    engine = sa.create_engine(memory_url)
    try:
        migrate_bookings(engine)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("repair_bookings")}
    finally:
        engine.dispose()
    assert columns == {column.name for column in booking_metadata.tables["repair_bookings"].columns}
