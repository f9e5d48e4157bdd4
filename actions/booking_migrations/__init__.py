"""Alembic migrations of the repair bookings database (BOOKINGS_URL)."""
