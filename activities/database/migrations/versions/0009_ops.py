"""Scheduled away windows: when an owner's absence starts and ends, and who set it.
An owner whose window has ended is back by itself (activities/database/roster.py reads
the window at each assignment). And rep feedback: how often a lead was routed again
because its owner said it was misrouted, counted by the report's covering index.

Revision ID: 0009_ops
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_ops"
down_revision = "0008"
branch_labels = None
depends_on = None


# the report's counts (0004's covering index), now with the misroutes
COUNTED = [
    *("rule", "team", "submitted_at", "status", "first_action_kind", "escalation_level"),
    *("escalations", "manual_reassigns", "away_reassigns", "sla_met", "lead_type"),
    *("speed_to_lead_ms", "account_matched", "size_known", "industry_known", "country_known"),
    "assigned_at",
]


def upgrade() -> None:
    with op.batch_alter_table("owners") as batch:
        batch.add_column(sa.Column("away_from", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("away_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("away_set_by", sa.String(), nullable=True))
    op.drop_index("ix_lead_facts_counts", table_name="lead_facts")
    with op.batch_alter_table("lead_facts") as batch:
        batch.add_column(sa.Column("misroutes", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_lead_facts_counts", "lead_facts", [*COUNTED, "misroutes"])


def downgrade() -> None:
    op.drop_index("ix_lead_facts_counts", table_name="lead_facts")
    with op.batch_alter_table("lead_facts") as batch:
        batch.drop_column("misroutes")
    op.create_index("ix_lead_facts_counts", "lead_facts", COUNTED)
    with op.batch_alter_table("owners") as batch:
        batch.drop_column("away_set_by")
        batch.drop_column("away_until")
        batch.drop_column("away_from")
