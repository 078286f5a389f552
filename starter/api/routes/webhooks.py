"""Form webhooks: one route per provider of the registry (`domain.providers`), each
checking its provider's signature before the delivery reaches the intake service."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse

from domain.providers import PROVIDERS, Provider, SignatureError, SignedRequest
from starter.api.config import ApiConfig
from starter.api.deps import Config, Intake
from starter.api.errors import error
from starter.api.schemas import AcceptedAnswer, errors, provider_security
from starter.intake import Accepted, Rejected

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


async def read_body(request: Request) -> bytes | JSONResponse:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return error(415, f"Content-Type must be application/json, not {content_type or 'none'!r}")
    return await request.body()  # at most 64 KiB: `RequestReader` read it


def signed_url(request: Request, config: ApiConfig) -> str:
    """The URL the provider called: behind a proxy, the public URL it knows."""
    if not config.public_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return config.public_url.rstrip("/") + request.url.path + query


def refused_signature(
    request: Request, config: ApiConfig, provider: Provider, body: bytes
) -> JSONResponse | None:
    """401 with the reason when the provider's signature does not hold (none if insecure)."""
    if config.insecure:
        return None
    signed = SignedRequest(
        method=request.method,
        url=signed_url(request, config),
        body=body,
        headers={k.lower(): v for k, v in request.headers.items()},
        now_ms=int(time.time() * 1000),
    )
    try:
        provider.verify(config.secret_for(provider) or "", signed)
    except SignatureError as exc:
        return error(401, str(exc))
    return None


def _answer(request: Request, config: ApiConfig, accepted: Accepted) -> JSONResponse:
    base = str(request.base_url).rstrip("/")
    ui = (
        f"{config.ui_url.rstrip('/')}/namespaces/{config.namespace}/workflows/{accepted.workflow_id}"
        if config.ui_url
        else None
    )
    return JSONResponse(
        {
            "lead_id": accepted.lead_id,
            "workflow_id": accepted.workflow_id,
            "status": accepted.status,
            "duplicate": accepted.duplicate,
            "status_url": f"{base}/leads/{accepted.lead_id}",
            "temporal_ui_url": ui,
        },
        status_code=200 if accepted.duplicate else 202,
    )


def _endpoint(provider: Provider) -> Callable[..., Awaitable[Response]]:
    async def take(
        request: Request,
        config: Config,
        intake: Intake,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> Response:
        """Check the provider is configured, read the body, check its signature (unless
        insecure), accept it."""
        if not config.insecure and not config.secret_for(provider):
            return error(
                404, f"the {provider.name} webhook is not configured: set {provider.secret_env}"
            )
        body = await read_body(request)
        if isinstance(body, JSONResponse):
            return body
        if (refused := refused_signature(request, config, provider, body)) is not None:
            return refused
        try:
            accepted = await intake.accept(provider, body, idempotency_key)
        except Rejected as exc:
            problems = [{"field": f, "message": m} for f, m in exc.problems]
            return error(422, problems, dead_letter_id=exc.dead_letter_id)
        return _answer(request, config, accepted)

    return take


def _documented(provider: Provider) -> dict[str, Any]:
    """What the OpenAPI document says of a webhook the route reads itself (the raw body is
    what the signature covers): any JSON object, as the provider sends it."""
    body = {"type": "object", "description": f"A {provider.title}, as the provider sends it."}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "security": provider_security(provider),
    }


ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": AcceptedAnswer, "description": "a repeat of a delivery already taken"},
    202: {"model": AcceptedAnswer, "description": "accepted: its workflow started (or queued)"},
    **errors(400, 401, 404, 413, 415, 422, 429),
}

for _provider in PROVIDERS.values():
    router.add_api_route(
        f"/{_provider.name}",
        _endpoint(_provider),
        methods=["POST"],
        status_code=202,
        summary=_provider.title,
        description=_provider.description,
        name=f"{_provider.name}_webhook",
        response_model=None,
        responses=ANSWERS,
        openapi_extra=_documented(_provider),
    )
