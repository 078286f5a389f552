"""What the API answers, as models its OpenAPI document names: every status each route
can send, with the body it sends (`error` in errors.py writes `ErrorAnswer`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from domain.providers import PROVIDERS, Provider
from starter.instant_answer import InstantAnswer


class Problem(BaseModel):
    field: str
    message: str


class ErrorAnswer(BaseModel):
    """Every error: why (a sentence, or one entry per bad field); a rejected delivery also
    names the dead letter it was kept as."""

    detail: str | list[Problem]
    dead_letter_id: int | None = None


class AcceptedAnswer(BaseModel):
    lead_id: str
    workflow_id: str
    status: str
    duplicate: bool
    status_url: str
    temporal_ui_url: str | None


class ErasureAnswer(BaseModel):
    """An erasure done: which lead, when, by whom, what happened to its workflow and
    what was deleted or blanked, table by table. No personal data."""

    lead_id: str
    erased_at: str
    erased_by: str
    workflow: str
    rows: str


class WaitedAnswer(AcceptedAnswer):
    """Accepted, and assigned within the wait the caller asked for."""

    assignment: InstantAnswer | None = None


class TrialAnswer(BaseModel):
    """A trial activation taken (by the API, or the product's events webhook)."""

    lead_id: str
    status: Literal["activation_sent", "already_activated"]
    status_url: str | None = None


class QueuedAnswer(BaseModel):
    """A lead whose delivery is taken but whose workflow has not started yet."""

    lead_id: str
    status: str


WHY = {
    400: "a header lead-router reads is not ASCII",
    401: "missing or wrong signature or token",
    403: "a Salesforce outbound message from another org",
    404: "not configured, or no such lead",
    408: "the request did not arrive whole in time",
    409: "the lead refused the action (the reason says why)",
    410: "the lead was erased on request (the detail says when and what was kept)",
    413: "body over 64 KiB",
    415: "not application/json",
    422: "the body cannot be used: one entry per bad field (a delivery is kept as a dead letter)",
    429: "too many requests from this address (Retry-After says when to retry)",
    503: "Temporal unreachable, or the feature is off",
}


def errors(*codes: int, **why: str) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route; `why` (`e400="..."`) words one for this route."""
    return {
        code: {"model": ErrorAnswer, "description": why.get(f"e{code}", WHY[code])}
        for code in codes
    }


def signature_scheme(provider: str, header: str) -> str:
    return f"{provider}_{header.lower().replace('-', '_')}"


def security_schemes() -> dict[str, dict[str, str]]:
    """Each provider's signature headers (together, one requirement) and the bearer token."""
    schemes = {
        signature_scheme(p.name, header): {"type": "apiKey", "in": "header", "name": header}
        for p in PROVIDERS.values()
        for header in p.signature_headers
    }
    schemes["bearer"] = {"type": "http", "scheme": "bearer", "description": "LEAD_ROUTER_API_TOKEN"}
    schemes["product-events"] = {
        "type": "apiKey",
        "in": "header",
        "name": "X-Lead-Router-Signature",
        "description": "sha256=<hex HMAC-SHA256 of the body with LEAD_ROUTER_PRODUCT_EVENTS_SECRET>",
    }
    return schemes


def provider_security(provider: Provider) -> list[dict[str, list[str]]]:
    return [{signature_scheme(provider.name, h): [] for h in provider.signature_headers}]
