"""`lead-router new-key`: a key for payload encryption."""

from __future__ import annotations

from typing import Annotated

import typer


def new_key_command(
    key_id: Annotated[str, typer.Argument(help="A name for the key, kept in each payload.")] = "k1",
) -> None:
    """Print a fresh AES-256 key as id:base64key, for LEAD_ROUTER_CODEC_KEYS."""
    from starter.runtime.codec import new_key

    typer.echo(f"{key_id}:{new_key()}")


def register(app: typer.Typer) -> None:
    app.command("new-key")(new_key_command)
