"""`lead-router up`, `worker` and `api`: running lead-router."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from starter.cli.common import (
    AddressOpt,
    DatabaseOpt,
    DataDirOpt,
    NamespaceOpt,
    err,
    fail,
    settings_for,
)

if TYPE_CHECKING:
    from starter.runtime.settings import Settings


def up(
    data_dir: DataDirOpt = None,
    temporal_port: Annotated[int, typer.Option(help="Temporal frontend port.")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Temporal Web UI port.")] = 8233,
    temporal_address: Annotated[
        str | None, typer.Option(help="Use this external Temporal instead of starting one.")
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Submit the bundled sample leads.")] = False,
    api_port: Annotated[
        int, typer.Option(help="Port of the HTTP service (webhooks, /docs).")
    ] = 8000,
    namespace: NamespaceOpt = None,
    database: DatabaseOpt = None,
    insecure_dev: Annotated[
        bool,
        typer.Option("--insecure-dev", help="Accept unsigned webhooks (local development only)."),
    ] = False,
) -> None:
    """Start the embedded Temporal (with its Web UI) and the worker; Ctrl-C stops both.

    Everything persists in the data dir: running `up` again brings every lead back
    where it was.
    """
    from starter.up import run_up

    settings = settings_for(None, namespace, database, data_dir)
    try:
        asyncio.run(
            run_up(
                settings,
                temporal_port=temporal_port,
                ui_port=ui_port,
                external_address=temporal_address,
                demo=demo,
                api_port=api_port,
                insecure=insecure_dev,
            )
        )
    except (RuntimeError, ConnectionError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None


def worker_command(
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Run a worker against an existing Temporal (configured by the environment)."""
    from worker import run_worker

    try:
        asyncio.run(run_worker(settings_for(address, namespace, database, data_dir)))
    except (ConnectionError, RuntimeError) as exc:
        raise fail(str(exc)) from None


async def serve(
    settings: Settings, *, host: str, port: int, insecure: bool, ui_url: str | None
) -> None:
    """Run the HTTP service until cancelled (or Ctrl-C when it owns the loop)."""
    import uvicorn

    from activities.database import Database
    from activities.rules_file import refuse_invalid_rules
    from starter.api.app import create_app
    from starter.api.config import api_config, webhooks_note
    from starter.api.server import uvicorn_config
    from starter.runtime.codec import configured_keys
    from starter.runtime.temporal import ClientProvider

    refuse_invalid_rules(settings.routing.rules_path)  # its leads would never be routed
    database = await Database(settings.database.url, configured_keys(settings.codec)).init()
    try:
        config = api_config(settings, insecure=insecure, ui_url=ui_url)
        err.print(webhooks_note(config))
        app = create_app(config, database, ClientProvider(settings.temporal, database.lead_keys))
        server = uvicorn.Server(uvicorn_config(app, config, host, port))
        serving = asyncio.create_task(server.serve())
        while not (server.started or serving.done()):
            await asyncio.sleep(0.05)
        if server.started:
            err.print(f"lead-router API listening on http://{host}:{port} (docs /docs)")
        await serving
    finally:
        await database.close()


def api(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
    ui_url: Annotated[
        str | None, typer.Option(help="Temporal Web UI base URL, for links in answers.")
    ] = None,
    insecure_dev: Annotated[
        bool,
        typer.Option("--insecure-dev", help="Accept unsigned webhooks (local development only)."),
    ] = False,
) -> None:
    """Run the HTTP service: form webhooks, lead status and actions; docs at /docs."""
    settings = settings_for(address, namespace, database, data_dir)
    try:
        asyncio.run(serve(settings, host=host, port=port, insecure=insecure_dev, ui_url=ui_url))
    except (RuntimeError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    app.command()(up)
    app.command("worker")(worker_command)
    app.command()(api)
