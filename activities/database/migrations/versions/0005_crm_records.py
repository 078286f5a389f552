"""The CRM side of a lead: its record id, one write per step, every event taken.

Revision ID: 0005
Revises: 0001
Create Date: 2026-01-05
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "crm_records",
        sa.Column("lead_id", sa.String(), nullable=False),
        sa.Column("crm", sa.String(), nullable=False),
        sa.Column("record_id", sa.String(), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("lead_id", "crm"),
        sa.UniqueConstraint("crm", "record_id"),
    )
    op.create_table(
        "crm_writes",
        sa.Column("lead_id", sa.String(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("crm", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("record_id", sa.String(), nullable=True),
        sa.Column("task_id", sa.String(), nullable=True),
        sa.Column("task_tried", sa.Boolean(), nullable=False),
        sa.Column("owner_crm_id", sa.String(), nullable=True),
        sa.Column("warning", sa.String(), nullable=True),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("lead_id", "step"),
    )
    op.create_table(
        "crm_events",
        sa.Column("crm", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("lead_id", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=False),
        _time("received_at"),
        sa.PrimaryKeyConstraint("crm", "event_id"),
    )
    op.create_index("ix_crm_events_lead_id", "crm_events", ["lead_id"])


def downgrade() -> None:
    op.drop_index("ix_crm_events_lead_id", table_name="crm_events")
    for name in ("crm_events", "crm_writes", "crm_records"):
        op.drop_table(name)
