"""The HTTP service: form webhooks in, lead status and owner actions out."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, Literal

from cryptography.exceptions import InvalidTag
from fastapi import FastAPI, Header, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from pydantic import BaseModel, Field
from sqlalchemy import text
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from activities.store import Store
from domain.lifecycle import FirstActionKind
from domain.providers import FormMappings
from domain.signatures import SignatureError, verify_generic, verify_hubspot_v3, verify_typeform
from starter.codec import CodecError, EncryptionCodec
from starter.intake import Accepted, ClientSource, IntakeService, Rejected, Source
from starter.leads import lead_status, reassign_lead, record_action
from starter.ratelimit import RateLimiter

log = logging.getLogger("lead_router.api")
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class ApiConfig:
    task_queue: str
    id_key: str
    webhook_secret: str | None = None
    hubspot_secret: str | None = None
    typeform_secret: str | None = None
    api_token: str | None = None
    insecure: bool = False
    ui_url: str | None = None
    namespace: str = "default"
    public_url: str | None = None
    mappings: FormMappings = field(default_factory=FormMappings)
    dedupe_window: timedelta = timedelta(minutes=10)
    drain_every: float = 1.0
    rate_limit_per_minute: int = 600
    codec_keys: dict[str, bytes] | None = None
    codec_token: str | None = None
    codec_origin: str | None = None

    def missing_secrets(self) -> list[str]:
        names = {
            "LEAD_ROUTER_WEBHOOK_SECRET": self.webhook_secret,
            "LEAD_ROUTER_HUBSPOT_SECRET": self.hubspot_secret,
            "LEAD_ROUTER_TYPEFORM_SECRET": self.typeform_secret,
        }
        return [name for name, value in names.items() if not value]


class ActionRequest(BaseModel):
    owner_id: str = Field(min_length=1)
    action: Literal["first_touch", "meeting_booked", "disqualified", "reassign"]
    to: str | None = None
    reason: str | None = None


def _bearer_matches(header: str | None, token: str) -> bool:
    """`Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 7235)."""
    scheme, _, given = (header or "").strip().partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def _error(status: int, detail: Any, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


def create_app(config: ApiConfig, store: Store, client: ClientSource) -> FastAPI:
    if not config.insecure and config.missing_secrets():
        raise RuntimeError(
            "the webhook endpoints need their secrets: set "
            + ", ".join(config.missing_secrets())
            + " (or start with --insecure-dev for local development only)"
        )
    intake = IntakeService(
        store,
        client,
        task_queue=config.task_queue,
        id_key=config.id_key,
        mappings=config.mappings,
        dedupe_window=config.dedupe_window,
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
    app.state.intake = intake
    limiter = RateLimiter(config.rate_limit_per_minute) if config.rate_limit_per_minute else None

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if limiter and request.url.path.startswith("/webhooks/"):
            address = request.client.host if request.client else "unknown"
            wait = limiter.allow(address)
            if wait > 0:
                response = _error(429, f"too many requests from {address}; retry later")
                response.headers["Retry-After"] = str(max(1, round(wait)))
                return response
        if config.insecure and request.url.path.startswith("/webhooks/"):
            log.warning(
                "INSECURE development mode: %s accepted without a signature check", request.url.path
            )
        if request.method == "POST":
            length = request.headers.get("content-length")
            if length and length.isdigit() and int(length) > MAX_BODY:
                return _error(413, f"body over {MAX_BODY // 1024} KiB")
        return await call_next(request)

    async def read_body(request: Request) -> bytes | JSONResponse:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return _error(
                415, f"Content-Type must be application/json, not {content_type or 'none'!r}"
            )
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return _error(413, f"body over {MAX_BODY // 1024} KiB")
        return body

    def answer(request: Request, accepted: Accepted) -> JSONResponse:
        base = str(request.base_url).rstrip("/")
        ui = (
            (
                f"{config.ui_url.rstrip('/')}/namespaces/{config.namespace}/workflows/"
                f"{accepted.workflow_id}"
            )
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

    async def take(
        request: Request,
        source: Source,
        idempotency_key: str | None,
        verify: Callable[[bytes], None],
    ) -> Response:
        """Every webhook: read the body, check its signature (unless insecure), accept it."""
        body = await read_body(request)
        if isinstance(body, JSONResponse):
            return body
        if not config.insecure:
            try:
                verify(body)
            except SignatureError as exc:
                return _error(401, str(exc))
        try:
            accepted = await intake.accept(source, body, idempotency_key)
        except Rejected as exc:
            problems = [{"field": f, "message": m} for f, m in exc.problems]
            return _error(422, problems, dead_letter_id=exc.dead_letter_id)
        return answer(request, accepted)

    @app.post("/webhooks/forms", status_code=202, tags=["webhooks"])
    async def forms_webhook(
        request: Request,
        x_lead_router_signature: Annotated[str | None, Header()] = None,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> Response:
        """Generic JSON form submission, signed with X-Lead-Router-Signature: sha256=<hex>."""
        secret = config.webhook_secret or ""
        return await take(
            request,
            Source.forms,
            idempotency_key,
            lambda body: verify_generic(secret, body, x_lead_router_signature),
        )

    @app.post("/webhooks/hubspot", status_code=202, tags=["webhooks"])
    async def hubspot_webhook(
        request: Request,
        x_hubspot_signature_v3: Annotated[str | None, Header()] = None,
        x_hubspot_request_timestamp: Annotated[str | None, Header()] = None,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> Response:
        """HubSpot form submission (fields as name/value pairs), HubSpot v3 signature."""
        uri = str(request.url)
        if config.public_url:
            query = f"?{request.url.query}" if request.url.query else ""
            uri = config.public_url.rstrip("/") + request.url.path + query

        def verify(body: bytes) -> None:
            verify_hubspot_v3(
                config.hubspot_secret or "",
                request.method,
                uri,
                body,
                x_hubspot_signature_v3,
                x_hubspot_request_timestamp,
                int(time.time() * 1000),
            )

        return await take(request, Source.hubspot, idempotency_key, verify)

    @app.post("/webhooks/typeform", status_code=202, tags=["webhooks"])
    async def typeform_webhook(
        request: Request,
        typeform_signature: Annotated[str | None, Header()] = None,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> Response:
        """Typeform form_response event, Typeform-Signature: sha256=<base64>."""
        secret = config.typeform_secret or ""
        return await take(
            request,
            Source.typeform,
            idempotency_key,
            lambda body: verify_typeform(secret, body, typeform_signature),
        )

    @app.get("/leads/{lead_id}", tags=["leads"])
    async def get_lead(lead_id: str) -> Response:
        """The lead's status query: owner, team, SLA deadline, every decision so far."""
        try:
            state = await lead_status(await client(), lead_id)
        except (RPCError, ConnectionError) as exc:
            # not started yet (or Temporal is down): a queued delivery is still an answer
            delivery = await store.latest_delivery_for(lead_id)
            if delivery is not None and delivery.status != "started":
                return JSONResponse({"lead_id": lead_id, "status": "queued"})
            if isinstance(exc, RPCError) and exc.status is RPCStatusCode.NOT_FOUND:
                return _error(404, f"no lead {lead_id}")
            return _error(503, f"Temporal: {getattr(exc, 'message', exc)}")
        return Response(state.model_dump_json(), media_type="application/json")

    @app.post("/leads/{lead_id}/actions", tags=["leads"])
    async def act(
        lead_id: str, action: ActionRequest, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        """An owner's first action, or a reassignment. Bearer token: LEAD_ROUTER_API_TOKEN."""
        if not config.api_token and not config.insecure:
            return _error(503, "actions are off: set LEAD_ROUTER_API_TOKEN")
        if config.api_token and not _bearer_matches(authorization, config.api_token):
            return _error(401, "missing or wrong bearer token")
        try:
            connected = await client()
            if action.action == "reassign":
                if not action.to or not action.reason:
                    return _error(
                        422,
                        [
                            {
                                "field": "to" if not action.to else "reason",
                                "message": "required for reassign",
                            }
                        ],
                    )
                state = await reassign_lead(connected, lead_id, action.to, action.reason)
                return Response(state.model_dump_json(), media_type="application/json")
            outcome = await record_action(
                connected, lead_id, action.owner_id, FirstActionKind(action.action)
            )
            return Response(outcome.model_dump_json(), media_type="application/json")
        except WorkflowUpdateFailedError as exc:
            return _error(409, getattr(exc.cause, "message", None) or str(exc.cause or exc))
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                return _error(404, f"no open lead {lead_id}")
            return _error(503, f"Temporal: {exc.message}")
        except ConnectionError as exc:
            return _error(503, str(exc))

    if config.codec_keys:
        _codec_routes(app, config)

    @app.get("/healthz", tags=["service"])
    async def healthz() -> JSONResponse:
        """Temporal and database reachability; 503 if either is down."""
        checks: dict[str, str] = {}
        try:
            connected = await client()
            await asyncio.wait_for(connected.service_client.check_health(), timeout=3)
            checks["temporal"] = "ok"
        except Exception as exc:  # any failure means "not reachable", with why
            checks["temporal"] = f"unreachable: {exc}"
        try:
            async with store.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {exc}"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"ok": ok, **checks}, status_code=200 if ok else 503)

    return app


def _codec_routes(app: FastAPI, config: ApiConfig) -> None:
    """The Temporal Web UI's codec server: decrypt payloads for those allowed to see them."""
    if not config.codec_token:
        raise RuntimeError("the codec endpoints need LEAD_ROUTER_CODEC_TOKEN")
    codec = EncryptionCodec(config.codec_keys or {})
    if config.codec_origin:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[config.codec_origin],
            allow_methods=["POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Namespace"],
            allow_credentials=True,
        )

    async def convert(request: Request, authorization: str | None, encode: bool) -> Response:
        if not _bearer_matches(authorization, config.codec_token or ""):
            return _error(401, "missing or wrong bearer token")
        try:
            body = json.loads(await request.body())
            payloads = [json_format.ParseDict(p, Payload()) for p in body.get("payloads", [])]
            out = await (codec.encode(payloads) if encode else codec.decode(payloads))
        except (ValueError, TypeError, AttributeError, json_format.ParseError, CodecError) as exc:
            return _error(400, f"not a payloads document: {exc}")
        except InvalidTag:
            return _error(400, "a payload does not decrypt with the configured keys")
        return JSONResponse({"payloads": [json_format.MessageToDict(p) for p in out]})

    @app.post("/codec/encode", tags=["codec"])
    async def codec_encode(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        """Encrypt payloads (Temporal codec server protocol)."""
        return await convert(request, authorization, encode=True)

    @app.post("/codec/decode", tags=["codec"])
    async def codec_decode(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        """Decrypt payloads for the Temporal Web UI (Temporal codec server protocol)."""
        return await convert(request, authorization, encode=False)
