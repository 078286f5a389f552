"""Baseline: the schema SQLModel's create_all made before migrations existed.

A database made by that code has these tables and no alembic_version: this revision
creates only the tables it lacks (an older one may lack a newer table, as create_all
would have added it) and keeps every row of those it has.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Each table as create_all made it: "column type" with `?` for nullable, `pk` on the
# primary key's columns, `ix` on an indexed one (index ix_<table>_<column>), and
# `unique(a, b)` for a unique constraint.
SCHEMA = {
    "accounts": "domain str pk; name str; name_key str ix; owner_id str?; is_customer bool; open_opportunity_owner_id str?; named_account bool",
    "assignments": "id int pk; lead_id str ix; step int; owner_id str? ix; team str?; method str; decision_json str; released bool; created_at time; unique(lead_id, step)",
    "dead_letters": "id int pk; source str; reason str; raw_body str; received_at time; retried_at time?; lead_id str?",
    "deliveries": "key str pk; source str; lead_id str ix; submission_id str; lead_json str; status str ix; attempts int; last_error str?; created_at time; started_at time?",
    "notifications": "id int pk; lead_id str ix; step int; kind str; recipient str?; text str; slack_status str; slack_attempts int; created_at time; sent_at time?; unique(lead_id, step, kind)",
    "owners": "owner_id str pk; away bool; open_leads int; updated_at time",
    "round_robin": "team_id str pk; owner_id str pk; current int",
}
TYPES: dict[str, Callable[[], sa.types.TypeEngine[Any]]] = {
    "str": sa.String,
    "int": sa.Integer,
    "bool": sa.Boolean,
    "time": lambda: sa.DateTime(timezone=True),
}


def _table(name: str, spec: str) -> tuple[list[sa.schema.SchemaItem], list[tuple[str, list[str]]]]:
    """A table's columns and constraints, and its indexes (name, columns), from its spec."""
    items: list[sa.schema.SchemaItem] = []
    keys: list[str] = []
    indexes: list[tuple[str, list[str]]] = []
    for part in (p.strip() for p in spec.split(";")):
        if part.startswith("unique("):
            items.append(sa.UniqueConstraint(*(c.strip() for c in part[7:-1].split(","))))
            continue
        column, kind, *marks = part.split()
        items.append(sa.Column(column, TYPES[kind.rstrip("?")](), nullable=kind.endswith("?")))
        keys += [column] if "pk" in marks else []
        indexes += [(f"ix_{name}_{column}", [column])] if "ix" in marks else []
    return [*items, sa.PrimaryKeyConstraint(*keys)], indexes


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, spec in SCHEMA.items():
        if name in existing:
            continue
        items, indexes = _table(name, spec)
        op.create_table(name, *items)
        for index, columns in indexes:
            op.create_index(index, name, columns)


def downgrade() -> None:
    for name in reversed(SCHEMA):
        op.drop_table(name)
