"""Which schema revision a database is at, and which the code needs, read without
Alembic: importing it costs ~65 ms, and every start of the worker, the API and the CLI
asks; only a database behind the code imports it (activities.database.migrate)."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

# The newest revision under migrations/versions/ (test_migrations checks they agree)
HEAD = "0010_console"


def revision_of(conn: Connection) -> str | None:
    """The revision recorded in the database; None before its first upgrade."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
