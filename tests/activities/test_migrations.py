"""Schema migrations: a database made by the code before migrations existed (the schema
of commit 65865a4, frozen below) upgrades in place with every row intact, on SQLite and
PostgreSQL; and the migrated schema is exactly what the tables declare, so a change to
the tables without a migration fails here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    select,
)
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from activities.database import Database, SchemaOutOfDate, database_url
from activities.database.migrate import MIGRATIONS, current, upgrade
from activities.database.revision import HEAD
from tests.activities.conftest import DIALECTS, empty_postgres

# The schema create_all made at 65865a4 (activities/store.py), frozen: never edit it.
BEFORE = MetaData()
_TS = DateTime(timezone=True)
Table(
    "accounts",
    BEFORE,
    Column("domain", String, nullable=False),
    Column("name", String, nullable=False),
    Column("name_key", String, nullable=False),
    Column("owner_id", String),
    Column("is_customer", Boolean, nullable=False),
    Column("open_opportunity_owner_id", String),
    Column("named_account", Boolean, nullable=False),
    PrimaryKeyConstraint("domain"),
    Index("ix_accounts_name_key", "name_key"),
)
Table(
    "owners",
    BEFORE,
    Column("owner_id", String, nullable=False),
    Column("away", Boolean, nullable=False),
    Column("open_leads", Integer, nullable=False),
    Column("updated_at", _TS, nullable=False),
    PrimaryKeyConstraint("owner_id"),
)
Table(
    "round_robin",
    BEFORE,
    Column("team_id", String, nullable=False),
    Column("owner_id", String, nullable=False),
    Column("current", Integer, nullable=False),
    PrimaryKeyConstraint("team_id", "owner_id"),
)
Table(
    "assignments",
    BEFORE,
    Column("id", Integer, nullable=False),
    Column("lead_id", String, nullable=False),
    Column("step", Integer, nullable=False),
    Column("owner_id", String),
    Column("team", String),
    Column("method", String, nullable=False),
    Column("decision_json", String, nullable=False),
    Column("released", Boolean, nullable=False),
    Column("created_at", _TS, nullable=False),
    PrimaryKeyConstraint("id"),
    UniqueConstraint("lead_id", "step"),
    Index("ix_assignments_lead_id", "lead_id"),
    Index("ix_assignments_owner_id", "owner_id"),
)
Table(
    "notifications",
    BEFORE,
    Column("id", Integer, nullable=False),
    Column("lead_id", String, nullable=False),
    Column("step", Integer, nullable=False),
    Column("kind", String, nullable=False),
    Column("recipient", String),
    Column("text", String, nullable=False),
    Column("slack_status", String, nullable=False),
    Column("slack_attempts", Integer, nullable=False),
    Column("created_at", _TS, nullable=False),
    Column("sent_at", _TS),
    PrimaryKeyConstraint("id"),
    UniqueConstraint("lead_id", "step", "kind"),
    Index("ix_notifications_lead_id", "lead_id"),
)
Table(
    "deliveries",
    BEFORE,
    Column("key", String, nullable=False),
    Column("source", String, nullable=False),
    Column("lead_id", String, nullable=False),
    Column("submission_id", String, nullable=False),
    Column("lead_json", String, nullable=False),
    Column("status", String, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", String),
    Column("created_at", _TS, nullable=False),
    Column("started_at", _TS),
    PrimaryKeyConstraint("key"),
    Index("ix_deliveries_status", "status"),
    Index("ix_deliveries_lead_id", "lead_id"),
)
Table(
    "dead_letters", BEFORE,
    Column("id", Integer, nullable=False), Column("source", String, nullable=False),
    Column("reason", String, nullable=False), Column("raw_body", String, nullable=False),
    Column("received_at", _TS, nullable=False), Column("retried_at", _TS),
    Column("lead_id", String),
    PrimaryKeyConstraint("id"),
)  # fmt: skip

AT = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
ROWS: dict[str, list[dict[str, Any]]] = {
    "accounts": [
        {"domain": "acme.com", "name": "Acme", "name_key": "acme", "owner_id": "gita.berg",
         "is_customer": True, "open_opportunity_owner_id": None, "named_account": False},
        {"domain": "hooli.com", "name": "Hooli Inc", "name_key": "hooli", "owner_id": None,
         "is_customer": False, "open_opportunity_owner_id": "wen.fischer", "named_account": True},
    ],
    "owners": [
        {"owner_id": "maya.lindqvist", "away": False, "open_leads": 3, "updated_at": AT},
        {"owner_id": "noah.fischer", "away": True, "open_leads": 0, "updated_at": AT},
    ],
    "round_robin": [
        {"team_id": "sdr-pool", "owner_id": "maya.lindqvist", "current": -2},
        {"team_id": "sdr-pool", "owner_id": "noah.fischer", "current": 1},
    ],
    "assignments": [
        {"id": 1, "lead_id": "lead-1", "step": 0, "owner_id": "maya.lindqvist",
         "team": "sdr-pool", "method": "round_robin", "decision_json": '{"owner": "maya"}',
         "released": False, "created_at": AT},
        {"id": 2, "lead_id": "lead-1", "step": 1, "owner_id": None, "team": None,
         "method": "unassigned", "decision_json": "{}", "released": True, "created_at": AT},
    ],
    "notifications": [
        {"id": 1, "lead_id": "lead-1", "step": 0, "kind": "assigned", "recipient": "maya",
         "text": "yours", "slack_status": "sent", "slack_attempts": 1, "created_at": AT,
         "sent_at": AT},
    ],
    "deliveries": [
        {"key": "forms:id:abc", "source": "forms", "lead_id": "lead-1", "submission_id": "s1",
         "lead_json": "{}", "status": "started", "attempts": 1, "last_error": None,
         "created_at": AT, "started_at": AT},
        {"key": "hubspot:id:def", "source": "hubspot", "lead_id": "lead-2",
         "submission_id": "s2", "lead_json": "{}", "status": "queued", "attempts": 2,
         "last_error": "Temporal: unavailable", "created_at": AT, "started_at": None},
    ],
    "dead_letters": [
        {"id": 1, "source": "forms", "reason": "no email", "raw_body": "{}",
         "received_at": AT, "retried_at": AT, "lead_id": "lead-3"},
    ],
}  # fmt: skip


async def old_database(dialect: str, tmp_path: Path) -> str:
    """A database as the code before migrations left it: the frozen tables, with rows."""
    url = await empty_postgres() if dialect == "postgresql" else database_url(tmp_path / "a.db")
    await on(url, lambda conn: BEFORE.create_all(conn))
    await on(
        url, lambda conn: [conn.execute(BEFORE.tables[t].insert(), r) for t, r in ROWS.items()]
    )
    return url


async def on(url: str, work: Callable[[Connection], Any]) -> Any:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(work)
    finally:
        await engine.dispose()


def every_row(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every row of every old table, as written (SQLite hands datetimes back naive)."""
    found = {}
    for name, table in BEFORE.tables.items():
        rows = conn.execute(select(table).order_by(*table.primary_key.columns)).mappings()
        found[name] = [
            {k: v.replace(tzinfo=UTC) if isinstance(v, datetime) and not v.tzinfo else v
             for k, v in row.items()}
            for row in rows
        ]  # fmt: skip
    return found


def differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def sorted_rows() -> dict[str, list[dict[str, Any]]]:
    return {
        name: sorted(rows, key=lambda r: [str(r[c.name]) for c in BEFORE.tables[name].primary_key])
        for name, rows in ROWS.items()
    }


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_a_database_from_before_migrations_upgrades_with_every_row(
    dialect: str, tmp_path: Path
) -> None:
    url = await old_database(dialect, tmp_path)
    assert await current(url) is None
    await upgrade(url)
    assert await current(url) == HEAD
    assert await on(url, every_row) == sorted_rows()
    assert await on(url, differences) == []
    await upgrade(url)  # again: nothing to do, nothing lost
    assert await on(url, every_row) == sorted_rows()


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_the_migrated_schema_is_what_the_tables_declare(dialect: str, tmp_path: Path) -> None:
    url = await empty_postgres() if dialect == "postgresql" else database_url(tmp_path / "b.db")
    await upgrade(url)
    assert await current(url) == HEAD
    assert await on(url, differences) == []
    # the baseline is exactly the schema before migrations; 0002 adds one indexed column,
    # 0008 the email channel's two columns of the outbox, 0009_ops the owners' away windows
    since = await on(url, lambda conn: differences_from(conn, BEFORE))
    assert sorted(_what(d) for d in since) == [
        "remove_column assignments.company_domain",
        "remove_column notifications.email_attempts",
        "remove_column notifications.email_status",
        "remove_column owners.away_from",
        "remove_column owners.away_set_by",
        "remove_column owners.away_until",
        "remove_index ix_assignments_company_domain",
    ]


def _what(diff: Any) -> str:
    if isinstance(diff, list):  # column changes come as a list of one tuple
        diff = diff[0]
    if diff[0] == "remove_index":
        return f"remove_index {diff[1].name}"
    return f"{diff[0]} {diff[2]}.{diff[3].name}"


def differences_from(conn: Connection, metadata: MetaData) -> list[Any]:
    """The migrated schema against the frozen one: the baseline's tables are exactly
    today's (tables later migrations add are not the baseline's concern)."""
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return [d for d in compare_metadata(context, metadata) if _table_of(d) in metadata.tables]


def _table_of(difference: Any) -> str | None:
    """The table an autogenerate difference concerns."""
    first = difference[0] if isinstance(difference, list) else difference
    for item in first[1:]:
        name = getattr(item, "name", None) if isinstance(item, Table) else None
        name = name or getattr(getattr(item, "table", None), "name", None)
        if name:
            return str(name)
    return str(first[2]) if len(first) > 2 and isinstance(first[2], str) else None


async def test_the_embedded_database_upgrades_itself_at_start(tmp_path: Path) -> None:
    url = await old_database("sqlite", tmp_path)
    database = await Database(url).init()
    try:
        assert await database.accounts.count() == len(ROWS["accounts"])
        assert [r.step for r in await database.roster.assignments_for("lead-1")] == [0, 1]
        assert await database.deliveries.count_by_status() == {"started": 1, "queued": 1}
    finally:
        await database.close()
    assert await current(url) == HEAD
    assert await on(url, every_row) == sorted_rows()


async def test_a_database_missing_a_newer_table_gets_it(tmp_path: Path) -> None:
    """An older database (create_all added tables, never columns) lacks dead_letters."""
    url = await old_database("sqlite", tmp_path)
    await on(url, lambda conn: BEFORE.tables["dead_letters"].drop(conn))
    await upgrade(url)
    assert await on(url, differences) == []
    kept = await on(url, every_row)
    assert kept == {**sorted_rows(), "dead_letters": []}


async def test_a_server_database_behind_the_code_refuses_to_start() -> None:
    url = await empty_postgres()
    database = Database(url)
    try:
        with pytest.raises(SchemaOutOfDate, match="lead-router db upgrade"):
            await database.init()
    finally:
        await database.close()
    await upgrade(url)
    upgraded = await Database(url).init()
    try:
        assert await upgraded.accounts.count() == 0
    finally:
        await upgraded.close()


def test_the_head_the_code_needs_is_the_newest_migration() -> None:
    assert ScriptDirectory(str(MIGRATIONS)).get_heads() == [HEAD]
