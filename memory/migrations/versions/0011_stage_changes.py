"""stage history: a row each time a customer's judged stage or at-risk flag changes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stage_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=16), nullable=True),
        sa.Column("to_stage", sa.String(length=16), nullable=False),
        sa.Column("was_at_risk", sa.Boolean(), nullable=True),
        sa.Column("at_risk", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_stage_changes_customer_id_customers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_stage_changes"),
    )
    op.create_index("ix_stage_changes_customer_id_at", "stage_changes", ["customer_id", "at"])
    op.create_index("ix_stage_changes_at", "stage_changes", ["at"])
    op.create_index("ix_customers_first_seen", "customers", ["first_seen"])


def downgrade() -> None:
    op.drop_index("ix_customers_first_seen", table_name="customers")
    op.drop_index("ix_stage_changes_at", table_name="stage_changes")
    op.drop_index("ix_stage_changes_customer_id_at", table_name="stage_changes")
    op.drop_table("stage_changes")
