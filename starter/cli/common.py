"""What every command shares: its options, its one error helper, settings with the
command line's overrides, and running a job against Temporal."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from activities.catalog import RowProblem
from activities.database import Database, database_url
from activities.rules_file import load_rules_file
from domain.intake import resolve_lead_id
from domain.rules import RoutingRules, RulesError
from starter.runtime.settings import Settings
from starter.runtime.temporal import connect

T = TypeVar("T")

err = Console(stderr=True, highlight=False, soft_wrap=True)

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
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def settings_for(
    address: str | None = None, namespace: str | None = None, database: str | None = None
) -> Settings:
    """The settings, with the command line's options where given."""
    return Settings().with_temporal(address, namespace).with_database(database)


def rules_from(path: Path | None, what: str | None = None) -> RoutingRules:
    try:
        return load_rules_file(path or Settings().routing.rules_path)
    except RulesError as exc:
        raise fail(f"{what} rules: {exc}" if what else str(exc)) from None


def report(problems: list[RowProblem], what: str) -> None:
    for problem in problems[:20]:
        err.print(f"[yellow]skipped[/yellow] {problem}")
    if len(problems) > 20:
        err.print(f"[yellow]... and {len(problems) - 20} more bad {what} rows[/yellow]")


def missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file `url` names, when there is none yet (read-only commands never
    create one)."""
    resolved = database_url(url)
    path = Path(resolved.split(":///", 1)[-1])
    return path if resolved.startswith("sqlite") and not path.exists() else None


def existing_database(url: str) -> Database | None:
    """The database if it exists already."""
    return None if missing_sqlite_file(url) else Database(database_url(url))


def lead_id_of(email_or_id: str, settings: Settings) -> str:
    try:
        return resolve_lead_id(email_or_id, settings.routing.id_key)
    except ValueError as exc:
        raise fail(str(exc)) from None


def run_on_lead(
    lead: str,
    address: str | None,
    namespace: str | None,
    job: Callable[[Client, str], Awaitable[T]],
) -> T:
    """Resolve the lead (an email or an id), then run `job(client, lead_id)`."""
    settings = settings_for(address, namespace)
    lead_id = lead_id_of(lead, settings)
    return run_client(settings, lambda client: job(client, lead_id))


def run_client(settings: Settings, job: Callable[[Client], Awaitable[T]]) -> T:
    """Connect, run the job, and turn Temporal's errors into a line a person can act on."""

    async def run() -> T:
        return await job(await connect(settings.temporal))

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
