"""The analytics page, its CSV and its charts: `lead-router report` for a date range and
a grouping, as cards, tables and the weekly-review charts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from domain.analytics.groupings import GROUPINGS
from domain.analytics.window import window
from starter.analytics import chart_inputs, report_csv, routing_report
from starter.api.deps import AppDatabase, Config
from starter.console.access import SIGNED_IN, PageProblem
from starter.console.render import page
from starter.console.rules_in_force import rules_or_problem

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[SIGNED_IN])
Text = Annotated[str, Query(max_length=120)]


@dataclass(frozen=True)
class ReportRange:
    """The range and grouping as asked (for the form) and as read (for the report)."""

    since: str
    until: str
    by: str
    start: datetime | None
    end: datetime | None


def _report_range(since: Text = "7d", until: Text = "", by: Text = "") -> ReportRange:
    if by and by not in GROUPINGS:
        raise PageProblem(422, "Group by what?", f"by: {by!r} is not a grouping",
                          f"choose one of {', '.join(GROUPINGS)}")  # fmt: skip
    try:
        # relative spans (7d) count back from the current minute: the page and its chart
        # images, loaded a moment apart, read one range (and the report cache's answer)
        start, end = window(since or None, until or None, _this_minute())
    except ValueError as exc:
        message = str(exc).replace("--since", "since").replace("--until", "until")
        raise PageProblem(422, "That date range cannot be read", message,
                          "use 7d, 12h, 2026-11-01 or an ISO time") from None  # fmt: skip
    return ReportRange(since, until, by, start, end)


def _this_minute() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


Range = Annotated[ReportRange, Depends(_report_range)]


@router.get("/analytics")
async def analytics(
    request: Request, config: Config, database: AppDatabase, asked: Range, download: str = ""
) -> Response:
    from starter.charts import CHARTS

    rules = rules_or_problem(config.rules_path)
    result = await routing_report(database, rules, asked.start, asked.end, asked.by or None)
    if download == "csv":
        name = (
            f"lead-router-report-{asked.since or 'all'}{'-by-' + asked.by if asked.by else ''}.csv"
        )
        disposition = f'attachment; filename="{name}"'
        return Response(report_csv(result), media_type="text/csv",
                        headers={"content-disposition": disposition})  # fmt: skip
    return page(request, "analytics.html", report=result, since=asked.since, until=asked.until,
                by=asked.by, groupings=GROUPINGS, charts=list(CHARTS))  # fmt: skip


@router.get("/analytics/charts/{name}.svg")
async def chart(name: str, config: Config, database: AppDatabase, asked: Range) -> Response:
    """One weekly-review chart (`lead-router report --plot`) for the page's range."""
    from starter.charts import CHARTS, chart_svg

    if name not in CHARTS:
        raise PageProblem(404, "No such chart", name, f"one of {', '.join(CHARTS)}")
    rules = rules_or_problem(config.rules_path)
    data = await chart_inputs(database, rules, asked.start, asked.end)
    svg = await asyncio.to_thread(chart_svg, data, name)
    return Response(svg, media_type="image/svg+xml",
                    headers={"cache-control": "private, max-age=60"})  # fmt: skip
