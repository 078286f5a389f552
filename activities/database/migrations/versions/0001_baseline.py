"""Baseline: the schema SQLModel's create_all made before migrations existed.

A database made by that code has these tables and no alembic_version: this revision
creates only the tables it lacks (an older one may lack a newer table, as create_all
would have added it) and keeps every row of those it has.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def _tables() -> list[tuple[str, list[sa.schema.SchemaItem], list[tuple[str, list[str]]]]]:
    """Each table: its columns and constraints, and its indexes (name, columns)."""
    return [
        (
            "accounts",
            [
                sa.Column("domain", sa.String(), nullable=False),
                sa.Column("name", sa.String(), nullable=False),
                sa.Column("name_key", sa.String(), nullable=False),
                sa.Column("owner_id", sa.String(), nullable=True),
                sa.Column("is_customer", sa.Boolean(), nullable=False),
                sa.Column("open_opportunity_owner_id", sa.String(), nullable=True),
                sa.Column("named_account", sa.Boolean(), nullable=False),
                sa.PrimaryKeyConstraint("domain"),
            ],
            [("ix_accounts_name_key", ["name_key"])],
        ),
        (
            "assignments",
            [
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("lead_id", sa.String(), nullable=False),
                sa.Column("step", sa.Integer(), nullable=False),
                sa.Column("owner_id", sa.String(), nullable=True),
                sa.Column("team", sa.String(), nullable=True),
                sa.Column("method", sa.String(), nullable=False),
                sa.Column("decision_json", sa.String(), nullable=False),
                sa.Column("released", sa.Boolean(), nullable=False),
                sa.Column("created_at", TIMESTAMP, nullable=False),
                sa.PrimaryKeyConstraint("id"),
                sa.UniqueConstraint("lead_id", "step"),
            ],
            [
                ("ix_assignments_lead_id", ["lead_id"]),
                ("ix_assignments_owner_id", ["owner_id"]),
            ],
        ),
        (
            "dead_letters",
            [
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("source", sa.String(), nullable=False),
                sa.Column("reason", sa.String(), nullable=False),
                sa.Column("raw_body", sa.String(), nullable=False),
                sa.Column("received_at", TIMESTAMP, nullable=False),
                sa.Column("retried_at", TIMESTAMP, nullable=True),
                sa.Column("lead_id", sa.String(), nullable=True),
                sa.PrimaryKeyConstraint("id"),
            ],
            [],
        ),
        (
            "deliveries",
            [
                sa.Column("key", sa.String(), nullable=False),
                sa.Column("source", sa.String(), nullable=False),
                sa.Column("lead_id", sa.String(), nullable=False),
                sa.Column("submission_id", sa.String(), nullable=False),
                sa.Column("lead_json", sa.String(), nullable=False),
                sa.Column("status", sa.String(), nullable=False),
                sa.Column("attempts", sa.Integer(), nullable=False),
                sa.Column("last_error", sa.String(), nullable=True),
                sa.Column("created_at", TIMESTAMP, nullable=False),
                sa.Column("started_at", TIMESTAMP, nullable=True),
                sa.PrimaryKeyConstraint("key"),
            ],
            [
                ("ix_deliveries_status", ["status"]),
                ("ix_deliveries_lead_id", ["lead_id"]),
            ],
        ),
        (
            "notifications",
            [
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("lead_id", sa.String(), nullable=False),
                sa.Column("step", sa.Integer(), nullable=False),
                sa.Column("kind", sa.String(), nullable=False),
                sa.Column("recipient", sa.String(), nullable=True),
                sa.Column("text", sa.String(), nullable=False),
                sa.Column("slack_status", sa.String(), nullable=False),
                sa.Column("slack_attempts", sa.Integer(), nullable=False),
                sa.Column("created_at", TIMESTAMP, nullable=False),
                sa.Column("sent_at", TIMESTAMP, nullable=True),
                sa.PrimaryKeyConstraint("id"),
                sa.UniqueConstraint("lead_id", "step", "kind"),
            ],
            [("ix_notifications_lead_id", ["lead_id"])],
        ),
        (
            "owners",
            [
                sa.Column("owner_id", sa.String(), nullable=False),
                sa.Column("away", sa.Boolean(), nullable=False),
                sa.Column("open_leads", sa.Integer(), nullable=False),
                sa.Column("updated_at", TIMESTAMP, nullable=False),
                sa.PrimaryKeyConstraint("owner_id"),
            ],
            [],
        ),
        (
            "round_robin",
            [
                sa.Column("team_id", sa.String(), nullable=False),
                sa.Column("owner_id", sa.String(), nullable=False),
                sa.Column("current", sa.Integer(), nullable=False),
                sa.PrimaryKeyConstraint("team_id", "owner_id"),
            ],
            [],
        ),
    ]


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, items, indexes in _tables():
        if name in existing:
            continue
        op.create_table(name, *items)
        for index, columns in indexes:
            op.create_index(index, name, columns)


def downgrade() -> None:
    for name, _items, _indexes in reversed(_tables()):
        op.drop_table(name)
