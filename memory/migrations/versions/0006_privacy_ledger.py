"""loyalty ledger: redemptions outlive a forgotten customer, found again by the shop account

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# As memory.personal_data.ledger_account at the time of this revision (frozen here on purpose:
# a migration must compute what it computed when it was written).
_LEDGER_CONTEXT = b"rapport loyalty ledger v1\x00"


def _account(shop_customer_id: str) -> str:
    return hashlib.sha256(_LEDGER_CONTEXT + shop_customer_id.encode("utf-8")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account", sa.String(length=64), nullable=True))
        batch_op.drop_constraint("fk_redemptions_customer_id_customers", type_="foreignkey")
        batch_op.alter_column("customer_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_redemptions_customer_id_customers"),
            "customers",
            ["customer_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_redemptions_account"), ["account"], unique=False)
    # Redemptions made before this revision belong to a signed-in customer: key them by account.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT redemptions.id, customers.external_id FROM redemptions "
            "JOIN customers ON customers.id = redemptions.customer_id "
            "WHERE customers.external_id IS NOT NULL"
        )
    ).all()
    for row_id, external_id in rows:
        bind.execute(
            sa.text("UPDATE redemptions SET account = :account WHERE id = :id"),
            {"account": _account(external_id), "id": row_id},
        )


def downgrade() -> None:
    # Redemptions of forgotten customers cannot go back under a customer: they are dropped.
    op.execute("DELETE FROM redemptions WHERE customer_id IS NULL")
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_redemptions_account"))
        batch_op.drop_constraint("fk_redemptions_customer_id_customers", type_="foreignkey")
        batch_op.alter_column("customer_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_redemptions_customer_id_customers"),
            "customers",
            ["customer_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_column("account")
