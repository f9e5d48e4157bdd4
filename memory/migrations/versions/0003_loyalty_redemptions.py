"""loyalty: the rewards a customer redeemed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("reward", sa.String(length=255), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_redemptions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
    )
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_redemptions_customer_id_at"), ["customer_id", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_redemptions_customer_id_at"))
    op.drop_table("redemptions")
