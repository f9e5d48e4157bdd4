"""handoff reply promise: the promise of a reply made when a customer left a message, kept when
an agent replies in the chat

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_promise_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_column("reply_promise_id")
