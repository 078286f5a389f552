"""Erasure on request: `POST /leads/{lead}/erase`, behind the bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from temporalio.service import RPCError, RPCStatusCode

from domain.intake import resolve_lead_id
from starter.api.deps import AppDatabase, Client, Config
from starter.api.errors import error, token_refusal
from starter.api.schemas import ErasureAnswer, errors
from starter.erasure import erase_lead

router = APIRouter(prefix="/leads", tags=["leads"])
_MAX_BY = 200


@router.post(
    "/{lead}/erase",
    response_model=None,
    responses={
        200: {"model": ErasureAnswer, "description": "erased: the record of the erasure"},
        **errors(400, 401, 422, 503),
    },
    openapi_extra={"security": [{"bearer": []}]},
)
async def erase(
    lead: str,
    config: Config,
    database: AppDatabase,
    client: Client,
    by: Annotated[
        str | None, Query(description="Who asked (200 characters at most), kept with it.")
    ] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """Erase a lead on request (GDPR), by email or lead id: end its workflow, destroy the
    key that seals its history in Temporal, delete its personal data from the app
    database; its routing facts stay. Bearer token: LEAD_ROUTER_API_TOKEN. Cannot be
    undone."""
    if (refused := token_refusal(config, authorization, "erasures")) is not None:
        return refused
    if by is not None and len(by) > _MAX_BY:
        return error(422, [{"field": "by", "message": f"longer than {_MAX_BY} characters"}])
    try:
        lead_id = resolve_lead_id(lead, config.id_key)
    except ValueError as exc:
        return error(422, [{"field": "lead", "message": str(exc)}])
    email = lead.strip().lower() if "@" in lead else None
    try:
        erasure = await erase_lead(await client(), database, lead_id, f"api:{by or '-'}", email)
    except RPCError as exc:
        if exc.status is RPCStatusCode.INVALID_ARGUMENT:  # an id Temporal cannot take
            return error(422, [{"field": "lead", "message": f"{exc.message}; nothing was erased"}])
        return error(503, f"Temporal: {exc.message}; nothing was erased")
    except ConnectionError as exc:
        return error(503, f"Temporal: {exc}; nothing was erased")
    answer = ErasureAnswer(
        **erasure.model_dump(exclude={"id", "erased_at"}),
        erased_at=erasure.erased_at.isoformat(),
    )
    return Response(answer.model_dump_json(), media_type="application/json")
