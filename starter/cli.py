"""The `lead-router` command line."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from activities.catalog import CatalogError, RowProblem, load_companies, read_accounts
from activities.rules_file import load_rules_file
from activities.store import Store, database_url
from domain.assign import RosterState
from domain.models import Account
from domain.rules import RoutingRules, RulesError
from starter.batch import BatchRouter
from starter.config import Settings

app = typer.Typer(
    name="lead-router",
    help="Route inbound B2B leads: enrich, classify, assign, and hold owners to an SLA.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
import_app = typer.Typer(help="Import CRM data into the app database.", no_args_is_help=True)
owner_app = typer.Typer(help="Change an owner's availability.", no_args_is_help=True)
rules_app = typer.Typer(help="Work with rules files.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(owner_app, name="owner")
app.add_typer(rules_app, name="rules")

err = Console(stderr=True)

RulesOpt = Annotated[
    Path | None,
    typer.Option("--rules", help="Rules file (YAML or TOML). Default: $LEAD_ROUTER_RULES or the shipped policy."),
]
DatabaseOpt = Annotated[
    str | None,
    typer.Option("--database", help="App database URL or SQLite path. Default: $LEAD_ROUTER_DATABASE_URL or .lead-router/lead-router.db."),
]


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def rules_from(path: Path | None) -> RoutingRules:
    try:
        return load_rules_file(path or Settings().rules_path)
    except RulesError as exc:
        raise fail(str(exc)) from None


def report(problems: list[RowProblem], what: str) -> None:
    for problem in problems[:20]:
        err.print(f"[yellow]skipped[/yellow] {problem}", highlight=False)
    if len(problems) > 20:
        err.print(f"[yellow]... and {len(problems) - 20} more bad {what} rows[/yellow]")


def existing_store(url: str | None) -> Store | None:
    """The database if it exists already; read-only commands never create one."""
    resolved = database_url(url or Settings().database_url)
    if resolved.startswith("sqlite") and not Path(resolved.split(":///", 1)[-1]).exists():
        return None
    return Store(resolved)


async def _snapshot(store: Store | None) -> tuple[RosterState, list[Account]]:
    if store is None:
        return RosterState(), []
    try:
        await store.init()
        return await store.load_state(), await store.all_accounts()
    finally:
        await store.close()


@app.command()
def route(
    file: Annotated[str, typer.Argument(help="JSON Lines of form submissions, or - for stdin.")] = "-",
    rules: RulesOpt = None,
    companies: Annotated[
        Path | None,
        typer.Option(help="Companies CSV (domain,name,employees,industry,country). Default: $LEAD_ROUTER_COMPANIES or the shipped sample."),
    ] = None,
    accounts: Annotated[
        Path | None,
        typer.Option(help="Accounts CSV to use instead of the accounts imported into the database."),
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Route each submission and print one JSON decision per line, in order.

    Writes nothing to the database: round-robin starts from its stored state, in
    memory. A line that cannot be routed prints {"line": N, "error": ...}; the
    others still route, and the exit status is 1.
    """
    routing_rules = rules_from(rules)
    try:
        directory, problems = load_companies(companies or Settings().companies_path)
        report(problems, "companies")
        state, stored_accounts = asyncio.run(_snapshot(existing_store(database)))
        account_list = stored_accounts
        if accounts is not None:
            account_list, problems = _accounts_from_csv(accounts)
            report(problems, "accounts")
    except CatalogError as exc:
        raise fail(str(exc)) from None
    router = BatchRouter(
        routing_rules, directory, account_list, state, id_key=Settings().id_key
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
    good: list[Account] = []
    bad: list[RowProblem] = []
    for item in read_accounts(path):
        (bad if isinstance(item, RowProblem) else good).append(item)  # type: ignore[arg-type]
    return good, bad


@import_app.command("accounts")
def import_accounts(
    file: Annotated[Path, typer.Argument(help="Accounts CSV: domain,name,owner_id,is_customer,open_opportunity_owner_id,named_account")],
    database: DatabaseOpt = None,
) -> None:
    """Import (insert or update) CRM accounts; bad rows are reported by line and skipped."""
    try:
        total = sum(1 for _ in file.open(encoding="utf-8-sig")) - 1
    except OSError as exc:
        raise fail(f"{file}: cannot open: {exc.strerror}") from None
    store = Store(database or Settings().database_url)
    try:
        imported, problems = asyncio.run(_import(store, file, max(total, 0)))
    except CatalogError as exc:
        raise fail(str(exc)) from None
    report(problems, "accounts")
    err.print(f"imported {imported} account(s), skipped {len(problems)} bad row(s)")
    if problems:
        raise typer.Exit(1)


async def _import(store: Store, file: Path, total: int) -> tuple[int, list[RowProblem]]:
    await store.init()
    problems: list[RowProblem] = []
    batch: list[Account] = []
    imported = 0
    progress = Progress(
        TextColumn("importing accounts"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err, disable=total < 2000,
    )  # fmt: skip
    try:
        with progress:
            task = progress.add_task("import", total=total)
            for item in read_accounts(file):
                if isinstance(item, RowProblem):
                    problems.append(item)
                else:
                    batch.append(item)
                if len(batch) >= 1000:
                    await store.upsert_accounts(batch)
                    imported += len(batch)
                    batch.clear()
                progress.advance(task)
            await store.upsert_accounts(batch)
            imported += len(batch)
    finally:
        await store.close()
    return imported, problems


@app.command()
def roster(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    rules: RulesOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Show teams, members, their load and availability."""
    routing_rules = rules_from(rules)
    state, _ = asyncio.run(_snapshot(existing_store(database)))
    data = roster_view(routing_rules, state)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    table = Table(title=f"Roster (rules {routing_rules.version})")
    for column in ("team", "fallback", "member", "weight", "open / cap", "hours", "status"):
        table.add_column(column)
    for team in data["teams"]:
        for i, m in enumerate(team["members"]):
            status = "inactive" if not m["active"] else ("away" if m["away"] else "available")
            table.add_row(
                team["id"] if i == 0 else "", (team["fallback"] or "-") if i == 0 else "",
                m["id"] + (" (lead)" if m["id"] == team["lead"] else ""), str(m["weight"]),
                f"{m['open_leads']} / {m['max_open_leads']}",
                f"{m['hours']['start']}-{m['hours']['end']} {m['hours']['timezone']}", status,
            )  # fmt: skip
    Console().print(table)


def roster_view(rules: RoutingRules, state: RosterState) -> dict[str, Any]:
    teams = []
    for team in rules.teams:
        members = []
        for member in team.members:
            owner = state.owners.get(member.id)
            hours = rules.hours_of_member(member.id)
            members.append({
                "id": member.id, "name": member.name, "weight": member.weight,
                "max_open_leads": member.max_open_leads, "active": member.active,
                "open_leads": owner.open_leads if owner else 0,
                "away": owner.away if owner else False,
                "hours": {"timezone": hours.timezone, "start": hours.start.strftime("%H:%M"),
                          "end": hours.end.strftime("%H:%M"), "days": hours.days},
            })  # fmt: skip
        teams.append({"id": team.id, "name": team.name, "fallback": team.fallback,
                      "lead": team.lead, "members": members})  # fmt: skip
    return {"rules_version": rules.version, "teams": teams}


def _set_away(owner_id: str, away: bool, rules: Path | None, database: str | None) -> None:
    routing_rules = rules_from(rules)
    if routing_rules.member(owner_id) is None:
        raise fail(f"no owner {owner_id!r} in the roster of {rules or Settings().rules_path}")

    async def run() -> None:
        store = await Store(database or Settings().database_url).init()
        try:
            await store.set_away(owner_id, away)
        finally:
            await store.close()

    asyncio.run(run())
    typer.echo(f"{owner_id} is now {'away' if away else 'back'}")


@owner_app.command("away")
def owner_away(
    owner_id: Annotated[str, typer.Argument(metavar="ID", help="The owner's roster id.")],
    rules: RulesOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Mark an owner out of office: round-robin skips them until they are back."""
    _set_away(owner_id, True, rules, database)


@owner_app.command("back")
def owner_back(
    owner_id: Annotated[str, typer.Argument(metavar="ID", help="The owner's roster id.")],
    rules: RulesOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Mark an owner available again."""
    _set_away(owner_id, False, rules, database)


@rules_app.command("check")
def rules_check(
    file: Annotated[Path | None, typer.Argument(help="Rules file; default the configured one.")] = None,
) -> None:
    """Validate a rules file and print its version, or every problem with its key."""
    routing_rules = rules_from(file)
    members = sum(len(t.members) for t in routing_rules.teams)
    typer.echo(
        f"ok: version {routing_rules.version}, {len(routing_rules.rules)} rules, "
        f"{len(routing_rules.teams)} teams, {members} members"
    )


def main() -> None:
    app()
