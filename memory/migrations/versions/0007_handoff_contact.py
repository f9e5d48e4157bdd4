"""handoff contact: the reply time promised to a waiting chat, and the contact left for the team

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_by", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("contact", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_column("contact")
        batch_op.drop_column("reply_by")
