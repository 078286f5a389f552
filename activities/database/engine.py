"""How a transaction runs on the app database, per dialect.

SQLite by default (WAL, writes under BEGIN IMMEDIATE so concurrent workers serialize,
reads under a plain BEGIN so they never wait); any SQLAlchemy async URL works. On SQLite
each transaction runs whole in a thread on the standard sqlite3 driver (see
Transactions.__init__). The hot paths (intake, enrichment, assignment, notification) use
few statements, built once: each costs SQLAlchemy's execution overhead.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel, select

_READ_ONLY = "lead_router_read_only"
T = TypeVar("T")
M = TypeVar("M", bound=SQLModel)


def database_url(value: str | Path) -> str:
    """A SQLAlchemy URL from a URL or a plain file path."""
    text = str(value)
    if "://" in text:
        return text
    return f"sqlite+aiosqlite:///{Path(text).expanduser()}"


def sqlite_setup(engine: Engine, busy_timeout_ms: int = 15000) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")  # first: the next may wait
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # writers take the write lock up front; readers never wait for it (WAL)
        read = conn.get_execution_options().get(_READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def _in_transaction(engine: Engine, work: Callable[[Connection], T]) -> T:
    with engine.begin() as conn:
        return work(conn)


class Transactions:
    """The app database's engines, and the one right way to run each kind of transaction
    on them: every repository runs its work through `write`, `read` or `lookup`."""

    def __init__(self, url: str | Path) -> None:
        self.url = database_url(url)
        if self.url.startswith("sqlite"):
            path = self.url.split(":///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(self.url)
        # the same pool, for transactions that only read
        self.reader = self.engine.execution_options(**{_READ_ONLY: True})
        self._sync: Engine | None = None
        self._sync_reader: Engine | None = None
        self._lookups: Engine | None = None
        if self.engine.dialect.name == "sqlite":
            sqlite_setup(self.engine.sync_engine)
            if not self.url.endswith(":memory:"):
                # The hot paths run each transaction whole, in a thread, on the plain
                # sqlite3 driver: the write lock is held only while its statements run,
                # never across event-loop turns (with aiosqlite every statement is a
                # round trip through the loop, and a busy loop held the lock for all of
                # them while the other process backed off in SQLite's busy handler).
                sync_url = self.url.replace("+aiosqlite", "")  # the standard sqlite3 driver
                self._sync = create_engine(
                    sync_url,
                    connect_args={"check_same_thread": False},
                )
                sqlite_setup(self._sync)
                self._sync_reader = self._sync.execution_options(**{_READ_ONLY: True})
                # point reads on the event loop itself (see `lookup`): one connection,
                # only ever used from the loop's thread, that never waits for a lock
                self._lookups = create_engine(
                    sync_url,
                    connect_args={"check_same_thread": False, "timeout": 0},
                    poolclass=StaticPool,
                ).execution_options(**{_READ_ONLY: True})
                sqlite_setup(self._lookups.engine, busy_timeout_ms=0)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def write(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one write transaction."""
        if self._sync is not None:
            return await asyncio.to_thread(_in_transaction, self._sync, work)
        async with self.engine.begin() as conn:
            return await conn.run_sync(work)

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one transaction that only reads (never waits for writers)."""
        if self._sync_reader is not None:
            return await asyncio.to_thread(_in_transaction, self._sync_reader, work)
        async with self.reader.connect() as conn:
            return await conn.run_sync(work)

    async def lookup(self, work: Callable[[Connection], T]) -> T:
        """A point read by index, on the event loop: in WAL mode a read does not wait for
        writers, and under load the hop to a thread and back cost several times the read
        (~0.05 ms). Should SQLite answer busy all the same (recovering after a crash), the
        read waits in a thread as any other."""
        if self._lookups is not None:
            try:
                return _in_transaction(self._lookups, work)
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
        return await self.read(work)

    async def rows_of_lead(self, model: type[M], lead_id: str, order_by: Any) -> list[M]:
        """Every row of `model` for one lead, in order: an inspection read (the CLI, the
        tests), on the async engine."""
        statement = select(model).where(model.lead_id == lead_id).order_by(order_by)  # type: ignore[attr-defined]
        async with self.engine.connect() as conn:
            found = (await conn.execute(statement)).all()
        return [model.model_validate(r._mapping) for r in found]

    async def close(self) -> None:
        await self.engine.dispose()
        for engine in (self._sync, self._lookups):
            if engine is not None:
                engine.engine.dispose()


def insert_new(conn: Connection, model: type[SQLModel]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in this database's dialect, returning the new
    row's primary key (no row: nothing was inserted). Built once per dialect and run
    with the row as parameters: values built into the statement cost more than the
    insert itself."""
    return _insert_new_statement(conn.dialect.name, model)


@functools.cache
def _insert_new_statement(dialect: str, model: type[SQLModel]) -> Any:
    table = model.__table__  # type: ignore[attr-defined]
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)
