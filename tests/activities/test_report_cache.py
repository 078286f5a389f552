"""The report cache (SQLite and PostgreSQL): a range asked again is answered from memory
until facts of its days are written (a new lead, a later revision, a step, a backfill);
then it is counted again, so every answer is the one a fresh count gives."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from activities.database import Database
from activities.database.analytics import Analytics, write_facts
from activities.database.tables import LeadFactRow
from domain.analytics.facts import LeadFacts, StepFact
from tests.activities.test_analytics import T0, actioned, fact

SINCE, UNTIL = T0, T0 + timedelta(days=7)  # 2026-11-02 09:00 to 11-09 09:00
LATER = 24 * 10  # hours after T0: a lead submitted after the range
GROUPINGS = (None, "team", "day", "rule", "owner")


async def written(database: Database, *facts: LeadFacts) -> None:
    """As a handover writes them (the outbox, the roster): one transaction."""
    await database.transactions.write(lambda conn: [write_facts(conn, f) for f in facts])


async def teams(database: Database) -> dict[str, int]:
    tallies = await database.analytics.tallies(SINCE, UNTIL, "team")
    return {group: counts["leads"] for group, counts in tallies.groups.items()}


async def test_a_range_is_counted_again_only_after_facts_of_its_days_are_written(
    database: Database,
) -> None:
    await database.analytics.record([fact(0), fact(1), fact(30)])
    assert await teams(database) == {"mm": 3}
    # behind the write path's back (no write counted): the cached answer stands
    sneak = update(LeadFactRow).where(LeadFactRow.lead_id == "lead-1").values(team="ent")  # type: ignore[arg-type]
    await database.transactions.write(lambda conn: conn.execute(sneak))
    assert await teams(database) == {"mm": 3}
    # a lead after the range: the range's days are untouched, still from memory
    await written(database, fact(LATER, team="smb"))
    assert await teams(database) == {"mm": 3}
    # a lead in the range: counted again, as the table is now
    await written(database, fact(50, team="smb"))
    assert await teams(database) == {"mm": 2, "ent": 1, "smb": 1}


async def test_every_answer_is_a_fresh_count_as_facts_land(database: Database) -> None:
    escalated = StepFact(step=1, kind="escalation", at=T0 + timedelta(days=3), owner="b",
                         team="mm", method="round_robin", escalation_level=1)  # fmt: skip
    batches = [
        [fact(0), fact(20, owner="b", rule="other"), fact(LATER)],  # a backfill's batch
        [actioned(0, 3)],  # a later revision: the first action
        [fact(20, revision=4, escalations=1, escalation_level=1, steps=[escalated])],
        [fact(100, tier="enterprise")],
    ]
    ranges = ((SINCE, UNTIL), (SINCE, None), (None, None), (T0 + timedelta(days=2), UNTIL))
    for batch in [[], *batches]:
        await written(database, *batch)
        fresh = Analytics(database.transactions)  # an empty cache: counts everything
        for since, until in ranges:
            for by in GROUPINGS:
                cached = await database.analytics.tallies(since, until, by)
                assert cached == await fresh.tallies(since, until, by), (since, until, by)
            counts = await database.analytics.round_robin_counts(since, until)
            assert counts == await fresh.round_robin_counts(since, until), (since, until)
    steps = await database.analytics.round_robin_counts(T0 + timedelta(days=2), UNTIL)
    assert steps == {"mm": {"a": 1, "b": 1}}  # lead 100's first step, lead 20's escalation
