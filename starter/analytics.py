"""The routing report, for the CLI and the API alike: what the app database counted,
the fairness targets from the rules' weights, and the figures (`domain.analytics`)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from activities.database import Database
from domain.analytics.fairness import fairness
from domain.analytics.report import Report, report
from domain.rules import RoutingRules


def weights_of(rules: RoutingRules) -> dict[str, dict[str, float]]:
    """Each team's active members' round-robin weights."""
    return {
        team.id: {m.id: float(m.weight) for m in team.members if m.active} for team in rules.teams
    }


async def routing_report(
    database: Database,
    rules: RoutingRules,
    since: datetime | None,
    until: datetime | None,
    by: str | None,
) -> Report:
    tallies, counts = await asyncio.gather(
        database.analytics.tallies(since, until, by),
        database.analytics.round_robin_counts(since, until),
    )
    return report(
        tallies, fairness(counts, weights_of(rules)), since=since, until=until, group_by=by
    )
