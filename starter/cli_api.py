"""CLI commands for the HTTP service and the dead-letter table."""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import replace
from datetime import timedelta
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from activities.store import Store
from starter.api import ApiConfig, create_app
from starter.codec import keys_from_env
from starter.config import Settings
from starter.intake import IntakeService, Rejected, Source, load_mappings
from starter.temporal import ClientProvider

dead_letters_app = typer.Typer(
    help="Authenticated submissions that were rejected: list them, and retry after a fix.",
    no_args_is_help=True,
)
err = Console(stderr=True)


def api_config(settings: Settings, *, insecure: bool, ui_url: str | None) -> ApiConfig:
    return ApiConfig(
        task_queue=settings.task_queue,
        id_key=settings.id_key,
        webhook_secret=settings.webhook_secret,
        hubspot_secret=settings.hubspot_secret,
        typeform_secret=settings.typeform_secret,
        api_token=settings.api_token,
        insecure=insecure,
        ui_url=ui_url,
        namespace=settings.temporal_namespace,
        public_url=settings.public_url,
        mappings=load_mappings(settings.form_mappings),
        dedupe_window=timedelta(seconds=settings.dedupe_window_seconds),
        rate_limit_per_minute=settings.rate_limit_per_minute,
        codec_keys=keys_from_env(),
        codec_token=os.environ.get("LEAD_ROUTER_CODEC_TOKEN") or None,
        codec_origin=os.environ.get("LEAD_ROUTER_CODEC_CORS_ORIGIN") or None,
    )


async def serve(
    settings: Settings, *, host: str, port: int, insecure: bool, ui_url: str | None
) -> None:
    """Run the HTTP service until cancelled (or Ctrl-C when it owns the loop)."""
    store = await Store(settings.database_url).init()
    try:
        app = create_app(
            api_config(settings, insecure=insecure, ui_url=ui_url),
            store,
            ClientProvider(settings.temporal_address, settings.temporal_namespace),
        )
        server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
        )
        await server.serve()
    finally:
        await store.close()


def api(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    address: Annotated[str | None, typer.Option("--address", help="Temporal address.")] = None,
    ui_url: Annotated[
        str | None, typer.Option(help="Temporal Web UI base URL, for links in answers.")
    ] = None,
    insecure_dev: Annotated[
        bool,
        typer.Option("--insecure-dev", help="Accept unsigned webhooks (local development only)."),
    ] = False,
) -> None:
    """Run the HTTP service: form webhooks, lead status and actions; docs at /docs."""
    settings = Settings()
    if address:
        settings = replace(settings, temporal_address=address)
    try:
        asyncio.run(serve(settings, host=host, port=port, insecure=insecure_dev, ui_url=ui_url))
    except (RuntimeError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


@dead_letters_app.command("list")
def dead_letters_list(
    all_: Annotated[bool, typer.Option("--all", help="Include those already retried.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show rejected submissions with the reason each was rejected."""

    async def run() -> list[dict[str, object]]:
        store = await Store(Settings().database_url).init()
        try:
            rows = await store.dead_letters(include_retried=all_)
        finally:
            await store.close()
        return [r.model_dump(mode="json") for r in rows]

    rows = asyncio.run(run())
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
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
    Console().print(table)


@dead_letters_app.command("retry")
def dead_letters_retry(
    letter_id: Annotated[int, typer.Argument(metavar="ID", help="The dead letter's id.")],
    address: Annotated[str | None, typer.Option("--address", help="Temporal address.")] = None,
) -> None:
    """Route a rejected submission again, with the current mapping and rules."""
    settings = Settings()
    if address:
        settings = replace(settings, temporal_address=address)

    async def run() -> str:
        store = await Store(settings.database_url).init()
        try:
            letter = await store.dead_letter(letter_id)
            if letter is None:
                raise ValueError(
                    f"no dead letter {letter_id} (see `lead-router dead-letters list`)"
                )
            if letter.retried_at is not None:
                raise ValueError(f"dead letter {letter_id} was already retried as {letter.lead_id}")
            intake = IntakeService(
                store,
                ClientProvider(settings.temporal_address, settings.temporal_namespace),
                task_queue=settings.task_queue,
                id_key=settings.id_key,
                mappings=load_mappings(settings.form_mappings),
            )
            body = letter.raw_body.encode("utf-8")
            source = Source(letter.source)
            lead, _ = intake.to_lead(source, body)
            accepted = await intake.record_and_start(source, lead, body, f"dead-letter-{letter_id}")
            await store.mark_dead_letter_retried(letter_id, accepted.lead_id)
            return json.dumps({"lead_id": accepted.lead_id, "status": accepted.status})
        finally:
            await store.close()

    try:
        typer.echo(asyncio.run(run()))
    except Rejected as exc:
        err.print(f"[red]still rejected:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
