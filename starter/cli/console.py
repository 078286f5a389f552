"""`lead-router console hash-password|sessions|end-sessions`: a console user's entry for
LEAD_ROUTER_CONSOLE_USERS, and the sessions open in the console (ending them for real)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from starter.cli.common import DatabaseOpt, DataDirOpt, JsonOpt, open_database, settings_for
from starter.runtime.stdio import console

console_app = typer.Typer(help="The RevOps console at /console.", no_args_is_help=True)


@console_app.command("hash-password")
def hash_password_command(
    name: Annotated[str, typer.Argument(help="The user's name, recorded as who acted.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Print NAME=scrypt$... to add to LEAD_ROUTER_CONSOLE_USERS (entries joined by ;)."""
    from starter.console.auth import hash_password

    if not name.strip() or any(c in name for c in "=;"):
        raise typer.BadParameter("a name without '=' or ';'", param_hint="NAME")
    if len(password) < 8:
        raise typer.BadParameter("at least 8 characters", param_hint="--password")
    typer.echo(f"{name.strip()}={hash_password(password)}")
    typer.echo(
        "Once the API runs with the new entry, the sessions opened with the old password end.",
        err=True,
    )


@console_app.command("sessions")
def sessions_command(
    as_json: JsonOpt = False, database: DatabaseOpt = None, data_dir: DataDirOpt = None
) -> None:
    """The console's open sessions: who, since when, last seen, until when."""
    from datetime import UTC, datetime

    target = open_database(settings_for(database=database, data_dir=data_dir))

    async def run() -> list[dict[str, str]]:
        db = await target.init()
        try:
            found = await db.console_sessions.open_ones(datetime.now(UTC))
        finally:
            await db.close()
        columns = ("created_at", "last_seen_at", "expires_at")
        return [{"user": s.user, **{c: getattr(s, c).isoformat() for c in columns}} for s in found]

    rows = asyncio.run(run())
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} open console session(s)")
    for column in ("user", "signed in", "last seen", "expires"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row.values())
    console().print(table)


@console_app.command("end-sessions")
def end_sessions_command(
    user: Annotated[str, typer.Argument(help="The name the user signs in with.")],
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """End every console session of USER now (a lost laptop, a password change): their
    next page asks them to sign in again."""
    target = open_database(settings_for(database=database, data_dir=data_dir))

    async def run() -> int:
        db = await target.init()
        try:
            return await db.console_sessions.end_all_of(user.strip())
        finally:
            await db.close()

    ended = asyncio.run(run())
    typer.echo(f"ended {ended} console session(s) of {user.strip()}")


def register(app: typer.Typer) -> None:
    app.add_typer(console_app, name="console")
