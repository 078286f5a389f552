"""The report's cache (SQLite and PostgreSQL): the same range asked again is answered
from memory, and every write of facts (a new lead, a later revision of one, a backfill)
makes the next answer count again, so it is the answer a fresh count gives."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from activities.database import Database
from activities.database.analytics import write_facts
from activities.database.tables import LeadFactRow
from tests.activities.test_analytics import T0, actioned, fact

SINCE, UNTIL = T0, T0 + timedelta(days=7)


async def demo_leads(database: Database) -> int:
    tallies = await database.analytics.tallies(SINCE, UNTIL, "team")
    return sum(counts["leads"] for counts in tallies.groups.values())


async def test_a_range_asked_again_is_counted_again_only_after_new_facts(
    database: Database,
) -> None:
    await database.analytics.record([fact(0), fact(1)])
    assert await demo_leads(database) == 2
    # behind the write path's back (no write counted): the cached answer stands
    sneak = update(LeadFactRow).where(LeadFactRow.lead_id == "lead-1").values(team="ent")  # type: ignore[arg-type]
    await database.transactions.write(lambda conn: conn.execute(sneak))
    assert (await database.analytics.tallies(SINCE, UNTIL, "team")).groups.keys() == {"mm"}

    # a new lead written as a handover writes it (outbox, roster): counted again
    await database.transactions.write(lambda conn: write_facts(conn, fact(2, team="smb")))
    tallies = await database.analytics.tallies(SINCE, UNTIL, "team")
    assert {g: c["leads"] for g, c in tallies.groups.items()} == {"mm": 1, "ent": 1, "smb": 1}


async def test_a_later_revision_of_a_lead_is_counted_at_once(database: Database) -> None:
    await database.analytics.record([fact(0), fact(1)])
    before = await database.analytics.tallies(SINCE, UNTIL, None)
    assert before.groups[""].get("actioned_first_touch") == 0
    await database.transactions.write(lambda conn: write_facts(conn, actioned(1, 4)))
    after = await database.analytics.tallies(SINCE, UNTIL, None)
    assert after.groups[""]["actioned_first_touch"] == 1 and after.groups[""]["leads"] == 2


async def test_round_robin_counts_follow_new_steps(database: Database) -> None:
    await database.analytics.record([fact(0)])
    assert await database.analytics.round_robin_counts(SINCE, UNTIL) == {"mm": {"a": 1}}
    await database.analytics.record([fact(1), fact(2)])  # a backfill's batch
    assert await database.analytics.round_robin_counts(SINCE, UNTIL) == {"mm": {"a": 3}}
