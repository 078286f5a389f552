"""Analytics facts: one row per lead (lead_facts) and per step (lead_steps).

Revision ID: 0004
Revises: 0002
Create Date: 2026-01-01
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


# the report's counts: grouped by rule, then team, covering every column they read
COUNTED = [
    *("rule", "team", "submitted_at", "status", "first_action_kind", "escalation_level"),
    *("escalations", "manual_reassigns", "away_reassigns", "sla_met", "lead_type"),
    *("speed_to_lead_ms", "account_matched", "size_known", "industry_known", "country_known"),
    "assigned_at",
]


def _text(name: str, nullable: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.String(), nullable=nullable)


def _time(name: str, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _int(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _ms(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), nullable=True)  # a month is past int32 ms


def _bool(name: str, nullable: bool = False) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "lead_facts",
        _text("lead_id", False),
        _int("revision"),
        _time("submitted_at", False),
        _text("day", False),
        _text("lead_type", False),
        _text("source", False),
        *(_text(c) for c in ("utm_campaign", "tier", "rule", "rules_version")),
        *(_bool(c) for c in ("account_matched", "size_known", "industry_known", "country_known")),
        _text("status", False),
        *(_text(c) for c in ("team", "owner", "method")),
        _time("assigned_at"),
        _time("sla_due_at"),
        *(_int(c) for c in ("escalation_level", "escalations", "manual_reassigns")),
        _int("away_reassigns"),
        _time("first_action_at"),
        _text("first_action_kind"),
        _text("action_owner"),
        *(_ms(c) for c in ("time_to_assign_ms", "time_to_first_action_ms")),
        *(_ms(c) for c in ("business_time_to_first_action_ms", "speed_to_lead_ms")),
        _bool("sla_met", True),
        sa.PrimaryKeyConstraint("lead_id"),
    )
    op.create_index("ix_lead_facts_submitted_at", "lead_facts", ["submitted_at"])
    op.create_index("ix_lead_facts_counts", "lead_facts", COUNTED)
    op.create_table(
        "lead_steps",
        _text("lead_id", False),
        _int("step"),
        _text("kind", False),
        _time("at", False),
        _text("owner"),
        _text("team"),
        _text("method", False),
        _int("escalation_level"),
        _time("sla_due_at"),
        sa.PrimaryKeyConstraint("lead_id", "step", "kind"),
    )
    op.create_index("ix_lead_steps_fairness", "lead_steps", ["method", "team", "owner", "at"])


def downgrade() -> None:
    op.drop_table("lead_steps")
    op.drop_table("lead_facts")
