"""Alembic's entry point, run by activities.database.migrate on the connection it hands
over (config.attributes["connection"]).

A new migration: change tables.py, then from a Python shell with a database at head,
`alembic.command.revision(migrate.alembic_config(conn), "what changed", autogenerate=True)`
and review the file it writes under versions/ (number it next: 0002_...).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import activities.database.tables  # noqa: F401  (the tables register on SQLModel.metadata)

connection: Connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite alters a table by copying it: autogenerate writes batch operations for it
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
