"""`lead-router roster` and `import accounts`: the people leads go to,
and the CRM accounts that decide who owns a company."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from starter.cli.common import (
    DatabaseOpt,
    DataDirOpt,
    JsonOpt,
    RulesOpt,
    err,
    existing_database,
    fail,
    missing_sqlite_file,
    no_database,
    report,
    rules_from,
    settings_for,
)
from starter.runtime.stdio import console

if TYPE_CHECKING:
    from activities.catalog import RowProblem
    from activities.database import Database
    from domain.assign import RosterState
    from domain.models import Account
    from domain.rules import RoutingRules

import_app = typer.Typer(help="Import CRM data into the app database.", no_args_is_help=True)


def stored_roster(url: str) -> tuple[RosterState, list[Account]]:
    """The roster's load and the imported accounts; empty, and said so on stderr, when
    there is no database there (reading never creates one)."""
    from domain.assign import RosterState

    database = existing_database(url)
    if database is None:
        missing = missing_sqlite_file(url)
        err.print(f"[yellow]{no_database(missing or Path(url))}: no load, no accounts[/yellow]")
        return RosterState(), []

    async def read(db: Database) -> tuple[RosterState, list[Account]]:
        try:
            await db.init()
            return await db.roster.load_state(), await db.accounts.all()
        finally:
            await db.close()

    return asyncio.run(read(database))


def roster(
    as_json: JsonOpt = False,
    rules: RulesOpt = None,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Show teams, members, their load and availability."""
    routing_rules = rules_from(rules)
    state, _ = stored_roster(settings_for(database=database, data_dir=data_dir).database.url)
    data = roster_view(routing_rules, state)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"Roster (rules {routing_rules.version})")
    for column in ("team", "fallback", "member", "weight", "open / cap", "hours", "status"):
        table.add_column(column)
    for team in data["teams"]:
        for i, m in enumerate(team["members"]):
            status = "inactive" if not m["active"] else ("away" if m["away"] else "available")
            table.add_row(
                team["id"] if i == 0 else "",
                (team["fallback"] or "-") if i == 0 else "",
                m["id"] + (" (lead)" if m["id"] == team["lead"] else ""),
                str(m["weight"]),
                f"{m['open_leads']} / {m['max_open_leads']}",
                f"{m['hours']['start']}-{m['hours']['end']} {m['hours']['timezone']}",
                status,
            )
    console().print(table)


def roster_view(rules: RoutingRules, state: RosterState) -> dict[str, Any]:
    teams = []
    for team in rules.teams:
        members = []
        for member in team.members:
            owner = state.owners.get(member.id)
            hours = rules.hours_of_member(member.id)
            members.append(
                {
                    "id": member.id,
                    "name": member.name,
                    "weight": member.weight,
                    "max_open_leads": member.max_open_leads,
                    "active": member.active,
                    "open_leads": owner.open_leads if owner else 0,
                    "away": owner.away if owner else False,
                    "hours": {
                        "timezone": hours.timezone,
                        "start": hours.start.strftime("%H:%M"),
                        "end": hours.end.strftime("%H:%M"),
                        "days": hours.days,
                    },
                }
            )
        teams.append(
            {
                "id": team.id,
                "name": team.name,
                "fallback": team.fallback,
                "lead": team.lead,
                "members": members,
            }
        )
    return {"rules_version": rules.version, "teams": teams}


@import_app.command("accounts")
def import_accounts(
    file: Annotated[
        Path,
        typer.Argument(
            help="Accounts CSV: domain,name,owner_id,is_customer,open_opportunity_owner_id,named_account"
        ),
    ],
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Import (insert or update) CRM accounts; bad rows are reported by line and skipped."""
    from activities.catalog import CatalogError

    try:
        total = sum(1 for _ in file.open(encoding="utf-8-sig")) - 1
    except OSError as exc:
        raise fail(f"{file}: cannot open: {exc.strerror}") from None
    from activities.database import Database

    settings = settings_for(database=database, data_dir=data_dir)
    if missing := missing_sqlite_file(settings.database.url):
        err.print(f"creating the app database at {missing}")  # importing is a first step
    target = Database(settings.database.url)
    try:
        imported, problems = asyncio.run(_import(target, file, max(total, 0)))
    except CatalogError as exc:
        raise fail(str(exc)) from None
    report(problems, "accounts")
    err.print(
        f"imported {imported} account(s), skipped {len(problems)} bad row(s) "
        f"(app database {settings.database.url})"
    )
    if problems:
        raise typer.Exit(1)


async def _import(database: Database, file: Path, total: int) -> tuple[int, list[RowProblem]]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from activities.catalog import RowProblem, read_accounts

    await database.init()
    problems: list[RowProblem] = []
    batch: list[Account] = []
    imported = 0
    progress = Progress(
        TextColumn("importing accounts"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=total < 2000,
    )
    try:
        with progress:
            task = progress.add_task("import", total=total)
            for item in read_accounts(file):
                if isinstance(item, RowProblem):
                    problems.append(item)
                else:
                    batch.append(item)
                if len(batch) >= 1000:
                    await database.accounts.upsert(batch)
                    imported += len(batch)
                    batch.clear()
                progress.advance(task)
            await database.accounts.upsert(batch)
            imported += len(batch)
    finally:
        await database.close()
    return imported, problems


def register(app: typer.Typer) -> None:
    app.command()(roster)
    app.add_typer(import_app, name="import")
