"""`lead-router history export`, `replay`, `simulate` and `backtest`: proving a change
to the workflow code or to the rules is safe before it ships.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from temporalio.service import RPCError, RPCStatusCode

from activities.catalog import CatalogError, load_companies, read_accounts
from activities.rules_file import load_rules_file
from activities.store import Store, database_url
from domain.models import Account, Company
from domain.rule_diff import ASPECTS, DiffReport, Directory, PastLead, backtest, simulate
from domain.rules import RoutingRules, RulesError
from starter.codec import CodecError
from starter.config import Settings
from starter.history import (
    HistoryFileError,
    fetch_history,
    history_files,
    recorded_leads,
    write_history,
)
from starter.leads import resolve_lead_id
from starter.replay import ReplayOutcome, replay_files
from starter.temporal import connect

history_app = typer.Typer(help="Work with lead histories.", no_args_is_help=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
PROGRESS_FROM = 10  # histories; fewer finish before a bar is worth drawing


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def _rules(path: Path, what: str) -> RoutingRules:
    try:
        return load_rules_file(path)
    except RulesError as exc:
        raise fail(f"{what} rules: {exc}") from None


def _files(paths: list[Path]) -> list[Path]:
    try:
        return history_files(paths)
    except HistoryFileError as exc:
        raise fail(str(exc)) from None


@history_app.command("export")
def export(
    lead: Annotated[str, typer.Argument(metavar="EMAIL|LEAD_ID", help="The lead's email or id.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write here (a name ending in .gz is gzipped); default stdout."),
    ] = None,
    run_id: Annotated[str | None, typer.Option(help="A run other than the latest.")] = None,
    address: Annotated[
        str | None, typer.Option(help="Temporal address. Default: $TEMPORAL_ADDRESS.")
    ] = None,
    namespace: Annotated[
        str | None, typer.Option(help="Temporal namespace. Default: $TEMPORAL_NAMESPACE.")
    ] = None,
) -> None:
    """Write a lead's history as JSON, ready for `lead-router replay`.

    The format is that of the Web UI's download and `temporal workflow show --output json`.
    """
    settings = Settings()
    try:
        lead_id = resolve_lead_id(lead, settings.id_key)
    except ValueError as exc:
        raise fail(str(exc)) from None
    settings = replace(
        settings,
        temporal_address=address or settings.temporal_address,
        temporal_namespace=namespace or settings.temporal_namespace,
    )

    async def run() -> None:
        client = await connect(settings.temporal_address, settings.temporal_namespace)
        history = await fetch_history(client, lead_id, run_id)
        if out is None:
            sys.stdout.write(history.to_json() + "\n")
        else:
            write_history(history, out)
            err.print(f"wrote {len(history.events)} events of {lead_id} to {out}")

    try:
        asyncio.run(run())
    except ConnectionError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{out}: cannot write: {exc.strerror}") from None
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            raise fail(f"no lead {lead_id} (check the email or id, and --address)") from None
        raise fail(exc.message) from None


def replay(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...", help="History files (.json, .json.gz) or folders of them."
        ),
    ],
) -> None:
    """Replay histories against the current workflow code, one line per history.

    Uses the project's data converter (and payload keys, when configured). Exits 1 if any history does not replay, naming it and the first event the code
    diverges at: the change needs `workflow.patched` (see the README).
    """
    files = _files(paths)
    progress = Progress(
        TextColumn("replaying"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=len(files) < PROGRESS_FROM,
    )
    task = progress.add_task("replay", total=len(files))

    def show(outcome: ReplayOutcome) -> None:
        typer.echo(outcome.line())  # stdout; the bar (stderr) keeps below it
        progress.advance(task)

    try:
        with progress:
            outcomes = asyncio.run(replay_files(files, on_outcome=show))
    except CodecError as exc:
        raise fail(str(exc)) from None
    failed = [o for o in outcomes if not o.ok]
    summary = f"{len(outcomes) - len(failed)} of {len(outcomes)} histories replay"
    if failed:
        err.print(f"[red]{summary}; {len(failed)} fail[/red]")
        raise typer.Exit(1)
    err.print(summary)


JsonOpt = Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")]
ShowOpt = Annotated[int, typer.Option(help="How many changed leads to list.")]


def simulate_command(
    leads: Annotated[Path, typer.Argument(metavar="LEADS.jsonl", help="Form submissions.")],
    rules: Annotated[Path, typer.Option("--rules", help="The new rules file.")],
    baseline: Annotated[
        Path | None,
        typer.Option(help="The rules to compare with. Default: $LEAD_ROUTER_RULES or shipped."),
    ] = None,
    companies: Annotated[
        Path | None,
        typer.Option(help="Companies CSV. Default: $LEAD_ROUTER_COMPANIES or the sample."),
    ] = None,
    accounts: Annotated[
        Path | None,
        typer.Option(help="Accounts CSV to use instead of the accounts in the database."),
    ] = None,
    database: Annotated[
        str | None, typer.Option(help="App database with the imported accounts.")
    ] = None,
    as_json: JsonOpt = False,
    show: ShowOpt = 20,
) -> None:
    """Count how many leads new rules would send to another team, owner or SLA.

    Plans each lead with the baseline and the new rules, enriched the same way, and
    breaks the changes down by the rule that decides the lead today. Writes nothing. A line that cannot be routed is listed and the exit status is 1.
    """
    settings = Settings()
    old = _rules(baseline or settings.rules_path, "baseline")
    new = _rules(rules, "new")
    try:
        directory = Directory(
            companies=_companies(companies or settings.companies_path),
            accounts=_accounts(accounts, database or settings.database_url),
        )
        lines = leads.read_text(encoding="utf-8").splitlines()
    except CatalogError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{exc.filename}: cannot read: {exc.strerror}") from None
    report = simulate(lines, old, new, directory, source=str(leads), id_key=settings.id_key)
    _print(report, as_json, show, what="leads")


def _companies(path: Path) -> dict[str, Company]:
    directory, problems = load_companies(path)
    for problem in problems[:5]:
        err.print(f"[yellow]skipped[/yellow] {problem}")
    return directory


def _accounts(csv_path: Path | None, database: str) -> list[Account]:
    """From the CSV given, else from the app database if there is one (never created)."""
    if csv_path is not None:
        rows = list(read_accounts(csv_path))
        for problem in [r for r in rows if not isinstance(r, Account)][:5]:
            err.print(f"[yellow]skipped[/yellow] {problem}")
        return [r for r in rows if isinstance(r, Account)]
    url = database_url(database)
    if url.startswith("sqlite") and not Path(url.split(":///", 1)[-1]).exists():
        return []

    async def load() -> list[Account]:
        store = await Store(url).init()
        try:
            return await store.all_accounts()
        finally:
            await store.close()

    return asyncio.run(load())


def backtest_command(
    histories: Annotated[
        list[Path],
        typer.Argument(metavar="HISTORIES...", help="History files or folders of them."),
    ],
    rules: Annotated[Path, typer.Option("--rules", help="The new rules file.")],
    as_json: JsonOpt = False,
    show: ShowOpt = 20,
) -> None:
    """What new rules would have decided differently for past leads.

    Reads the inputs each history recorded (the submission, the enrichment and CRM
    match as they were then, not as they are now) and compares the new rules' plan
    with the routing decision the lead got.

    Exits 1 if a file is not a readable lead history (each is named).
    """
    new = _rules(rules, "new")
    files = _files(histories)
    try:
        leads, problems = asyncio.run(recorded_leads(files))
    except CodecError as exc:
        raise fail(str(exc)) from None
    past = []
    for lead in leads:
        if lead.plan is None:
            problems.append(f"{lead.path}: no routing decision recorded yet")
            continue
        first = lead.plan
        past.append(PastLead(str(lead.path), lead.submission.lead, lead.enrichment, first))
    report = backtest(past, new)
    report.skipped += problems
    _print(report, as_json, show, what="past leads")


def _print(report: DiffReport, as_json: bool, show: int, what: str) -> None:
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _print_report(report, show, what)
    for problem in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {problem}")
    if report.skipped:
        raise typer.Exit(1)


def _print_report(report: DiffReport, show: int, what: str) -> None:
    out = Console(highlight=False)
    out.print(
        f"rules {report.baseline} -> {report.candidate} over {report.leads} {what}: "
        f"{report.changed} would change team, owner or SLA "
        f"(team {report.team}, owner {report.owner}, SLA {report.sla}; rule {report.rule})",
        soft_wrap=True,
    )
    if not report.leads:
        return
    table = Table(title="by the rule that decided them", title_justify="left")
    table.add_column("rule")
    table.add_column("leads", justify="right")
    for aspect in ASPECTS:
        table.add_column(aspect if aspect != "sla" else "SLA", justify="right")
    table.add_column("now decided by")
    for rule, tally in sorted(report.by_rule.items()):
        moved = ", ".join(f"{r} ({n})" for r, n in sorted(tally.now_decided_by.items()))
        table.add_row(
            rule,
            str(tally.leads),
            *(str(getattr(tally, a) or "") for a in ASPECTS),
            moved,
        )
    out.print(table)
    for change in report.changes[:show]:
        out.print(
            f"{change.where} {change.lead_id} [{', '.join(change.changed)}]\n"
            f"    was {change.before.describe()}\n"
            f"    now {change.after.describe()}",
            markup=False,
            soft_wrap=True,
        )
    if len(report.changes) > show:
        out.print(f"... and {len(report.changes) - show} more (--show N, or --json for all)")


def register(app: typer.Typer) -> None:
    """Add these commands to the `lead-router` app."""
    app.add_typer(history_app, name="history")
    app.command()(replay)
    app.command("simulate")(simulate_command)
    app.command("backtest")(backtest_command)
