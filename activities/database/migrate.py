"""Schema migrations of the app database, with Alembic; the revisions live in
migrations/versions/. `upgrade(url)` brings a database to the newest revision (a
database made before migrations existed included: the baseline adopts its tables and
rows); `current(url)` names the revision it is at.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from activities.database.engine import Transactions
from activities.database.revision import HEAD, revision_of

MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATION_LOCK = 7412  # beside the roster's 7411


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration without an alembic.ini: env.py runs on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade_on(conn: Connection) -> None:
    """Upgrade inside the caller's write transaction: on SQLite BEGIN IMMEDIATE already
    makes concurrent upgrades take turns; on PostgreSQL an advisory lock does."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
    if revision_of(conn) != HEAD:  # whoever waited for the lock finds the work done
        command.upgrade(alembic_config(conn), "head")


async def upgrade(url: str | Path) -> None:
    """Bring the database at `url` (a URL or a SQLite file path) to the newest revision."""
    transactions = Transactions(url)
    try:
        await transactions.write(upgrade_on)
    finally:
        await transactions.close()


async def current(url: str | Path) -> str | None:
    """The revision the database at `url` is at; None before its first upgrade."""
    transactions = Transactions(url)
    try:
        return await transactions.read(revision_of)
    finally:
        await transactions.close()
