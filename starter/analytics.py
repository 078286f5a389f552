"""The routing report, for the CLI and the API alike: what the app database counted,
the fairness targets from the rules' weights, and the figures (`domain.analytics`)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from activities.database import Database
from domain.analytics.fairness import fairness
from domain.analytics.report import Figures, Report, Tallies, report
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
    return _report(tallies, counts, rules, since, until, by)


# The latest reports made, with what they were made of. The report cache hands back the
# same objects while nothing was written (`activities/database/report_cache.py`), so a
# report made of the very same counts (`is`) is the same report: the figures of a month
# by team (~40,000 histogram buckets to rank) are not worked out again on every view.
_MADE: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], Report]] = OrderedDict()


def _report(
    tallies: Tallies,
    counts: dict[str, dict[str, int]],
    rules: RoutingRules,
    since: datetime | None,
    until: datetime | None,
    by: str | None,
) -> Report:
    weights = weights_of(rules)
    key = (since, until, by)
    made_of = (tallies.groups, tallies.histograms, tallies.by_rule, counts,
               tallies.dead_letters, weights)  # fmt: skip
    found = _MADE.get(key)
    if found is not None and _same(found[0], made_of):
        _MADE.move_to_end(key)
        return found[1]
    made = report(tallies, fairness(counts, weights), since=since, until=until, group_by=by)
    _MADE[key] = (made_of, made)
    while len(_MADE) > 64:
        _MADE.popitem(last=False)
    return made


def _same(kept: tuple[Any, ...], now: tuple[Any, ...]) -> bool:
    """The same counts objects (`is`: the cache's own), dead letters and weights."""
    return all(a is b for a, b in zip(kept[:4], now[:4], strict=True)) and kept[4:] == now[4:]


@dataclass
class ChartInputs:
    """What the weekly-review charts draw: the report, by day and by team, and the
    distribution of owner -> first action (bucketed ms -> leads)."""

    report: Report
    by_day: Report
    by_team: Report
    first_action_histogram: dict[int, int]


async def chart_inputs(
    database: Database, rules: RoutingRules, since: datetime | None, until: datetime | None
) -> ChartInputs:
    tallies, counts, by_day, by_team = await asyncio.gather(
        database.analytics.tallies(since, until, None),
        database.analytics.round_robin_counts(since, until),
        routing_report(database, rules, since, until, "day"),
        routing_report(database, rules, since, until, "team"),
    )
    total = _report(tallies, counts, rules, since, until, None)
    histogram = tallies.histograms.get("", {}).get("time_to_first_action", {})
    return ChartInputs(total, by_day, by_team, histogram)


def flat(figures: Figures) -> dict[str, Any]:
    """One CSV row: nested figures as `actioned.first_touch`, `time_to_assign_s.p50`."""
    row: dict[str, Any] = {}
    for key, value in figures.model_dump().items():
        if isinstance(value, dict):
            row.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            row[key] = value
    return row


def report_csv(result: Report) -> str:
    """The report as `lead-router report --csv` writes it: one row per group, or one."""
    rows = [flat(g) for g in result.by] or [flat(Figures(**result.model_dump()))]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
