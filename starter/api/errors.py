"""The API's error answers, its one bearer-token check, and reading a JSON body into a
model once the caller is authenticated."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from starter.api.config import ApiConfig
from workflows.client import LeadClosed, NotATrial

Model = TypeVar("Model", bound=BaseModel)


def error(status: int, detail: Any, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


def problems(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[dict[str, str]]:
    """pydantic's errors as the API's 422 entries: the field's dotted path and why."""
    out = []
    for e in exc.errors(include_url=False):
        where = ".".join(str(part) for part in (*prefix, *e["loc"])) or "body"
        out.append({"field": where, "message": e["msg"]})
    return out


async def read_json(request: Request, model: type[Model]) -> Model | JSONResponse:
    """The request's JSON body as `model`, or a 422 listing each bad field."""
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        return error(422, problems(exc))


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of a route that reads `model` itself (after its checks)."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def bearer_matches(header: str | None, token: str) -> bool:
    """`Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 7235)."""
    scheme, _, given = (header or "").strip().partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def token_refusal(config: ApiConfig, authorization: str | None, what: str) -> JSONResponse | None:
    """The answer to a request without the bearer token (503 while no token is set),
    or None when it may go on."""
    if not config.api_token and not config.insecure:
        return error(503, f"{what} are off: set LEAD_ROUTER_API_TOKEN")
    if config.api_token and not bearer_matches(authorization, config.api_token):
        return error(401, "missing or wrong bearer token")
    return None


async def on_lead(lead_id: str, job: Awaitable[Response]) -> Response:
    """The job's answer, or what went wrong with the lead said as the API says it: the
    lead refused (409, with its reason), no such lead (404), Temporal down (503)."""
    try:
        return await job
    except WorkflowUpdateFailedError as exc:
        return error(409, getattr(exc.cause, "message", None) or str(exc.cause or exc))
    except (LeadClosed, NotATrial) as exc:
        return error(409, str(exc))
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            return error(404, f"no lead {lead_id}")
        if exc.status is RPCStatusCode.INVALID_ARGUMENT:  # an id Temporal cannot take
            return error(422, [{"field": "lead_id", "message": exc.message}])
        return error(503, f"Temporal: {exc.message}")
    except ConnectionError as exc:
        return error(503, str(exc))
