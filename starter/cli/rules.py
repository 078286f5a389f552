"""`lead-router route`, `rules check`, `simulate` and `backtest`: the rules, and what a
change to them would change, without Temporal and without writing anything."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from starter.cli import common
from starter.cli.common import DatabaseOpt, DataDirOpt, RulesOpt, err, fail, rules_from
from starter.cli.history import history_files_of
from starter.cli.roster import stored_roster
from starter.runtime.stdio import console

if TYPE_CHECKING:
    from activities.catalog import RowProblem
    from domain.models import Account, Company
    from domain.rule_diff import DiffReport

rules_app = typer.Typer(help="Work with rules files.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")]
ShowOpt = Annotated[int, typer.Option(help="How many changed leads to list.")]


def route(
    file: Annotated[
        str, typer.Argument(help="JSON Lines of form submissions, or - for stdin.")
    ] = "-",
    rules: RulesOpt = None,
    companies: Annotated[
        Path | None,
        typer.Option(
            help="Companies CSV (domain,name,employees,industry,country). Default: $LEAD_ROUTER_COMPANIES or the shipped sample."
        ),
    ] = None,
    accounts: Annotated[
        Path | None,
        typer.Option(
            help="Accounts CSV to use instead of the accounts imported into the database."
        ),
    ] = None,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Route each submission and print one JSON decision per line, in order.

    Writes nothing to the database: round-robin starts from its stored state, in
    memory. A line that cannot be routed prints {"line": N, "error": ...}; the
    others still route, and the exit status is 1.
    """
    from activities.catalog import CatalogError, load_companies
    from domain.batch import BatchRouter

    routing_rules = rules_from(rules)
    settings = common.settings_for(database=database, data_dir=data_dir)
    try:
        directory, problems = load_companies(companies or settings.routing.companies_path)
        common.report(problems, "companies")
        state, stored_accounts = stored_roster(settings.database.url)
        account_list = stored_accounts
        if accounts is not None:
            account_list, problems = _accounts_from_csv(accounts)
            common.report(problems, "accounts")
    except CatalogError as exc:
        raise fail(str(exc)) from None
    router = BatchRouter(
        routing_rules,
        directory,
        account_list,
        state,
        id_key=settings.routing.id_key,
        now=datetime.now(UTC),
    )
    try:
        source = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise fail(f"{file}: cannot open: {exc.strerror}") from None
    with source:
        write = sys.stdout.write
        for out in router.route_lines(source):
            write(out)
            write("\n")
    if router.errors:
        err.print(f"[yellow]{router.errors} line(s) could not be routed[/yellow]")
        raise typer.Exit(1)


def _accounts_from_csv(path: Path) -> tuple[list[Account], list[RowProblem]]:
    from activities.catalog import RowProblem, read_accounts

    good: list[Account] = []
    bad: list[RowProblem] = []
    for item in read_accounts(path):
        (bad if isinstance(item, RowProblem) else good).append(item)  # type: ignore[arg-type]
    return good, bad


@rules_app.command("check")
def rules_check(
    file: Annotated[
        Path | None, typer.Argument(help="Rules file; default the configured one.")
    ] = None,
) -> None:
    """Validate a rules file and print its version, or every problem with its key."""
    from domain.rules_check import policy_warnings

    routing_rules = rules_from(file)
    for warning in policy_warnings(routing_rules, datetime.now(UTC)):
        err.print(f"[yellow]warning[/yellow] {file or 'rules'}: {warning}")
    members = sum(len(t.members) for t in routing_rules.teams)
    typer.echo(
        f"ok: version {routing_rules.version}, {len(routing_rules.rules)} rules, "
        f"{len(routing_rules.teams)} teams, {members} members"
    )


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
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
    show: ShowOpt = 20,
) -> None:
    """Count how many leads new rules would send to another team, owner or SLA.

    Plans each lead with the baseline and the new rules, enriched the same way, and
    breaks the changes down by the rule that decides the lead today. Writes nothing. A line that cannot be routed is listed and the exit status is 1.
    """
    from activities.catalog import CatalogError
    from domain.rule_diff import Directory, simulate

    settings = common.settings_for(database=database, data_dir=data_dir)
    old = rules_from(baseline or settings.routing.rules_path, "baseline")
    new = rules_from(rules, "new")
    try:
        directory = Directory(
            companies=_companies(companies or settings.routing.companies_path),
            accounts=_accounts(accounts, settings.database.url),
        )
        lines = leads.read_text(encoding="utf-8").splitlines()
    except CatalogError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{exc.filename}: cannot read: {exc.strerror}") from None
    report = simulate(
        lines,
        old,
        new,
        directory,
        source=str(leads),
        id_key=settings.routing.id_key,
        at=datetime.now(UTC),
    )
    _print(report, as_json, show, what="leads")


def _companies(path: Path) -> dict[str, Company]:
    from activities.catalog import load_companies

    directory, problems = load_companies(path)
    for problem in problems[:5]:
        err.print(f"[yellow]skipped[/yellow] {problem}")
    return directory


def _accounts(csv_path: Path | None, database: str) -> list[Account]:
    """From the CSV given, else from the app database if there is one (never created)."""
    from activities.catalog import read_accounts
    from domain.models import Account

    if csv_path is not None:
        rows = list(read_accounts(csv_path))
        for problem in [r for r in rows if not isinstance(r, Account)][:5]:
            err.print(f"[yellow]skipped[/yellow] {problem}")
        return [r for r in rows if isinstance(r, Account)]
    _, stored = stored_roster(database)
    return stored


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
    import asyncio

    from domain.rule_diff import backtest
    from starter.replay.history import recorded_leads
    from starter.replay.past import past_leads
    from starter.runtime.codec import CodecError

    new = rules_from(rules, "new")
    files = history_files_of(histories)
    try:
        settings = common.settings_for()
        leads, problems = asyncio.run(
            common.with_app_database(
                settings,
                lambda db: recorded_leads(
                    files, settings.paths.data_dir, db.lead_keys if db is not None else None
                ),
            )
        )
    except CodecError as exc:
        raise fail(str(exc)) from None
    past, unrouted = past_leads(leads)
    problems += unrouted
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
    from rich.table import Table

    from domain.rule_diff import ASPECTS

    out = console()
    out.print(
        f"rules {report.baseline} -> {report.candidate} over {report.leads} {what}: "
        f"{report.changed} would change team, owner or SLA "
        f"(team {report.team}, owner {report.owner}, SLA {report.sla}; rule {report.rule}); "
        f"{report.fit} would change fit, {report.score} score",
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
    app.command()(route)
    app.add_typer(rules_app, name="rules")
    app.command("simulate")(simulate_command)
    app.command("backtest")(backtest_command)
