"""Form webhooks: one route per provider of the registry (`domain.providers`), each
checking its provider's signature before the delivery reaches the intake service."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from domain.providers import PROVIDERS, Provider, SignatureError, SignedRequest
from starter.api.config import ApiConfig
from starter.api.deps import Client, Config, Intake
from starter.api.errors import error
from starter.api.schemas import AcceptedAnswer, WaitedAnswer, errors, provider_security
from starter.instant_answer import RulesOnDisk, requested_wait, wait_for_assignment
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


async def _waited(
    request: Request, config: ApiConfig, client: Client, accepted: Accepted, seconds: float | None
) -> JSONResponse | None:
    """The instant answer when the caller asked to wait and the lead was assigned in
    time; None for the usual answer."""
    if seconds is None or accepted.status != "started":
        return None
    rules: RulesOnDisk = request.app.state.rules_on_disk
    try:
        answer = await wait_for_assignment(await client(), accepted.lead_id, seconds, rules)
    except (ConnectionError, RuntimeError, OSError):
        return None
    if answer is None:
        return None
    body = {**_accepted(request, config, accepted), "assignment": answer.model_dump(mode="json")}
    headers = {"preference-applied": f"wait={seconds:g}"}
    return JSONResponse(body, status_code=200, headers=headers)


def _answer(request: Request, config: ApiConfig, accepted: Accepted) -> JSONResponse:
    return JSONResponse(
        _accepted(request, config, accepted), status_code=200 if accepted.duplicate else 202
    )


def _accepted(request: Request, config: ApiConfig, accepted: Accepted) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    ui = (
        f"{config.ui_url.rstrip('/')}/namespaces/{config.namespace}/workflows/{accepted.workflow_id}"
        if config.ui_url
        else None
    )
    return {
        "lead_id": accepted.lead_id,
        "workflow_id": accepted.workflow_id,
        "status": accepted.status,
        "duplicate": accepted.duplicate,
        "status_url": f"{base}/leads/{accepted.lead_id}",
        "temporal_ui_url": ui,
    }


def _endpoint(provider: Provider) -> Callable[..., Awaitable[Response]]:
    async def take(
        request: Request,
        config: Config,
        intake: Intake,
        client: Client,
        idempotency_key: Annotated[str | None, Header()] = None,
        wait: Annotated[Literal["assignment"] | None, Query(description=WAIT)] = None,
        prefer: Annotated[str | None, Header(description=PREFER)] = None,
    ) -> Response:
        """Check the provider is configured, read the body, check its signature (unless
        insecure), accept it; with `?wait=assignment` (or `Prefer: wait=N`) answer with
        the assignment once made, within LEAD_ROUTER_ANSWER_WAIT_SECONDS."""
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
        seconds = requested_wait(wait, prefer, config.answer_wait)
        waited = await _waited(request, config, client, accepted, seconds)
        return waited or _answer(request, config, accepted)

    return take


def _documented(provider: Provider) -> dict[str, Any]:
    """What the OpenAPI document says of a webhook the route reads itself (the raw body is
    what the signature covers): any JSON object, as the provider sends it."""
    body = {"type": "object", "description": f"A {provider.title}, as the provider sends it."}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "security": provider_security(provider),
    }


WAIT = (
    "`assignment`: answer once the lead is assigned (200 with `assignment`), within "
    "LEAD_ROUTER_ANSWER_WAIT_SECONDS (default 2); past it, the usual 202"
)
PREFER = "RFC 7240 `wait=N`: as ?wait=assignment, waiting N seconds at most (never past the bound)"
ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "model": WaitedAnswer,
        "description": "the instant answer (asked with ?wait=assignment), or a repeat of a "
        "delivery already taken",
    },
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
