"""insights: indexes for the managers' page's date-range aggregates

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 18:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

POLICY_SET = sa.text("policy IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_exchanges_speaker_at_intent_confidence",
        "exchanges",
        ["speaker", "at", "intent", "confidence"],
    )
    op.create_index(
        "ix_exchanges_policy_at",
        "exchanges",
        ["at"],
        sqlite_where=POLICY_SET,
        postgresql_where=POLICY_SET,
    )
    op.create_index("ix_conversations_started_at", "conversations", ["started_at"])
    op.create_index("ix_ratings_at", "ratings", ["at"])
    op.create_index("ix_handoffs_requested_at", "handoffs", ["requested_at"])
    op.create_index("ix_feedback_created_at", "feedback", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_feedback_created_at", table_name="feedback")
    op.drop_index("ix_handoffs_requested_at", table_name="handoffs")
    op.drop_index("ix_ratings_at", table_name="ratings")
    op.drop_index("ix_conversations_started_at", table_name="conversations")
    op.drop_index("ix_exchanges_policy_at", table_name="exchanges")
    op.drop_index("ix_exchanges_speaker_at_intent_confidence", table_name="exchanges")
