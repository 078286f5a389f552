"""What the routes receive through `Depends`: set once on the app by `create_app`."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from activities.store import Store
from starter.api.config import ApiConfig
from starter.intake import ClientSource, IntakeService


def _config(request: Request) -> ApiConfig:
    return cast(ApiConfig, request.app.state.config)


def _store(request: Request) -> Store:
    return cast(Store, request.app.state.store)


def _client(request: Request) -> ClientSource:
    return cast(ClientSource, request.app.state.client)


def _intake(request: Request) -> IntakeService:
    return cast(IntakeService, request.app.state.intake)


Config = Annotated[ApiConfig, Depends(_config)]
AppStore = Annotated[Store, Depends(_store)]
Client = Annotated[ClientSource, Depends(_client)]
Intake = Annotated[IntakeService, Depends(_intake)]
