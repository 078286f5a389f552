"""The product's events: `POST /webhooks/product-events`, signed like the forms webhook
(`X-Lead-Router-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, with
LEAD_ROUTER_PRODUCT_EVENTS_SECRET). `trial_activated` routes the trial signup to sales."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.intake import resolve_lead_id
from domain.providers import SignatureError
from domain.providers.forms import HEADER, verify_generic
from starter.api.deps import Client, Config
from starter.api.errors import error, json_body, on_lead, read_json
from starter.api.routes.webhooks import read_body
from starter.api.schemas import TrialAnswer, errors
from workflows.client import NotATrial, activate_trial

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


class ProductEvent(BaseModel):
    """One event from the product; the lead by its id or the signup's email."""

    model_config = ConfigDict(extra="ignore")
    event: Literal["trial_activated"]
    lead_id: str | None = Field(None, min_length=1)
    email: str | None = Field(None, min_length=3)

    @model_validator(mode="after")
    def _names_a_lead(self) -> ProductEvent:
        if not self.lead_id and not self.email:
            raise ValueError("give the lead's lead_id or the signup's email")
        return self


@router.post(
    "/product-events",
    status_code=202,
    response_model=None,
    responses={
        202: {"model": TrialAnswer, "description": "the trial activation was sent"},
        200: {"model": TrialAnswer, "description": "a repeat: the trial was activated already"},
        **errors(401, 404, 409, 413, 415, 422, 503),
    },
    openapi_extra={**json_body(ProductEvent), "security": [{"product-events": []}]},
)
async def product_event(request: Request, config: Config, client: Client) -> Response:
    """A product event: `{"event": "trial_activated", "email": ...}` (or `lead_id`)."""
    secret = config.product_events_secret
    if not secret and not config.insecure:
        return error(
            404, "product events are not configured: set LEAD_ROUTER_PRODUCT_EVENTS_SECRET"
        )
    body = await read_body(request)
    if isinstance(body, JSONResponse):
        return body
    if secret and not config.insecure:
        try:
            verify_generic(secret, body, request.headers.get(HEADER))
        except SignatureError as exc:
            return error(401, str(exc))
    event = await read_json(request, ProductEvent)
    if isinstance(event, Response):
        return event
    try:
        lead_id = resolve_lead_id(event.lead_id or event.email or "", config.id_key)
    except ValueError as exc:
        return error(422, [{"field": "lead_id" if event.lead_id else "email", "message": str(exc)}])

    async def send() -> Response:
        try:
            await activate_trial(await client(), lead_id)
        except NotATrial as exc:
            if exc.activated:  # the product sent it again: taken already
                return _taken(lead_id, "already_activated", 200)
            raise
        return _taken(lead_id, "activation_sent", 202)

    return await on_lead(lead_id, send())


def _taken(lead_id: str, status: str, code: int) -> Response:
    return JSONResponse({"lead_id": lead_id, "status": status}, status_code=code)
