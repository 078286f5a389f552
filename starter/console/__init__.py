"""The RevOps console: server-rendered pages on the API's own app (`/console`), every
asset served from `static/`, so it works with no internet access."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from starter.api.config import ApiConfig
from starter.console import actions, analytics_pages, login, pages
from starter.console.access import add_refusals
from starter.console.auth import Keys

STATIC = Path(__file__).parent / "static"


def add_console(app: FastAPI, config: ApiConfig) -> None:
    """Mount the console; a bad LEAD_ROUTER_CONSOLE_USERS stops the API from starting."""
    app.state.console_keys = Keys.of(config)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.include_router(login.router)
    app.include_router(pages.router)
    app.include_router(analytics_pages.router)
    app.include_router(actions.router)
    add_refusals(app)
