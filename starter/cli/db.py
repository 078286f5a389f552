"""`lead-router db upgrade` and `db current`: the app database's schema, for deployments
(the embedded SQLite database upgrades itself when a process opens it)."""

from __future__ import annotations

import asyncio

import typer
from sqlalchemy.exc import SQLAlchemyError

from activities.database import database_url
from activities.database.revision import HEAD
from starter.cli.common import DatabaseOpt, err, fail, missing_sqlite_file, settings_for

db_app = typer.Typer(help="The app database's schema migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(database: DatabaseOpt = None) -> None:
    """Bring the app database to this version's schema (creating it if need be); safe to
    run again, and from several processes at once."""
    from activities.database import migrate  # Alembic is imported only here

    url = database_url(settings_for(database=database).database.url)
    try:
        before = asyncio.run(migrate.current(url))
        asyncio.run(migrate.upgrade(url))
    except (SQLAlchemyError, OSError) as exc:
        raise fail(f"cannot upgrade the app database: {exc}") from None
    if before == HEAD:
        typer.echo(f"already at {HEAD}")
    else:
        typer.echo(f"upgraded {before or 'an unversioned database'} -> {HEAD}")


@db_app.command("current")
def current(database: DatabaseOpt = None) -> None:
    """Print the schema revision the app database is at, and whether it is this version's."""
    from activities.database import migrate

    url = database_url(settings_for(database=database).database.url)
    if missing := missing_sqlite_file(url):
        raise fail(f"no app database at {missing} (`lead-router db upgrade` creates one)")
    try:
        at = asyncio.run(migrate.current(url))
    except (SQLAlchemyError, OSError) as exc:
        raise fail(f"cannot read the app database: {exc}") from None
    if at == HEAD:
        typer.echo(f"{at} (head)")
        return
    typer.echo(f"{at or 'none'} (this version needs {HEAD}: run `lead-router db upgrade`)")
    err.print("the app database is behind this version")
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
