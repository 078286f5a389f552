"""Email beside Slack in the notification outbox, and the open routing-health incidents
(so an incident is alerted once and its recovery once).

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(
            sa.Column("email_status", sa.String(), nullable=False, server_default="not_configured")
        )
        batch.add_column(
            sa.Column("email_attempts", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "incidents",
        sa.Column("check", sa.String(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("check"),
    )


def downgrade() -> None:
    op.drop_table("incidents")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("email_attempts")
        batch.drop_column("email_status")
