"""The HTTP service: form webhooks in; lead status and owner actions out. A small
factory: the routers live in `starter/api/routes/`, what they receive in `deps.py`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from activities.database import Database
from starter.api.config import ApiConfig
from starter.api.middleware import add_guard
from starter.api.routes import crm, leads, service, webhooks
from starter.api.routes.codec import add_codec_routes
from starter.intake import ClientSource, IntakeService


def create_app(config: ApiConfig, database: Database, client: ClientSource) -> FastAPI:
    if not config.insecure and config.missing_secrets():
        raise RuntimeError(
            "the webhook endpoints need their secrets: set "
            + ", ".join(config.missing_secrets())
            + " (or start with --insecure-dev for local development only)"
        )
    intake = IntakeService(
        database.deliveries,
        database.dead_letters,
        client,
        task_queue=config.task_queue,
        id_key=config.id_key,
        mappings=config.mappings,
        dedupe_window=config.dedupe_window,
        crm=config.crm.crm,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        drainer = asyncio.create_task(intake.drain_forever(config.drain_every))
        try:
            yield
        finally:
            drainer.cancel()

    app = FastAPI(
        title="lead-router",
        summary="Form webhooks in; lead status and owner actions out.",
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.database = database
    app.state.client = client
    app.state.intake = intake
    add_guard(app, config)
    app.include_router(webhooks.router)
    app.include_router(crm.router)
    app.include_router(leads.router)
    if config.codec_keys:
        add_codec_routes(app, config)
    app.include_router(service.router)
    return app
