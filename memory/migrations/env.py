"""Alembic environment of the relationship memory: runs on the connection `memory.migrate` gives."""

from __future__ import annotations

from alembic import context

from memory.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
