"""An owner going away (now or in a window, their open leads reassigned) and coming
back, behind the bearer token: `starter/owners.py` does the work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from temporalio.service import RPCError

from activities.rules_file import load_rules_file
from domain.rules import RoutingRules, RulesError
from starter.api.config import ApiConfig
from starter.api.deps import AppDatabase, Client, Config
from starter.api.errors import error, json_body, read_json, token_refusal
from starter.api.schemas import errors
from starter.owners import AvailabilitySummary, OwnerError, UnknownOwner, set_away, set_back

router = APIRouter(prefix="/owners", tags=["owners"])


class AwayRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    reassign_open: bool = False
    start: datetime | None = Field(None, alias="from", description="away from (default: now)")
    until: datetime | None = Field(None, description="back by themselves then")
    by: str = Field("api", min_length=1, max_length=200, description="who made the change")


class BackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = Field("api", min_length=1, max_length=200)


Body = TypeVar("Body", AwayRequest, BackRequest)


async def _body(request: Request, model: type[Body]) -> Body | Response:
    """The body as `model`; an empty body is every default."""
    if not await request.body():
        return model()
    return await read_json(request, model)


ANSWERS = {
    200: {"model": AvailabilitySummary, "description": "what changed, and the leads moved"},
    **errors(401, 404, 413, 422, 503),
}


@router.post("/{owner_id}/away", response_model=None, responses=ANSWERS,
             openapi_extra={**json_body(AwayRequest), "security": [{"bearer": []}]})  # fmt: skip
async def away(
    owner_id: str,
    request: Request,
    config: Config,
    database: AppDatabase,
    client: Client,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """Mark the owner away (`from`/`until` for a window that ends by itself); with
    `reassign_open`, every lead they hold now goes through reassignment."""

    async def change(body: AwayRequest, rules: RoutingRules) -> AvailabilitySummary:
        connected = await client() if body.reassign_open else None
        return await set_away(
            database, rules, owner_id, by=body.by, rules_where="the rules file",
            reassign_open=body.reassign_open, start=body.start, until=body.until,
            client=connected, task_queue=config.task_queue,
        )  # fmt: skip

    return await _changed(request, config, authorization, AwayRequest, change)


@router.post("/{owner_id}/back", response_model=None, responses=ANSWERS,
             openapi_extra={**json_body(BackRequest), "security": [{"bearer": []}]})  # fmt: skip
async def back(
    owner_id: str,
    request: Request,
    config: Config,
    database: AppDatabase,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """Mark the owner available again, ending any window."""

    async def change(body: BackRequest, rules: RoutingRules) -> AvailabilitySummary:
        return await set_back(database, rules, owner_id, by=body.by, rules_where="the rules file")

    return await _changed(request, config, authorization, BackRequest, change)


async def _changed(
    request: Request,
    config: ApiConfig,
    authorization: str | None,
    model: type[Body],
    change: Callable[[Body, RoutingRules], Awaitable[AvailabilitySummary]],
) -> Response:
    """The token, the body and the rules checked, then the change made: its summary, or
    why not (404 no such owner, 422 a bad field, 503 Temporal down)."""
    if (refused := token_refusal(config, authorization, "owner changes")) is not None:
        return refused
    body = await _body(request, model)
    if isinstance(body, Response):
        return body
    try:
        rules = load_rules_file(config.rules_path)
    except RulesError as exc:
        return error(503, f"the rules file cannot be read: {exc}")
    try:
        summary = await change(body, rules)
    except UnknownOwner as exc:
        return error(404, str(exc))
    except OwnerError as exc:
        return error(422, [{"field": exc.field, "message": str(exc)}])
    except (RPCError, ConnectionError) as exc:
        return error(503, f"Temporal: {getattr(exc, 'message', exc)}")
    return Response(summary.model_dump_json(), media_type="application/json")
