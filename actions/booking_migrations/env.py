"""Alembic environment of the repair bookings: runs on the connection `migrate_bookings` gives.

Its own version table, so BOOKINGS_URL may even name the memory's database without the two
histories meeting.
"""

from __future__ import annotations

from alembic import context

from actions.shop_records import BOOKINGS_VERSION_TABLE, booking_metadata


def run_migrations() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=booking_metadata,
        version_table=BOOKINGS_VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


# Alembic runs this file to migrate. The action server imports every module of the actions
# package when it starts, outside any migration: then there is nothing to run.
if hasattr(context, "config"):
    run_migrations()
