"""The CRM side of a lead: its record id, one write per step, every event taken.

Revision ID: 0005
Revises: 0004
Create Date: 2026-01-05
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TYPES: dict[str, Callable[[], Any]] = {
    "str": sa.String,
    "int": sa.Integer,
    "bool": sa.Boolean,
    "time": lambda: sa.DateTime(timezone=True),
}


def _columns(spec: str) -> list[sa.Column[Any]]:
    """`name type` pairs separated by `;`, a `?` after the type for a nullable column."""
    pairs = (part.split() for part in spec.split(";"))
    return [sa.Column(n, TYPES[t.rstrip("?")](), nullable=t.endswith("?")) for n, t in pairs]


def upgrade() -> None:
    op.create_table(
        "crm_records",
        *_columns("lead_id str; crm str; record_id str; created_at time"),
        sa.PrimaryKeyConstraint("lead_id", "crm"),
        sa.UniqueConstraint("crm", "record_id"),
    )
    op.create_table(
        "crm_writes",
        *_columns(
            "lead_id str; step int; crm str; status str; record_id str?; task_id str?; "
            "task_tried bool; owner_crm_id str?; warning str?; updated_at time"
        ),
        sa.PrimaryKeyConstraint("lead_id", "step"),
    )
    op.create_table(
        "crm_events",
        *_columns("crm str; event_id str; lead_id str?; outcome str; received_at time"),
        sa.PrimaryKeyConstraint("crm", "event_id"),
    )
    op.create_index("ix_crm_events_lead_id", "crm_events", ["lead_id"])


def downgrade() -> None:
    op.drop_index("ix_crm_events_lead_id", table_name="crm_events")
    for name in ("crm_events", "crm_writes", "crm_records"):
        op.drop_table(name)
