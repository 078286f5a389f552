"""The `lead-router` command line."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from activities.catalog import CatalogError, RowProblem, load_companies, read_accounts
from activities.rules_file import load_rules_file
from activities.store import Store, database_url
from domain.assign import RosterState
from domain.intake import InvalidSubmission, load_submission_json, parse_submission
from domain.lifecycle import FirstActionKind
from domain.models import Account
from domain.rules import RoutingRules, RulesError
from starter.batch import BatchRouter
from starter.cli_api import api, dead_letters_app
from starter.codec import new_key
from starter.config import Settings
from starter.leads import (
    describe_state,
    lead_status,
    reassign_lead,
    record_action,
    resolve_lead_id,
    start_lead,
)
from starter.telemetry import shutdown_tracing
from starter.temporal import connect
from starter.up import run_up
from worker import run_worker

T = TypeVar("T")

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
app.add_typer(dead_letters_app, name="dead-letters")
app.command("api")(api)

err = Console(stderr=True)

RulesOpt = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        help="Rules file (YAML or TOML). Default: $LEAD_ROUTER_RULES or the shipped policy.",
    ),
]
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="App database URL or SQLite path. Default: $LEAD_ROUTER_DATABASE_URL or .lead-router/lead-router.db.",
    ),
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
    router = BatchRouter(routing_rules, directory, account_list, state, id_key=Settings().id_key)
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
    file: Annotated[
        Path,
        typer.Argument(
            help="Accounts CSV: domain,name,owner_id,is_customer,open_opportunity_owner_id,named_account"
        ),
    ],
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
                team["id"] if i == 0 else "",
                (team["fallback"] or "-") if i == 0 else "",
                m["id"] + (" (lead)" if m["id"] == team["lead"] else ""),
                str(m["weight"]),
                f"{m['open_leads']} / {m['max_open_leads']}",
                f"{m['hours']['start']}-{m['hours']['end']} {m['hours']['timezone']}",
                status,
            )
    Console().print(table)


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


@app.command("new-key")
def new_key_command(
    key_id: Annotated[str, typer.Argument(help="A name for the key, kept in each payload.")] = "k1",
) -> None:
    """Print a fresh AES-256 key as id:base64key, for LEAD_ROUTER_CODEC_KEYS."""
    typer.echo(f"{key_id}:{new_key()}")


@rules_app.command("check")
def rules_check(
    file: Annotated[
        Path | None, typer.Argument(help="Rules file; default the configured one.")
    ] = None,
) -> None:
    """Validate a rules file and print its version, or every problem with its key."""
    routing_rules = rules_from(file)
    members = sum(len(t.members) for t in routing_rules.teams)
    typer.echo(
        f"ok: version {routing_rules.version}, {len(routing_rules.rules)} rules, "
        f"{len(routing_rules.teams)} teams, {members} members"
    )


def main() -> None:
    try:
        app()
        code: int = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    shutdown_tracing()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: the Temporal client's Rust threads can abort a
    # short-lived process while Python finalizes (temporalio/sdk-python#300).
    os._exit(code)


# Temporal: the embedded server, the worker, and the lead workflows

AddressOpt = Annotated[
    str | None,
    typer.Option(
        "--address", help="Temporal address. Default: $TEMPORAL_ADDRESS or localhost:7233."
    ),
]
NamespaceOpt = Annotated[
    str | None,
    typer.Option(
        "--namespace", help="Temporal namespace. Default: $TEMPORAL_NAMESPACE or default."
    ),
]
LeadArg = Annotated[
    str, typer.Argument(metavar="EMAIL|LEAD_ID", help="The lead's email or lead id.")
]


def _settings(address: str | None = None, namespace: str | None = None) -> Settings:
    settings = Settings()
    return replace(
        settings,
        temporal_address=address or settings.temporal_address,
        temporal_namespace=namespace or settings.temporal_namespace,
    )


def _run_client(settings: Settings, job: Callable[[Client], Awaitable[T]]) -> T:
    async def run() -> T:
        client = await connect(settings.temporal_address, settings.temporal_namespace)
        return await job(client)

    try:
        return asyncio.run(run())
    except ConnectionError as exc:
        raise fail(str(exc)) from None
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            raise fail("no such lead (check the email or id, and --address)") from None
        raise fail(exc.message) from None
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        raise fail(f"refused: {getattr(cause, 'message', None) or cause or exc}", 1) from None


def _lead_id(email_or_id: str) -> str:
    try:
        return resolve_lead_id(email_or_id, Settings().id_key)
    except ValueError as exc:
        raise fail(str(exc)) from None


@app.command()
def up(
    data_dir: Annotated[
        Path, typer.Option(help="Where the Temporal and app databases live.")
    ] = Path(".lead-router"),
    temporal_port: Annotated[int, typer.Option(help="Temporal frontend port.")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Temporal Web UI port.")] = 8233,
    temporal_address: Annotated[
        str | None, typer.Option(help="Use this external Temporal instead of starting one.")
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Submit the bundled sample leads.")] = False,
    api_port: Annotated[
        int, typer.Option(help="Port of the HTTP service (webhooks, /docs).")
    ] = 8000,
) -> None:
    """Start the embedded Temporal (with its Web UI) and the worker; Ctrl-C stops both.

    Everything persists in the data dir: running `up` again brings every lead back
    where it was.
    """
    try:
        asyncio.run(
            run_up(
                Settings(),
                data_dir=data_dir,
                temporal_port=temporal_port,
                ui_port=ui_port,
                external_address=temporal_address,
                demo=demo,
                api_port=api_port,
            )
        )
    except (RuntimeError, ConnectionError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None


@app.command("worker")
def worker_command(address: AddressOpt = None, namespace: NamespaceOpt = None) -> None:
    """Run a worker against an existing Temporal (configured by the environment)."""
    try:
        asyncio.run(run_worker(_settings(address, namespace)))
    except (ConnectionError, RuntimeError) as exc:
        raise fail(str(exc)) from None


@app.command()
def submit(
    file: Annotated[
        str, typer.Argument(help="JSON Lines of form submissions, or - for stdin.")
    ] = "-",
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
) -> None:
    """Start one lead workflow per line; prints {"lead_id", "workflow_id"} per line.

    A lead that is still open is joined, not routed twice. A bad line prints
    {"line": N, "error": ...} and the exit status is 1.
    """
    settings = _settings(address, namespace)
    try:
        source = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise fail(f"{file}: cannot open: {exc.strerror}") from None
    with source:
        lines = source.readlines()

    async def job(client: Client) -> int:
        errors = 0
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = load_submission_json(line)
                lead = parse_submission(data, source="cli", id_key=settings.id_key)
            except InvalidSubmission as exc:
                errors += 1
                typer.echo(json.dumps({"line": number, "error": str(exc)}))
                continue
            handle = await start_lead(client, lead, settings.task_queue)
            typer.echo(json.dumps({"lead_id": lead.lead_id, "workflow_id": handle.id}))
        return errors

    if _run_client(settings, job):
        raise typer.Exit(1)


@app.command()
def status(
    lead: LeadArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
) -> None:
    """Show where a lead is: status, owner, team, SLA and every decision so far."""
    lead_id = _lead_id(lead)
    state = _run_client(_settings(address, namespace), lambda c: lead_status(c, lead_id))
    if as_json:
        typer.echo(state.model_dump_json(indent=2))
    else:
        typer.echo("\n".join(describe_state(state)))


@app.command()
def act(
    lead: LeadArg,
    owner: Annotated[str, typer.Option("--owner", help="The owner taking the action.")],
    action: Annotated[
        FirstActionKind, typer.Option(help="What the owner did.")
    ] = FirstActionKind.first_touch,
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
) -> None:
    """Record the owner's first action; refused (exit 1) unless they own the lead."""
    lead_id = _lead_id(lead)
    outcome = _run_client(
        _settings(address, namespace), lambda c: record_action(c, lead_id, owner, action)
    )
    typer.echo(outcome.model_dump_json(indent=2))


@app.command()
def reassign(
    lead: LeadArg,
    to: Annotated[str, typer.Option("--to", help="The new owner's roster id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the lead's history).")],
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
) -> None:
    """Hand a lead to another owner by hand; their SLA clock starts now."""
    lead_id = _lead_id(lead)
    state = _run_client(
        _settings(address, namespace), lambda c: reassign_lead(c, lead_id, to, reason)
    )
    typer.echo("\n".join(describe_state(state)))


# Replay and safe changes: history export, replay, simulate, backtest
from starter.cli_history import register as register_history_commands  # noqa: E402

register_history_commands(app)
