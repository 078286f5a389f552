"""Email beside Slack in the notification outbox, and the open routing-health incidents
(so an incident is alerted once and its recovery once).

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


# NOT NULL with a constant default: SQLite adds them in place, existing rows get the default
EMAIL_COLUMNS = (
    ("email_status", sa.String, "not_configured"),
    ("email_attempts", sa.Integer, "0"),
)


def upgrade() -> None:
    for name, kind, default in EMAIL_COLUMNS:
        op.add_column(
            "notifications", sa.Column(name, kind(), nullable=False, server_default=default)
        )
    op.create_table(
        "incidents",
        sa.Column("check", sa.String(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("check"),
    )


def downgrade() -> None:
    op.drop_table("incidents")
    with op.batch_alter_table("notifications") as batch:  # SQLite rebuilds the table
        for name, _, _ in reversed(EMAIL_COLUMNS):
            batch.drop_column(name)
