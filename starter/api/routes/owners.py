"""An owner going away (now or in a window, their open leads reassigned) and coming
back, behind the bearer token: `starter/owners.py` does the work."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from temporalio.service import RPCError

from activities.rules_file import load_rules_file
from domain.rules import RoutingRules, RulesError
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


def _json(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


def _rules(config: Config) -> RoutingRules | Response:
    try:
        return load_rules_file(config.rules_path)
    except RulesError as exc:
        return error(503, f"the rules file cannot be read: {exc}")


async def _body(request: Request, model: type[BaseModel]) -> BaseModel | Response:
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
    if (refused := token_refusal(config, authorization, "owner changes")) is not None:
        return refused
    body = await _body(request, AwayRequest)
    if isinstance(body, Response):
        return body
    assert isinstance(body, AwayRequest)
    rules = _rules(config)
    if isinstance(rules, Response):
        return rules
    try:
        connected = await client() if body.reassign_open else None
        summary = await set_away(
            database, rules, owner_id, by=body.by, rules_where="the rules file",
            reassign_open=body.reassign_open, start=body.start, until=body.until,
            client=connected, task_queue=config.task_queue,
        )  # fmt: skip
    except OwnerError as exc:
        return _refusal(exc)
    except (RPCError, ConnectionError) as exc:
        return error(503, f"Temporal: {getattr(exc, 'message', exc)}")
    return _json(summary)


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
    if (refused := token_refusal(config, authorization, "owner changes")) is not None:
        return refused
    body = await _body(request, BackRequest)
    if isinstance(body, Response):
        return body
    assert isinstance(body, BackRequest)
    rules = _rules(config)
    if isinstance(rules, Response):
        return rules
    try:
        summary = await set_back(
            database, rules, owner_id, by=body.by, rules_where="the rules file"
        )
    except OwnerError as exc:
        return _refusal(exc)
    return _json(summary)


def _refusal(exc: OwnerError) -> Response:
    if isinstance(exc, UnknownOwner):
        return error(404, str(exc))
    return error(422, [{"field": exc.field, "message": str(exc)}])
