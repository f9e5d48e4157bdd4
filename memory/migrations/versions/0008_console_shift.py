"""console shift: transfers with a note, follow-ups promised by agents, replies sent over the guard

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transferred_from", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("transfer_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("promise_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=64), nullable=True))
    op.create_table(
        "tone_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["handoff_id"],
            ["handoffs.id"],
            name=op.f("fk_tone_overrides_handoff_id_handoffs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tone_overrides")),
    )
    with op.batch_alter_table("tone_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tone_overrides_handoff_id"), ["handoff_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tone_overrides_agent_at"), ["agent", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tone_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tone_overrides_agent_at"))
        batch_op.drop_index(batch_op.f("ix_tone_overrides_handoff_id"))
    op.drop_table("tone_overrides")
    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.drop_column("owner")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_column("promise_id")
        batch_op.drop_column("transfer_note")
        batch_op.drop_column("transferred_from")
