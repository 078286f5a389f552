"""The app database on a real SQLite file, and on a real PostgreSQL when one is configured
(LEAD_ROUTER_TEST_POSTGRES_URL; `make test` starts one where it can; CI always sets it)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from activities.database import Database
from activities.database.migrate import upgrade

DIALECTS = ["sqlite", "postgresql"]


def postgres_url() -> str:
    url = os.environ.get("LEAD_ROUTER_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL: LEAD_ROUTER_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL here: set LEAD_ROUTER_TEST_POSTGRES_URL to test it")
    return url


async def empty_postgres() -> str:
    """The test PostgreSQL without the app's tables (nor Alembic's)."""
    url = postgres_url()
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for table in [*SQLModel.metadata.tables, "alembic_version"]:
                await conn.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    finally:
        await engine.dispose()
    return url


@pytest.fixture(params=DIALECTS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        opened = await Database(tmp_path / "app" / "lead-router.db").init()
    else:
        url = await empty_postgres()
        await upgrade(url)  # a server database is upgraded by the migrate job, not at start
        opened = await Database(url).init()
    try:
        yield opened
    finally:
        await opened.close()
