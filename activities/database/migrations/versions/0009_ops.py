"""Scheduled away windows: when an owner's absence starts and ends, and who set it.
An owner whose window has ended is back by itself (activities/database/roster.py reads
the window at each assignment).

Revision ID: 0009_ops
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_ops"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("owners") as batch:
        batch.add_column(sa.Column("away_from", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("away_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("away_set_by", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("owners") as batch:
        batch.drop_column("away_set_by")
        batch.drop_column("away_until")
        batch.drop_column("away_from")
