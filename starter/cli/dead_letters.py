"""`lead-router dead-letters list|retry`: authenticated submissions that were rejected,
and routing one again after the mapping or the rules are fixed."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from starter.cli.common import (
    AddressOpt,
    DatabaseOpt,
    DataDirOpt,
    JsonOpt,
    NamespaceOpt,
    err,
    open_database,
    settings_for,
)
from starter.runtime.stdio import console

dead_letters_app = typer.Typer(
    help="Authenticated submissions that were rejected: list them, and retry after a fix.",
    no_args_is_help=True,
)


@dead_letters_app.command("list")
def dead_letters_list(
    all_: Annotated[bool, typer.Option("--all", help="Include those already retried.")] = False,
    as_json: JsonOpt = False,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Show rejected submissions with the reason each was rejected."""
    target = open_database(settings_for(database=database, data_dir=data_dir))

    async def run() -> list[dict[str, object]]:
        db = await target.init()
        try:
            rows = await db.dead_letters.all(include_retried=all_)
        finally:
            await db.close()
        return [r.model_dump(mode="json") for r in rows]

    rows = asyncio.run(run())
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} dead letter(s)")
    for column in ("id", "source", "received", "reason", "retried"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["source"]),
            str(r["received_at"])[:19],
            str(r["reason"]),
            str(r["retried_at"] or "-"),
        )
    console().print(table)


@dead_letters_app.command("retry")
def dead_letters_retry(
    letter_id: Annotated[int, typer.Argument(metavar="ID", help="The dead letter's id.")],
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Route a rejected submission again, with the current mapping and rules."""
    from starter.dead_letters import retry_dead_letter
    from starter.intake import Rejected, intake_for

    settings = settings_for(address, namespace, database, data_dir)
    target = open_database(settings)

    async def run() -> str:
        db = await target.init()
        try:
            accepted = await retry_dead_letter(db, intake_for(db, settings), letter_id)
            return json.dumps({"lead_id": accepted.lead_id, "status": accepted.status})
        finally:
            await db.close()

    try:
        typer.echo(asyncio.run(run()))
    except Rejected as exc:
        err.print(f"[red]still rejected:[/red] {exc}")
        raise typer.Exit(1) from None
    except ValueError as exc:  # CannotRetry among them
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    app.add_typer(dead_letters_app, name="dead-letters")
