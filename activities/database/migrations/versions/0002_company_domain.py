"""The company domain of each assignment: `owner: domain_owner` finds the owner of a
company's latest lead by it, inside the roster's write transaction.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("company_domain", sa.String(), nullable=True))
        batch.create_index("ix_assignments_company_domain", ["company_domain"])


def downgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.drop_index("ix_assignments_company_domain")
        batch.drop_column("company_domain")
