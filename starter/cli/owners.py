"""`lead-router owner away|back`: an owner out of office, now or in a window, and the
leads they hold sent to someone else (`starter/owners.py` does the work)."""

from __future__ import annotations

import getpass
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from starter.cli.common import (
    AddressOpt,
    DatabaseOpt,
    DataDirOpt,
    JsonOpt,
    NamespaceOpt,
    RulesOpt,
    err,
    fail,
    open_database,
    rules_from,
    settings_for,
)

if TYPE_CHECKING:
    from temporalio.client import Client

    from activities.database import Database
    from domain.rules import RoutingRules
    from starter.owners import AvailabilitySummary
    from starter.runtime.settings import Settings

owner_app = typer.Typer(help="Change an owner's availability.", no_args_is_help=True)

OwnerArg = Annotated[str, typer.Argument(metavar="ID", help="The owner's roster id.")]
ByOpt = Annotated[
    str | None,
    typer.Option("--by", help="Who is making the change (kept with it). Default: your login."),
]
WHEN_HELP = "ISO 8601 date or time (e.g. 2026-12-24 or 2026-12-24T09:00+01:00); UTC when no zone."


def _moment(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r}: not a date or time; {WHEN_HELP}") from None


@owner_app.command("away")
def away(
    owner_id: OwnerArg,
    reassign_open: Annotated[
        bool,
        typer.Option(
            "--reassign-open", help="Also reassign every open lead they hold now, at once."
        ),
    ] = False,
    start: Annotated[
        str | None, typer.Option("--from", help=f"Away from then (default: now). {WHEN_HELP}")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help=f"Back by themselves then (default: never). {WHEN_HELP}"),
    ] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
    rules: RulesOpt = None,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
) -> None:
    """Mark an owner out of office: round-robin skips them (within --from/--until when
    given); with --reassign-open their open leads go to someone else now."""
    from starter.owners import set_away

    begins, ends = _moment(start, "--from"), _moment(until, "--until")
    settings = settings_for(address, namespace, database, data_dir)
    where = str(rules or settings.routing.rules_path)
    routing_rules = rules_from(rules)
    _known(routing_rules, owner_id, where)

    async def job(db: Database) -> AvailabilitySummary:
        client = await _connect(settings) if reassign_open else None
        with _progress() as advance:
            return await set_away(
                db, routing_rules, owner_id, by=by or _login(), rules_where=where,
                reassign_open=reassign_open, start=begins, until=ends, client=client,
                task_queue=settings.temporal.task_queue, progress=advance,
            )  # fmt: skip

    _show(_run(settings, job), as_json)


@owner_app.command("back")
def back(
    owner_id: OwnerArg,
    by: ByOpt = None,
    as_json: JsonOpt = False,
    rules: RulesOpt = None,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Mark an owner available again (ends any away window)."""
    from starter.owners import set_back

    settings = settings_for(database=database, data_dir=data_dir)
    where = str(rules or settings.routing.rules_path)
    routing_rules = rules_from(rules)
    _known(routing_rules, owner_id, where)

    async def job(db: Database) -> AvailabilitySummary:
        return await set_back(db, routing_rules, owner_id, by=by or _login(), rules_where=where)

    _show(_run(settings, job), as_json)


def _known(rules: RoutingRules, owner_id: str, where: str) -> None:
    """An unknown owner is said before anything else is opened."""
    from starter.owners import OwnerError, check_owner

    try:
        check_owner(rules, owner_id, where)
    except OwnerError as exc:
        raise fail(str(exc)) from None


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


async def _connect(settings: Settings) -> Client:
    from starter.runtime.temporal import connect

    return await connect(settings.temporal)


def _run(
    settings: Settings, job: Callable[[Database], Awaitable[AvailabilitySummary]]
) -> AvailabilitySummary:
    import asyncio

    from starter.owners import OwnerError

    target = open_database(settings)

    async def run() -> AvailabilitySummary:
        await target.init()
        try:
            return await job(target)
        finally:
            await target.close()

    try:
        return asyncio.run(run())
    except OwnerError as exc:
        raise fail(str(exc)) from None
    except ConnectionError as exc:
        raise fail(f"{exc} (nothing changed: the owner is not marked away)") from None


class _progress:
    """A progress bar on stderr while leads are sent to reassignment."""

    def __enter__(self) -> Callable[[int, int], None]:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._bar = Progress(
            TextColumn("reassigning open leads"), BarColumn(), MofNCompleteColumn(), console=err
        )
        self._task: int | None = None
        self._bar.start()

        def advance(done: int, total: int) -> None:
            if self._task is None:
                self._task = self._bar.add_task("reassign", total=total)
            self._bar.update(self._task, completed=done)  # type: ignore[arg-type]

        return advance

    def __exit__(self, *_: object) -> None:
        self._bar.stop()


def _show(summary: AvailabilitySummary, as_json: bool) -> None:
    if as_json:
        typer.echo(summary.model_dump_json(indent=2))
    else:
        typer.echo("\n".join(summary.lines()))
    if summary.not_moved:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(owner_app, name="owner")
