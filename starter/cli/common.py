"""What every command shares: its options, its one error helper, settings with the
command line's overrides, and running a job against Temporal.

Commands answer at once: this module and the command modules import only typer and the
standard library at their top; the SDK, the database and the domain are imported inside
the commands that use them (`lead-router --help` never loads them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from starter.runtime.stdio import console

if TYPE_CHECKING:
    from temporalio.client import Client

    from activities.catalog import RowProblem
    from activities.database import Database
    from domain.rules import RoutingRules
    from starter.runtime.settings import Settings

T = TypeVar("T")

err = console(stderr=True)
_given: dict[str, Path | None] = {
    "data_dir": None
}  # the global --data-dir, before the command's own

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
        help="App database URL or SQLite path. Default: $LEAD_ROUTER_DATABASE_URL or lead-router.db in the data dir.",
    ),
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Where the app database and the embedded Temporal live. Default: $LEAD_ROUTER_DATA_DIR or .lead-router.",
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


def given_data_dir(data_dir: Path | None) -> None:
    """Keep the global --data-dir (`lead-router --data-dir X COMMAND`)."""
    _given["data_dir"] = data_dir


def settings_for(
    address: str | None = None,
    namespace: str | None = None,
    database: str | None = None,
    data_dir: Path | None = None,
) -> Settings:
    """The settings, with the command line's options where given (the command's
    --data-dir before the global one)."""
    from starter.runtime.settings import Settings

    try:
        settings = Settings()
    except ValueError as exc:
        raise fail(str(exc)) from None
    return (
        settings.with_data_dir(data_dir or _given["data_dir"])
        .with_temporal(address, namespace)
        .with_database(database)
    )


def rules_from(path: Path | None, what: str | None = None) -> RoutingRules:
    from activities.rules_file import load_rules_file
    from domain.rules import RulesError
    from starter.runtime.settings import Settings

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
    from activities.database import database_url

    resolved = database_url(url)
    path = Path(resolved.split(":///", 1)[-1])
    return path if resolved.startswith("sqlite") and not path.exists() else None


def existing_database(url: str, master_keys: dict[str, bytes] | None = None) -> Database | None:
    """The database if it exists already."""
    from activities.database import Database, database_url

    return None if missing_sqlite_file(url) else Database(database_url(url), master_keys)


async def with_app_database(
    settings: Settings, job: Callable[[Database | None], Awaitable[T]]
) -> T:
    """Run `job` with the app database if there is one (it holds each lead's key, which
    replay and backtest need to read a lead's history), else with None."""
    from starter.runtime.codec import configured_keys

    database = existing_database(settings.database.url, configured_keys(settings.codec))
    if database is None:
        return await job(None)
    try:
        return await job(await database.init())
    finally:
        await database.close()


def no_database(path: Path) -> str:
    return (
        f"no app database at {path} (`lead-router up` or `lead-router db upgrade` creates "
        "one; or point --data-dir or --database at yours)"
    )


def open_database(settings: Settings) -> Database:
    """The app database the settings name; a missing SQLite file is an error, never
    created here (a command on the wrong data dir would otherwise write to a new one)."""
    if missing := missing_sqlite_file(settings.database.url):
        raise fail(no_database(missing))
    from activities.database import Database
    from starter.runtime.codec import configured_keys

    return Database(settings.database.url, configured_keys(settings.codec))


def lead_id_of(email_or_id: str, settings: Settings) -> str:
    from domain.intake import resolve_lead_id

    try:
        return resolve_lead_id(email_or_id, settings.routing.id_key)
    except ValueError as exc:
        raise fail(str(exc)) from None


def run_on_lead(
    lead: str,
    address: str | None,
    namespace: str | None,
    job: Callable[[Client, str], Awaitable[T]],
    database: str | None = None,
    data_dir: Path | None = None,
) -> T:
    """Resolve the lead (an email or an id), then run `job(client, lead_id)`. The app
    database (`database`, `data_dir`) holds the lead's key: what the worker answers is
    sealed with it."""
    settings = settings_for(address, namespace, database, data_dir)
    lead_id = lead_id_of(lead, settings)
    return run_client(settings, lambda client: job(client, lead_id), lead_id)


def run_client(
    settings: Settings,
    job: Callable[[Client], Awaitable[T]],
    lead_id: str | None = None,
    *,
    erased_ok: bool = False,
) -> T:
    """Connect, run the job, and turn Temporal's errors into a line a person can act on.
    A lead erased on request is refused with what was kept, unless `erased_ok`."""
    import asyncio

    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.service import RPCError, RPCStatusCode

    from activities.database.database import SchemaOutOfDate
    from activities.database.lead_keys import LeadKeyError
    from starter.runtime.temporal import connect
    from workflows.client import LeadClosed

    async def run() -> T:
        from starter.erasure import erased_note
        from starter.runtime.codec import configured_keys

        # the app database holds each lead's key: what the worker answers is sealed with it
        database = existing_database(settings.database.url, configured_keys(settings.codec))
        if database is None:
            return await job(await connect(settings.temporal))
        try:
            await database.init()
            if lead_id and (note := await erased_note(database, lead_id)):
                if not erased_ok:
                    raise fail(note, 1)
                err.print(f"note: {note}")
            return await job(await connect(settings.temporal, database.lead_keys))
        finally:
            await database.close()

    try:
        return asyncio.run(run())
    except (ConnectionError, SchemaOutOfDate, LeadKeyError) as exc:
        raise fail(str(exc)) from None
    except LeadClosed as exc:
        raise fail(f"refused: {exc}", 1) from None
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            what = f"lead {lead_id}" if lead_id else "such lead"
            raise fail(f"no {what} (check the email or id, and --address)") from None
        raise fail(exc.message) from None
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        raise fail(f"refused: {getattr(cause, 'message', None) or cause or exc}", 1) from None
    except KeyError as exc:  # the payload converter's "Unknown payload encoding"
        from starter.runtime.lead_codec import LEAD_SEALED_HINT

        if LEAD_SEALED_HINT[0] not in str(exc):
            raise
        raise fail(
            f"what the worker answered is sealed with the lead's own key, kept in the app "
            f"database, and there is none at {settings.database.url}: run with the data "
            "dir `lead-router up` uses (--data-dir) or --database"
        ) from None
