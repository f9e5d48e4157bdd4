"""identities: anonymous conversations merged into a signed-in customer are no key to them

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merged_senders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_merged_senders_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merged_senders")),
        sa.UniqueConstraint("sender_id", name=op.f("uq_merged_senders_sender_id")),
    )
    with op.batch_alter_table("merged_senders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_merged_senders_customer_id"), ["customer_id"], unique=False
        )
    # Anonymous widget conversations that an earlier version linked to a signed-in customer
    # were keys to that customer's record: retire them the same way.
    conn = op.get_bind()
    identities = sa.table(
        "identities",
        sa.column("sender_id", sa.String),
        sa.column("customer_id", sa.Integer),
        sa.column("linked_at", sa.DateTime),
    )
    customers = sa.table(
        "customers", sa.column("id", sa.Integer), sa.column("external_id", sa.String)
    )
    linked = conn.execute(
        sa.select(identities.c.sender_id, identities.c.customer_id, identities.c.linked_at)
        .select_from(identities.join(customers, customers.c.id == identities.c.customer_id))
        .where(customers.c.external_id.is_not(None), identities.c.sender_id.like("web-%"))
    ).all()
    merged = sa.table(
        "merged_senders",
        sa.column("sender_id", sa.String),
        sa.column("customer_id", sa.Integer),
        sa.column("merged_at", sa.DateTime),
    )
    for row in linked:
        conn.execute(
            merged.insert().values(
                sender_id=row.sender_id, customer_id=row.customer_id, merged_at=row.linked_at
            )
        )
        conn.execute(identities.delete().where(identities.c.sender_id == row.sender_id))


def downgrade() -> None:
    with op.batch_alter_table("merged_senders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merged_senders_customer_id"))
    op.drop_table("merged_senders")
