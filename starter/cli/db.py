"""`lead-router db upgrade` and `db current`: the app database's schema, for deployments
(the embedded SQLite database upgrades itself when a process opens it)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer

from starter.cli import common
from starter.cli.common import DatabaseOpt, DataDirOpt, fail

if TYPE_CHECKING:
    from starter.runtime.settings import Settings

db_app = typer.Typer(help="The app database's schema migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(database: DatabaseOpt = None, data_dir: DataDirOpt = None) -> None:
    """Bring the app database to this version's schema (creating it if need be); safe to
    run again, and from several processes at once."""
    from sqlalchemy.exc import SQLAlchemyError

    from activities.database import migrate  # Alembic is imported only here
    from activities.database.revision import HEAD

    url = _url(common.settings_for(database=database, data_dir=data_dir))
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
def current(database: DatabaseOpt = None, data_dir: DataDirOpt = None) -> None:
    """Print the schema revision the app database is at, and whether it is this version's."""
    from sqlalchemy.exc import SQLAlchemyError

    from activities.database import migrate
    from activities.database.revision import HEAD

    url = _url(common.settings_for(database=database, data_dir=data_dir))
    if missing := common.missing_sqlite_file(url):
        raise fail(common.no_database(missing))
    try:
        at = asyncio.run(migrate.current(url))
    except (SQLAlchemyError, OSError) as exc:
        raise fail(f"cannot read the app database: {exc}") from None
    if at == HEAD:
        typer.echo(f"{at} (head)")
        return
    typer.echo(f"{at or 'none'} (this version needs {HEAD}: run `lead-router db upgrade`)")
    common.err.print("the app database is behind this version")
    raise typer.Exit(1)


def _url(settings: Settings) -> str:
    from activities.database import database_url

    return database_url(settings.database.url)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
