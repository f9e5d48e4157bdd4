"""Alembic migrations of the relationship memory (run by `memory.migrate`)."""
