"""The accounts repository on SQLite and PostgreSQL: upsert, lookup by domain and by a
named account's company name, and lookups that never block the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from activities.database import Database
from domain.models import Account

HOOLI = Account(domain="hooli.com", name="Hooli  Inc", owner_id="wen.fischer", named_account=True)


ACME = Account(domain="acme.com", name="Acme", owner_id="gita.berg", is_customer=True)


async def test_the_database_file_is_created_on_disk(tmp_path: Path) -> None:
    database = await Database(tmp_path / "app" / "lead-router.db").init()
    try:
        assert (tmp_path / "app" / "lead-router.db").is_file()
        assert await database.accounts.count() == 0
    finally:
        await database.close()


async def test_find_accounts_by_domain(database: Database) -> None:
    await database.accounts.upsert([HOOLI, ACME])
    assert await database.accounts.count() == 2
    by_domain, by_name = await database.accounts.find("acme.com", "Whatever Co")
    assert by_domain == ACME
    assert by_name is None


@pytest.mark.parametrize("typed", ["Hooli Inc", "hooli inc", "  HOOLI   INC "])
async def test_find_a_named_account_by_company_name(database: Database, typed: str) -> None:
    await database.accounts.upsert([HOOLI, ACME])
    by_domain, by_name = await database.accounts.find("gmail.com", typed)
    assert by_domain is None
    assert by_name == HOOLI


async def test_an_account_that_is_not_named_is_not_found_by_name(database: Database) -> None:
    await database.accounts.upsert([ACME])
    assert await database.accounts.find(None, "acme") == (None, None)
    assert await database.accounts.find("other.com", "Acme") == (None, None)


async def test_an_account_lookup_never_blocks_the_event_loop_on_a_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lookups run on the loop and never wait there: a database locked exclusively by
    another process makes the lookup wait in a thread, while the loop runs on."""
    path = tmp_path / "lead-router.db"
    database = await Database(path).init()
    try:
        await database.accounts.upsert([ACME])
        with monkeypatch.context() as no_threads:
            no_threads.setattr(asyncio, "to_thread", None)  # a lookup runs on the loop
            assert (await database.accounts.find("acme.com", None))[0] == ACME
        await database.close()  # its connections reopen on demand; the holder needs none open
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE accounts SET name = 'Acme Corp'")  # the write takes the lock
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        lookup = asyncio.create_task(database.accounts.find("acme.com", None))
        await asyncio.sleep(0.3)
        assert not lookup.done()
        holder.execute("COMMIT")
        holder.close()
        by_domain, _ = await asyncio.wait_for(lookup, 15)
        ticker.cancel()
        assert by_domain is not None and by_domain.name == "Acme Corp"
        assert ticks >= 10  # the loop kept running while the lookup waited
    finally:
        await database.close()


async def test_upsert_updates_an_existing_account(database: Database) -> None:
    await database.accounts.upsert([HOOLI, ACME])
    moved = ACME.model_copy(update={"owner_id": "felix.alvarez", "is_customer": False})
    await database.accounts.upsert([moved])
    assert await database.accounts.count() == 2
    assert (await database.accounts.find("acme.com", None))[0] == moved


async def test_upsert_of_a_batch_that_repeats_a_domain_keeps_the_last_row(
    database: Database,
) -> None:
    later = ACME.model_copy(update={"owner_id": "felix.alvarez"})
    await database.accounts.upsert([ACME, later])
    assert await database.accounts.count() == 1
    assert (await database.accounts.find("acme.com", None))[0] == later
