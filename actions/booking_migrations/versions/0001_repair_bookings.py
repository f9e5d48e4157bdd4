"""repair bookings: the table of repairs booked through the bot

Revision ID: b0001
Revises:
Create Date: 2026-11-26 13:00:00

A database made before the bookings had migrations already holds this table (it was created
directly): it is adopted as it is, with its bookings.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("repair_bookings"):
        return
    op.create_table(
        "repair_bookings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=True),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=True),
        sa.Column("bike", sa.Text(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("drop_off", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )


def downgrade() -> None:
    op.drop_table("repair_bookings")
