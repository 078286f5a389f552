"""The app database on a real SQLite file, and on a real PostgreSQL when one is configured
(LEAD_ROUTER_TEST_POSTGRES_URL; `make test` starts one where it can): idempotent
assignment, exact counts, accounts."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from activities.store import Store
from domain.models import Account, RoutingPlan
from domain.rules import RoutingRules

TEAM = "sdr-pool"  # maya.lindqvist (weight 2), noah.fischer (1), olga.lindqvist (1); cap 60


def plan_for(team: str = TEAM, owner: str | None = None) -> RoutingPlan:
    return RoutingPlan(
        rules_version="test", rule_ids=["test"], team=team, preferred_owner=owner,
        owner_method="account_owner" if owner else None, sla_seconds=900, reasons=[],
    )  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        opened = await Store(tmp_path / "app" / "lead-router.db").init()
    else:
        opened = await fresh_postgres_store()
    try:
        yield opened
    finally:
        await opened.close()


async def fresh_postgres_store() -> Store:
    url = os.environ.get("LEAD_ROUTER_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL: LEAD_ROUTER_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL here: set LEAD_ROUTER_TEST_POSTGRES_URL to test it")
    store = Store(url)
    async with store.engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
    return await store.init()


async def open_leads(store: Store) -> dict[str, int]:
    state = await store.load_state()
    return {owner: s.open_leads for owner, s in state.owners.items() if s.open_leads}


async def test_the_database_file_is_created_on_disk(tmp_path: Path) -> None:
    store = await Store(tmp_path / "app" / "lead-router.db").init()
    try:
        assert (tmp_path / "app" / "lead-router.db").is_file()
        assert await store.count_accounts() == 0
    finally:
        await store.close()


async def test_assigning_the_same_step_twice_returns_the_same_owner(
    store: Store, rules: RoutingRules
) -> None:
    first = await store.assign("lead-1", 0, plan_for(), rules)
    again = await store.assign("lead-1", 0, plan_for(), rules)
    assert first.owner is not None
    assert again == first
    assert await open_leads(store) == {first.owner: 1}
    assert len(await store.assignments_for("lead-1")) == 1


async def test_a_retry_does_not_advance_the_round_robin(store: Store, rules: RoutingRules) -> None:
    first = await store.assign("lead-1", 0, plan_for(), rules)
    await store.assign("lead-1", 0, plan_for(), rules)
    second = await store.assign("lead-2", 0, plan_for(), rules)
    assert (first.owner, second.owner) == ("maya.lindqvist", "noah.fischer")


async def test_a_new_step_is_a_new_assignment(store: Store, rules: RoutingRules) -> None:
    first = await store.assign("lead-1", 0, plan_for(), rules)
    assert first.owner is not None
    second = await store.assign("lead-1", 1, plan_for(), rules, exclude={first.owner})
    assert second.owner not in (None, first.owner)
    assert [row.step for row in await store.assignments_for("lead-1")] == [0, 1]


async def test_concurrent_assignments_keep_counts_exact(store: Store, rules: RoutingRules) -> None:
    results = await asyncio.gather(
        *(store.assign(f"lead-{i}", 0, plan_for(), rules) for i in range(50))
    )
    owners = Counter(r.owner for r in results)
    assert None not in owners
    assert sum(owners.values()) == 50
    assert await open_leads(store) == dict(owners)
    # Serialized round-robin at weights 2/1/1 gives 25/13/12 or 25/12/13, never a lost update.
    assert owners["maya.lindqvist"] == 25
    assert sorted([owners["noah.fischer"], owners["olga.lindqvist"]]) == [12, 13]


async def test_concurrent_retries_of_one_step_assign_once(
    store: Store, rules: RoutingRules
) -> None:
    results = await asyncio.gather(
        *(store.assign("lead-1", 0, plan_for(), rules) for _ in range(20))
    )
    assert len({r.owner for r in results}) == 1
    assert sum((await open_leads(store)).values()) == 1


async def test_release_drops_the_count_once(store: Store, rules: RoutingRules) -> None:
    result = await store.assign("lead-1", 0, plan_for(), rules)
    assert result.owner is not None
    assert await store.release("lead-1", 0) is True
    assert await store.release("lead-1", 0) is False
    state = await store.load_state()
    assert state.owners[result.owner].open_leads == 0


async def test_release_keeps_other_leads_counted(store: Store, rules: RoutingRules) -> None:
    plan = plan_for("mm-us-east", owner="gita.berg")
    for lead in ("lead-1", "lead-2", "lead-3"):
        await store.assign(lead, 0, plan, rules)
    await asyncio.gather(store.release("lead-2", 0), store.release("lead-2", 0))
    assert await open_leads(store) == {"gita.berg": 2}


async def test_release_of_an_unknown_step_changes_nothing(store: Store) -> None:
    assert await store.release("never-assigned", 0) is False


async def test_set_away_makes_round_robin_skip(store: Store, rules: RoutingRules) -> None:
    await store.set_away("maya.lindqvist", True)
    assert (await store.load_state()).owners["maya.lindqvist"].away is True
    owners = {(await store.assign(f"lead-{i}", 0, plan_for(), rules)).owner for i in range(6)}
    assert owners == {"noah.fischer", "olga.lindqvist"}
    await store.set_away("maya.lindqvist", False)
    back = {(await store.assign(f"back-{i}", 0, plan_for(), rules)).owner for i in range(4)}
    assert "maya.lindqvist" in back


async def test_an_away_preferred_owner_is_replaced(store: Store, rules: RoutingRules) -> None:
    await store.set_away("gita.berg", True)
    result = await store.assign("lead-1", 0, plan_for("mm-us-east", owner="gita.berg"), rules)
    assert result.owner in {"felix.alvarez", "hana.schmidt"}
    assert result.method == "round_robin"


HOOLI = Account(domain="hooli.com", name="Hooli  Inc", owner_id="wen.fischer", named_account=True)
ACME = Account(domain="acme.com", name="Acme", owner_id="gita.berg", is_customer=True)


async def test_find_accounts_by_domain(store: Store) -> None:
    await store.upsert_accounts([HOOLI, ACME])
    assert await store.count_accounts() == 2
    by_domain, by_name = await store.find_accounts("acme.com", "Whatever Co")
    assert by_domain == ACME
    assert by_name is None


@pytest.mark.parametrize("typed", ["Hooli Inc", "hooli inc", "  HOOLI   INC "])
async def test_find_a_named_account_by_company_name(store: Store, typed: str) -> None:
    await store.upsert_accounts([HOOLI, ACME])
    by_domain, by_name = await store.find_accounts("gmail.com", typed)
    assert by_domain is None
    assert by_name == HOOLI


async def test_an_account_that_is_not_named_is_not_found_by_name(store: Store) -> None:
    await store.upsert_accounts([ACME])
    assert await store.find_accounts(None, "acme") == (None, None)
    assert await store.find_accounts("other.com", "Acme") == (None, None)


async def test_an_account_lookup_never_blocks_the_event_loop_on_a_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lookups run on the loop and never wait there: a database locked exclusively by
    another process makes the lookup wait in a thread, while the loop runs on."""
    path = tmp_path / "lead-router.db"
    store = await Store(path).init()
    try:
        await store.upsert_accounts([ACME])
        with monkeypatch.context() as no_threads:
            no_threads.setattr(asyncio, "to_thread", None)  # a lookup runs on the loop
            assert (await store.find_accounts("acme.com", None))[0] == ACME
        await store.close()  # its connections reopen on demand; the holder needs none open
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
        lookup = asyncio.create_task(store.find_accounts("acme.com", None))
        await asyncio.sleep(0.3)
        assert not lookup.done()
        holder.execute("COMMIT")
        holder.close()
        by_domain, _ = await asyncio.wait_for(lookup, 15)
        ticker.cancel()
        assert by_domain is not None and by_domain.name == "Acme Corp"
        assert ticks >= 10  # the loop kept running while the lookup waited
    finally:
        await store.close()


async def test_upsert_updates_an_existing_account(store: Store) -> None:
    await store.upsert_accounts([HOOLI, ACME])
    moved = ACME.model_copy(update={"owner_id": "felix.alvarez", "is_customer": False})
    await store.upsert_accounts([moved])
    assert await store.count_accounts() == 2
    assert (await store.find_accounts("acme.com", None))[0] == moved


async def test_upsert_of_a_batch_that_repeats_a_domain_keeps_the_last_row(store: Store) -> None:
    later = ACME.model_copy(update={"owner_id": "felix.alvarez"})
    await store.upsert_accounts([ACME, later])
    assert await store.count_accounts() == 1
    assert (await store.find_accounts("acme.com", None))[0] == later


async def test_state_survives_reopening_the_file(tmp_path: Path, rules: RoutingRules) -> None:
    path = tmp_path / "lead-router.db"
    first = await Store(path).init()
    try:
        result = await first.assign("lead-1", 0, plan_for(), rules)
        await first.set_away("olga.lindqvist", True)
    finally:
        await first.close()
    reopened = await Store(path).init()
    try:
        state = await reopened.load_state()
        assert result.owner is not None
        assert state.owners[result.owner].open_leads == 1
        assert state.owners["olga.lindqvist"].away is True
        assert await reopened.assign("lead-1", 0, plan_for(), rules) == result
    finally:
        await reopened.close()


async def test_twenty_identical_deliveries_at_once_claim_exactly_once(store: Store) -> None:
    from activities.store import DeliveryRow

    rows = [
        DeliveryRow(key="forms:id:abc", source="forms", lead_id="lead-1", submission_id=f"s{i}",
                    lead_json="{}")
        for i in range(20)
    ]  # fmt: skip
    claims = await asyncio.gather(*(store.claim_delivery(row, None) for row in rows))
    fresh = [c for c in claims if c is None]
    assert len(fresh) == 1
    winners = {c.submission_id for c in claims if c is not None}
    assert len(winners) == 1  # every twin is answered with the one recorded delivery
    assert (await store.count_deliveries()) == {"accepted": 1}
