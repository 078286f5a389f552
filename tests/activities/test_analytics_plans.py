"""The report's queries on SQLite read the covering indexes in GROUP BY order: no sort of
a million rows (bench/analytics.py measures the time), and grouped or not, the same
figures."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from activities.database import Database
from activities.database.report_queries import (
    F,
    counts_statement,
    narrowed,
    round_robin_statement,
    window,
)
from domain.analytics.groupings import GROUPINGS
from domain.analytics.report import report
from tests.activities.test_analytics import T0, actioned, fact


def plan(path: Path, statement: Any) -> list[str]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
            return [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    finally:
        engine.dispose()


@pytest.mark.parametrize("by", [None, "rule", "team"])
async def test_the_counts_stream_through_their_covering_index(
    tmp_path: Path, by: str | None
) -> None:
    """The whole table (`report`, `report --by team`); a window (`--since 7d`) may take
    the submitted_at index instead, and sort its few rows."""
    path = tmp_path / "app.db"
    await (await Database(path).init()).close()  # migrated: the indexes as released
    steps = plan(path, counts_statement([], by))
    assert steps == ["SCAN lead_facts USING COVERING INDEX ix_lead_facts_counts"], steps


async def test_a_few_days_are_found_by_their_index_not_by_a_scan(tmp_path: Path) -> None:
    """The recent days of a report (`Analytics._settled_and_recent`): looked up through
    the submitted_at index, whatever the table's size."""
    path = tmp_path / "app.db"
    await (await Database(path).init()).close()
    recent = narrowed(window(F.submitted_at, T0, T0 + timedelta(days=2)))
    steps = plan(path, counts_statement(recent, "team"))
    assert not any(s.startswith("SCAN") for s in steps), steps
    assert any("USING COVERING INDEX ix_lead_facts_submitted_at" in s for s in steps), steps


@pytest.mark.parametrize("windowed", [False, True])
async def test_the_fairness_counts_stream_through_their_index(
    tmp_path: Path, windowed: bool
) -> None:
    path = tmp_path / "app.db"
    await (await Database(path).init()).close()
    window = (T0, T0 + timedelta(days=7)) if windowed else (None, None)
    steps = plan(path, round_robin_statement(*window))
    assert not any("TEMP B-TREE" in s for s in steps), steps
    assert all("COVERING INDEX ix_lead_steps_fairness" in s for s in steps), steps


async def test_every_grouping_adds_up_to_the_total_with_empty_groups(database: Database) -> None:
    """A lead without a rule, team or tier counts in the group "" of each grouping, and
    every grouping's rows add up to the ungrouped report."""
    await database.analytics.record([
        actioned(0, 2), actioned(1, 30, team="ent", tier="enterprise", rule="ent"),
        fact(2, rule=None, team=None, tier=None, owner=None, assigned_at=None,
             time_to_assign_ms=None, status="unowned_review", escalation_level=4, steps=[]),
        fact(3, rule="", team="", tier=""),  # "" and NULL are one group
    ])  # fmt: skip
    total = report(await database.analytics.tallies(None, None, None), [],
                   since=None, until=None, group_by=None)  # fmt: skip
    assert total.leads == 4 and total.unowned == 1
    assert [(r.rule, r.leads) for r in total.outcomes_by_rule] == [
        (None, 2), ("ent", 1), ("mid-market", 1),
    ]  # fmt: skip
    for by in GROUPINGS:
        grouped = report(await database.analytics.tallies(None, None, by), [],
                         since=None, until=None, group_by=by)  # fmt: skip
        assert grouped.model_dump(exclude={"by", "group_by"}) == total.model_dump(
            exclude={"by", "group_by"}
        ), by
        assert sum(g.leads for g in grouped.by) == 4, by
        if by in ("rule", "team", "tier"):
            empty = next(g for g in grouped.by if g.group == "")
            assert (empty.leads, empty.unowned, empty.time_to_assign_s.max) == (2, 1, 1.0), by
