"""`lead-router report` (the routing report: a table, --json, --csv, --plot DIR) and
`lead-router analytics backfill` (facts of leads routed before they were recorded)."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from domain.analytics.groupings import GROUPINGS
from domain.analytics.window import moment, window
from starter.cli.common import (
    AddressOpt,
    DatabaseOpt,
    DataDirOpt,
    JsonOpt,
    NamespaceOpt,
    RulesOpt,
    err,
    existing_database,
    fail,
    rules_from,
    run_client,
    settings_for,
    with_app_database,
)

if TYPE_CHECKING:
    from domain.analytics.percentiles import Delays
    from domain.analytics.report import Report

analytics_app = typer.Typer(
    help="Routing analytics: the facts behind `report`.", no_args_is_help=True
)
out = Console(highlight=False, soft_wrap=True)

SinceOpt = Annotated[
    str | None, typer.Option("--since", help="From: 7d, 12h, 2026-11-01 or an ISO time (UTC).")
]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Before: same forms as --since.")]


def _window(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    try:
        return window(since, until, datetime.now(UTC))
    except ValueError as exc:
        raise fail(str(exc)) from None


def report(
    since: SinceOpt = None,
    until: UntilOpt = None,
    by: Annotated[
        str | None, typer.Option("--by", help=f"One row per: {', '.join(GROUPINGS)}.")
    ] = None,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV, one row per group.")] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the charts (PNG and SVG) into DIR.")
    ] = None,
    rules: RulesOpt = None,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Speed to lead, SLA compliance, escalations, reassignment, account match, fairness:
    the figures of the leads submitted in the window, from the app database."""
    if by is not None and by not in GROUPINGS:
        raise fail(f"--by {by!r}: choose one of {', '.join(GROUPINGS)}")
    start, end = _window(since, until)
    routing = rules_from(rules)
    url = settings_for(database=database, data_dir=data_dir).database.url
    opened = existing_database(url)
    if opened is None:
        raise fail(f"no app database at {url}: route some leads first (or pass --database)")
    from starter.analytics import ChartInputs, chart_inputs, routing_report

    async def run() -> tuple[Report, ChartInputs | None]:
        try:
            db = await opened.init()
            found = await routing_report(db, routing, start, end, by)
            charts = await chart_inputs(db, routing, start, end) if plot else None
            return found, charts
        finally:
            await opened.close()

    result, charts = asyncio.run(run())
    if plot is not None and charts is not None:
        from starter.charts import write_charts  # matplotlib is imported only here

        for path in write_charts(charts, plot):
            err.print(f"wrote {path}")
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    elif as_csv:
        _csv(result)
    else:
        _table(result)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _secs(delays: Delays) -> str:
    def one(v: float | None) -> str:
        if v is None:
            return "-"
        return f"{v:.3g} s" if v < 120 else f"{v / 60:.3g} min" if v < 7200 else f"{v / 3600:.3g} h"

    return f"p50 {one(delays.p50)}  p90 {one(delays.p90)}  p95 {one(delays.p95)}  max {one(delays.max)}"


def _table(result: Report) -> None:
    span = f"{result.since or 'the first lead'} to {result.until or 'now'}"
    out.print(f"[bold]Routing report[/bold], leads submitted from {span}")
    summary = Table(show_header=False, box=None)
    rows = [
        ("leads", str(result.leads)),
        ("assigned to an owner", f"{result.assigned} ({_pct(result.owner_assignment_rate)})"),
        ("actioned", ", ".join(f"{k} {v}" for k, v in result.actioned.items())),
        ("unowned (in review)", str(result.unowned)),
        ("escalated, by highest level", ", ".join(f"{k} {v}" for k, v in result.escalated.items())),
        ("reassigned", ", ".join(f"{k} {v}" for k, v in result.reassigned.items())),
        ("rep feedback: corrected", ", ".join(f"{k} {v}" for k, v in result.corrections.items())),
        ("dead letters", str(result.dead_letters)),
        ("system delay: submit -> owner", _secs(result.time_to_assign_s)),
        ("human delay: owner -> first action", _secs(result.time_to_first_action_s)),
        ("  in the owner's business time", _secs(result.business_time_to_first_action_s)),
        ("first-touched within SLA", _pct(result.sla_met_rate)),
    ]
    for name, value in rows:
        summary.add_row(name, value)
    out.print(summary)
    targets = Table("target", "goal", "actual", "met")
    for t in result.targets:
        met = "-" if t.met is None else "[green]yes[/green]" if t.met else "[red]no[/red]"
        targets.add_row(t.name, t.target, _pct(t.actual), met)
    out.print(targets)
    fair = Table("team", "round-robin leads", "largest gap", "members: share / target")
    for team in result.fairness:
        shares = ", ".join(f"{m.id} {m.share:.0%}/{m.target:.0%}" for m in team.members)
        fair.add_row(team.team, str(team.leads), f"{team.max_gap:.1%}", shares)
    out.print(fair)
    out.print(f"[dim]fairness: {result.fairness_note}[/dim]")
    rules = Table(
        "rule", "leads", "assigned", "actioned", "onboarding", "waiting", "unowned", "escalated"
    )
    for r in result.outcomes_by_rule:
        rules.add_row(r.rule or "(none)", *(str(v) for v in list(r.model_dump().values())[1:]))
    out.print(rules)
    if result.by:
        groups = Table(
            result.group_by or "",
            "leads",
            "assigned",
            "actioned",
            "SLA met",
            "p50 to assign",
            "p50 to action",
        )
        for g in result.by:
            groups.add_row(
                g.group or "(none)", str(g.leads), str(g.assigned), str(g.actioned["total"]),
                _pct(g.sla_met_rate), _secs_one(g.time_to_assign_s.p50), _secs_one(g.time_to_first_action_s.p50),
            )  # fmt: skip
        out.print(groups)


def _secs_one(value: float | None) -> str:
    return "-" if value is None else f"{value:g} s"


def _csv(result: Report) -> None:
    from starter.analytics import report_csv

    sys.stdout.write(report_csv(result))


@analytics_app.command("backfill")
def backfill(
    histories: Annotated[
        list[Path] | None,
        typer.Argument(help="History files or folders (`lead-router history export`)."),
    ] = None,
    from_temporal: Annotated[
        bool, typer.Option("--from-temporal", help="Read every lead's history from Temporal.")
    ] = False,
    since: Annotated[
        str | None,
        typer.Option("--since", help="With --from-temporal: leads started since (7d, 2026-11-01)."),
    ] = None,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
) -> None:
    """Fill the analytics facts from lead histories, replayed through today's code (the
    same facts live leads record); safe to run again: a lead's row is replaced, never doubled."""
    from activities.database import Database
    from starter.replay.facts import facts_of_files, facts_of_histories
    from starter.replay.history import history_files

    if bool(histories) == from_temporal:
        raise fail("give history files or folders, or --from-temporal (one of the two)")
    settings = settings_for(address, namespace, database, data_dir)
    if histories:
        files = history_files(histories)
        found, problems = asyncio.run(
            with_app_database(
                settings, lambda db: facts_of_files(files, db.lead_keys if db else None)
            )
        )
    else:
        start = None
        if since:
            try:
                start = moment(since, datetime.now(UTC), "--since")
            except ValueError as exc:
                raise fail(str(exc)) from None
        found, problems = run_client(
            settings, lambda client: _from_temporal(client, start, facts_of_histories)
        )

    async def write() -> int:
        db = await Database(settings.database.url).init()
        try:
            return await db.analytics.record(found)
        finally:
            await db.close()

    written = asyncio.run(write())
    for problem in problems:
        err.print(f"[yellow]skipped[/yellow] {problem}")
    typer.echo(f"backfilled {written} leads ({len(problems)} skipped)")
    if problems:
        raise typer.Exit(1)


async def _from_temporal(client: Any, start: datetime | None, facts_of_histories: Any) -> Any:
    query = "WorkflowType = 'LeadRoutingWorkflow'"
    if start is not None:
        query += f" AND StartTime >= '{start.isoformat()}'"
    histories = [h async for h in client.list_workflows(query).map_histories()]
    from starter.runtime.lead_codec import LeadSealingCodec

    # the client's codec holds the app database's lead keys (run_client): replay with them
    codec = client.data_converter.payload_codec
    keys = codec.keys if isinstance(codec, LeadSealingCodec) else None
    return await facts_of_histories(histories, [h.workflow_id for h in histories], keys)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.add_typer(analytics_app, name="analytics")
