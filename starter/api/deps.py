"""What the routes receive through `Depends`: set once on the app by `create_app`."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from activities.database import Database
from starter.api.config import ApiConfig
from starter.intake import ClientSource, IntakeService


def _config(request: Request) -> ApiConfig:
    return cast(ApiConfig, request.app.state.config)


def _database(request: Request) -> Database:
    return cast(Database, request.app.state.database)


def _client(request: Request) -> ClientSource:
    return cast(ClientSource, request.app.state.client)


def _intake(request: Request) -> IntakeService:
    return cast(IntakeService, request.app.state.intake)


Config = Annotated[ApiConfig, Depends(_config)]
AppDatabase = Annotated[Database, Depends(_database)]
Client = Annotated[ClientSource, Depends(_client)]
Intake = Annotated[IntakeService, Depends(_intake)]
