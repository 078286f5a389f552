"""The roster repository on SQLite and PostgreSQL: idempotent assignment per lead and
step, exact counts under concurrency, release once, availability."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from activities.database import Database
from domain.models import Assignment
from domain.rules import RoutingRules
from tests.helpers import plan_for


async def open_leads(database: Database) -> dict[str, int]:
    state = await database.roster.load_state()
    return {owner: s.open_leads for owner, s in state.owners.items() if s.open_leads}


async def test_assigning_the_same_step_twice_returns_the_same_owner(
    database: Database, rules: RoutingRules
) -> None:
    first = await database.roster.assign("lead-1", 0, plan_for(), rules)
    again = await database.roster.assign("lead-1", 0, plan_for(), rules)
    assert first.owner is not None
    assert again == first
    assert await open_leads(database) == {first.owner: 1}
    assert len(await database.roster.assignments_for("lead-1")) == 1


async def test_a_retry_does_not_advance_the_round_robin(
    database: Database, rules: RoutingRules
) -> None:
    first = await database.roster.assign("lead-1", 0, plan_for(), rules)
    await database.roster.assign("lead-1", 0, plan_for(), rules)
    second = await database.roster.assign("lead-2", 0, plan_for(), rules)
    assert (first.owner, second.owner) == ("maya.lindqvist", "noah.fischer")


async def test_a_new_step_is_a_new_assignment(database: Database, rules: RoutingRules) -> None:
    first = await database.roster.assign("lead-1", 0, plan_for(), rules)
    assert first.owner is not None
    second = await database.roster.assign("lead-1", 1, plan_for(), rules, exclude={first.owner})
    assert second.owner not in (None, first.owner)
    assert [row.step for row in await database.roster.assignments_for("lead-1")] == [0, 1]


async def test_concurrent_assignments_keep_counts_exact(
    database: Database, rules: RoutingRules
) -> None:
    results = await asyncio.gather(
        *(database.roster.assign(f"lead-{i}", 0, plan_for(), rules) for i in range(50))
    )
    owners = Counter(r.owner for r in results)
    assert None not in owners
    assert sum(owners.values()) == 50
    assert await open_leads(database) == dict(owners)
    # Serialized round-robin at weights 2/1/1 gives 25/13/12 or 25/12/13, never a lost update.
    assert owners["maya.lindqvist"] == 25
    assert sorted([owners["noah.fischer"], owners["olga.lindqvist"]]) == [12, 13]


async def test_concurrent_retries_of_one_step_assign_once(
    database: Database, rules: RoutingRules
) -> None:
    results = await asyncio.gather(
        *(database.roster.assign("lead-1", 0, plan_for(), rules) for _ in range(20))
    )
    assert len({r.owner for r in results}) == 1
    assert sum((await open_leads(database)).values()) == 1


async def test_release_drops_the_count_once(database: Database, rules: RoutingRules) -> None:
    result = await database.roster.assign("lead-1", 0, plan_for(), rules)
    assert result.owner is not None
    assert await database.roster.release("lead-1", 0) is True
    assert await database.roster.release("lead-1", 0) is False
    state = await database.roster.load_state()
    assert state.owners[result.owner].open_leads == 0


async def test_release_keeps_other_leads_counted(database: Database, rules: RoutingRules) -> None:
    plan = plan_for("mm-us-east", owner="gita.berg")
    for lead in ("lead-1", "lead-2", "lead-3"):
        await database.roster.assign(lead, 0, plan, rules)
    await asyncio.gather(database.roster.release("lead-2", 0), database.roster.release("lead-2", 0))
    assert await open_leads(database) == {"gita.berg": 2}


async def test_release_of_an_unknown_step_changes_nothing(database: Database) -> None:
    assert await database.roster.release("never-assigned", 0) is False


async def test_set_away_makes_round_robin_skip(database: Database, rules: RoutingRules) -> None:
    await database.roster.set_away("maya.lindqvist", True)
    assert (await database.roster.load_state()).owners["maya.lindqvist"].away is True
    owners = {
        (await database.roster.assign(f"lead-{i}", 0, plan_for(), rules)).owner for i in range(6)
    }
    assert owners == {"noah.fischer", "olga.lindqvist"}
    await database.roster.set_away("maya.lindqvist", False)
    back = {
        (await database.roster.assign(f"back-{i}", 0, plan_for(), rules)).owner for i in range(4)
    }
    assert "maya.lindqvist" in back


async def test_an_away_window_starts_and_ends_by_itself(
    database: Database, rules: RoutingRules
) -> None:
    now = datetime.now(UTC)
    hour = timedelta(hours=1)
    windows = {"maya.lindqvist": (now + hour, now + 2 * hour),  # not yet
               "noah.fischer": (now - 2 * hour, now - hour),  # over: back by itself
               "olga.lindqvist": (now - hour, now + hour)}  # fmt: skip
    for owner, (start, until) in windows.items():
        await database.roster.set_away(owner, True, start=start, until=until, by="ops.lead")
    away = {o: s.away for o, s in (await database.roster.load_state()).owners.items()}
    assert away == {"maya.lindqvist": False, "noah.fischer": False, "olga.lindqvist": True}
    owners = {
        (await database.roster.assign(f"lead-{i}", 0, plan_for(), rules)).owner for i in range(6)
    }
    assert owners == {"maya.lindqvist", "noah.fischer"}
    # the assignments wrote the load back, never the availability: the windows hold
    away = {o: s.away for o, s in (await database.roster.load_state()).owners.items()}
    assert away == {"maya.lindqvist": False, "noah.fischer": False, "olga.lindqvist": True}
    await database.roster.set_away("olga.lindqvist", False)
    assert not (await database.roster.load_state()).owners["olga.lindqvist"].away


async def test_an_away_preferred_owner_is_replaced(database: Database, rules: RoutingRules) -> None:
    await database.roster.set_away("gita.berg", True)
    result = await database.roster.assign(
        "lead-1", 0, plan_for("mm-us-east", owner="gita.berg"), rules
    )
    assert result.owner in {"felix.alvarez", "hana.schmidt"}
    assert result.method == "round_robin"


async def test_state_survives_reopening_the_file(tmp_path: Path, rules: RoutingRules) -> None:
    path = tmp_path / "lead-router.db"
    first = await Database(path).init()
    try:
        result = await first.roster.assign("lead-1", 0, plan_for(), rules)
        await first.roster.set_away("olga.lindqvist", True)
    finally:
        await first.close()
    reopened = await Database(path).init()
    try:
        state = await reopened.roster.load_state()
        assert result.owner is not None
        assert state.owners[result.owner].open_leads == 1
        assert state.owners["olga.lindqvist"].away is True
        assert await reopened.roster.assign("lead-1", 0, plan_for(), rules) == result
    finally:
        await reopened.close()


async def test_two_leads_of_one_company_at_once_end_with_one_owner(
    database: Database, rules: RoutingRules
) -> None:
    """owner: domain_owner, decided inside the roster's write transaction."""
    same_company = plan_for().model_copy(
        update={"owner_method": "domain_owner", "company_domain": "acme.com"}
    )
    results = await asyncio.gather(
        *(database.roster.assign(f"lead-{i}", 0, same_company, rules) for i in range(6))
    )
    assert len({r.owner for r in results}) == 1, results
    assert sorted(r.method for r in results) == ["domain_owner"] * 5 + ["round_robin"]
    kept = next(r for r in results if r.method == "domain_owner")
    assert f"kept with {results[0].owner}" in kept.reasons[0]
    # another company, or a plan without domain_owner, round-robins as before
    other = await database.roster.assign(
        "lead-x", 0, same_company.model_copy(update={"company_domain": "globex.com"}), rules
    )
    assert other.method == "round_robin"


async def test_an_away_company_owner_is_not_kept(database: Database, rules: RoutingRules) -> None:
    same_company = plan_for().model_copy(
        update={"owner_method": "domain_owner", "company_domain": "acme.com"}
    )
    first = await database.roster.assign("lead-1", 0, same_company, rules)
    assert first.owner is not None
    await database.roster.set_away(first.owner, True)
    second = await database.roster.assign("lead-2", 0, same_company, rules)
    assert second.owner != first.owner and second.method == "round_robin"


async def test_a_manual_reassign_is_the_company_owner_for_the_next_lead(
    database: Database, rules: RoutingRules
) -> None:
    """A manager's choice is remembered with the company domain, as a routed owner is."""
    same_company = plan_for().model_copy(
        update={"owner_method": "domain_owner", "company_domain": "acme.com"}
    )
    first = await database.roster.assign("lead-1", 0, same_company, rules)
    chosen = "olga.lindqvist" if first.owner != "olga.lindqvist" else "noah.fischer"
    await database.roster.release("lead-1", 0)
    manual = Assignment(owner=chosen, team="sdr-pool", method="manual")
    await database.roster.record_manual("lead-1", 1, manual, "acme.com")
    second = await database.roster.assign("lead-2", 0, same_company, rules)
    assert (second.owner, second.method) == (chosen, "domain_owner")
    assert f"Same company as lead-1 (acme.com): kept with {chosen}" in second.reasons[0]
