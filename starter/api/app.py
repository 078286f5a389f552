"""The HTTP service: form webhooks in; lead status and owner actions out. A small
factory: the routers live in `starter/api/routes/`, what they receive in `deps.py`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi_offline import FastAPIOffline

from activities.database import Database
from starter.api.config import ApiConfig
from starter.api.errors import error
from starter.api.middleware import add_guard
from starter.api.routes import (
    analytics,
    crm,
    erasure,
    leads,
    owners,
    product_events,
    salesforce_events,
    service,
    webhooks,
)
from starter.api.routes.codec import add_codec_routes
from starter.api.schemas import security_schemes
from starter.console import add_console
from starter.instant_answer import RulesOnDisk
from starter.intake import ClientSource, IntakeService


def create_app(config: ApiConfig, database: Database, client: ClientSource) -> FastAPI:
    intake = IntakeService(
        database.deliveries,
        database.dead_letters,
        client,
        lead_keys=database.lead_keys,
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

    # /docs and /redoc load their scripts from the app itself, not a CDN: they work
    # inside networks without outbound access
    app = FastAPIOffline(
        title="lead-router",
        summary="Form webhooks in; lead status and owner actions out.",
        lifespan=lifespan,
        static_url="/docs-assets",
    )
    app.state.config = config
    app.state.database = database
    app.state.client = client
    app.state.intake = intake
    app.state.rules_on_disk = RulesOnDisk(config.rules_path)  # the instant answer's next steps
    add_guard(app, config)
    app.include_router(webhooks.router)
    app.include_router(product_events.router)
    app.include_router(crm.router)
    app.include_router(salesforce_events.router)
    app.include_router(leads.router)
    app.include_router(erasure.router)
    app.include_router(owners.router)
    app.include_router(analytics.router)
    if config.codec_keys:
        add_codec_routes(app, config, database.lead_keys)
    app.include_router(service.router)
    add_console(app, config)
    _describe(app)
    return app


def _describe(app: FastAPI) -> None:
    """The OpenAPI document as the service behaves: our 422 shape for FastAPI's own
    validation, and the signatures and the token as security schemes."""

    async def invalid(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error(422, [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]}
                           for e in exc.errors()])  # fmt: skip

    app.add_exception_handler(RequestValidationError, invalid)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            document.setdefault("components", {})["securitySchemes"] = security_schemes()
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
