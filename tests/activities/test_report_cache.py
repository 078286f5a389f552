"""The report cache (SQLite and PostgreSQL): a range asked again is answered from memory
until facts of its days are written (a new lead, a later revision, a step, a backfill);
then it is counted again, so every answer is the one a fresh count gives."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from activities.database import Database
from activities.database.analytics import Analytics, settled_before, write_facts
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


def at_hour(hours: int) -> Callable[[], datetime]:
    return lambda: T0 + timedelta(hours=hours)


async def test_counted_in_settled_and_recent_parts_the_answer_is_the_whole_count(
    database: Database,
) -> None:
    await database.analytics.record(
        [fact(h, team=team, rule=rule) for h in range(0, 24 * 9, 7)
         for team, rule in (("mm", "mid-market"), ("ent", "enterprise")) if h % 2 or team == "mm"]
        + [actioned(5, 3), actioned(24 * 4 + 1, 40, team="ent")]
    )  # fmt: skip
    whole = Analytics(database.transactions, now=at_hour(-24 * 30))  # the cut before every fact
    ranges = ((SINCE, UNTIL), (SINCE, None), (None, None), (T0 + timedelta(days=2), UNTIL))
    for hours in (24 * 2 + 3, 24 * 5, 24 * 8 + 20):  # cuts inside the facts' days
        split = Analytics(database.transactions, now=at_hour(hours))
        for since, until in ranges:
            for by in GROUPINGS:
                assert await split.tallies(since, until, by) == await whole.tallies(
                    since, until, by
                ), (hours, since, until, by)


async def test_a_new_lead_counts_the_recent_days_again_not_the_settled_ones(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await database.analytics.record([fact(h) for h in range(0, 24 * 6, 5)])
    analytics = Analytics(database.transactions, now=at_hour(24 * 6))  # recent: days 5 and 6
    counted: list[tuple[datetime | None, datetime | None]] = []
    count = analytics._count

    async def spy(since: datetime | None, until: datetime | None, *args: Any, **kw: Any) -> Any:
        counted.append((since, until))
        return await count(since, until, *args, **kw)

    monkeypatch.setattr(analytics, "_count", spy)
    cut = settled_before(T0 + timedelta(hours=24 * 6))
    first = SINCE.replace(hour=0) + timedelta(days=1)  # the range's first whole day
    first_view = await analytics.tallies(SINCE, None, "team")
    # the whole days before the recent ones, the recent ones, the part of the first day
    assert sorted(counted) == sorted([(first, cut), (cut, None), (SINCE, first)])
    del counted[:]
    await written(database, fact(24 * 6 + 1, team="smb"))  # lands on the recent days
    second = await analytics.tallies(SINCE, None, "team")
    assert sorted(counted) == sorted([(cut, None), (SINCE, first)])  # not the whole days
    assert second.groups["smb"]["leads"] == 1
    assert second.groups["mm"] == first_view.groups["mm"]
    del counted[:]
    await written(database, actioned(24 * 2, 3))  # an old lead changes: its day is counted again
    await analytics.tallies(SINCE, None, "team")
    assert (first, cut) in counted
