"""`lead-router console hash-password`: a console user's entry for LEAD_ROUTER_CONSOLE_USERS."""

from __future__ import annotations

from typing import Annotated

import typer

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


def register(app: typer.Typer) -> None:
    app.add_typer(console_app, name="console")
