"""A lead's status, and the owner's actions on it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from temporalio.service import RPCError, RPCStatusCode

from domain.lifecycle import FirstActionKind, LeadState, Misroute, Outcome
from starter.api.deps import AppDatabase, Client, Config
from starter.api.errors import error, json_body, on_lead, read_json, token_refusal
from starter.api.schemas import QueuedAnswer, TrialAnswer, errors
from starter.erasure import erased_note
from workflows.client import (
    activate_trial,
    lead_status,
    reassign_lead,
    record_action,
    report_misrouted,
)

router = APIRouter(prefix="/leads", tags=["leads"])


class ActionRequest(BaseModel):
    owner_id: str = Field(min_length=1)
    action: Literal[
        "first_touch", "meeting_booked", "disqualified", "reassign", "rejected", "misrouted"
    ]
    to: str | None = None
    reason: str | None = Field(
        None, description="reassign: why; rejected, misrouted: a reason code of the rules file"
    )
    note: str | None = Field(None, max_length=2000, description="rejected, misrouted: free text")
    team: str | None = Field(None, description="misrouted: the team it belongs to")
    territory: str | None = Field(None, description="misrouted: the territory it belongs to")


def _json(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


@router.get("/{lead_id}", response_model=None, responses={
    200: {"model": LeadState | QueuedAnswer, "description": "the lead's status"},
    **errors(400, 404, 410, 422, 503),
})  # fmt: skip
async def get_lead(
    lead_id: str,
    database: AppDatabase,
    client: Client,
    config: Config,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """The lead's status query: owner, team, SLA deadline, every decision so far; and with
    the bearer token (LEAD_ROUTER_API_TOKEN), the handoff context: who the person is and
    what they wrote; 410 for a lead erased on request (with the routing facts kept)."""
    if (note := await erased_note(database, lead_id)) is not None:
        return error(410, note)
    try:
        state = await lead_status(await client(), lead_id)
    except (RPCError, ConnectionError) as exc:
        # not started yet (or Temporal is down): a queued delivery is still an answer
        delivery = await database.deliveries.latest_for(lead_id)
        if delivery is not None and delivery.status != "started":
            return JSONResponse({"lead_id": lead_id, "status": "queued"})
        if isinstance(exc, RPCError) and exc.status is RPCStatusCode.NOT_FOUND:
            return error(404, f"no lead {lead_id}")
        return error(503, f"Temporal: {getattr(exc, 'message', exc)}")
    if token_refusal(config, authorization, "the handoff context") is not None:
        state = state.model_copy(update={"handoff": None})  # personal data: token only
    return _json(state)


@router.post(
    "/{lead_id}/actions",
    response_model=None,
    responses={
        200: {"model": LeadState | Outcome, "description": "the action taken: the lead now"},
        **errors(400, 401, 404, 409, 410, 413, 422, 503),
    },
    openapi_extra={**json_body(ActionRequest), "security": [{"bearer": []}]},
)
async def act(
    lead_id: str,
    request: Request,
    config: Config,
    database: AppDatabase,
    client: Client,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """An owner's first action, a reassignment, or a rep's feedback (`rejected` closes
    the lead with a reason code, `misrouted` routes it again to the `team` or `territory`
    named). Bearer token: LEAD_ROUTER_API_TOKEN, checked before the body is read."""
    if (refused := token_refusal(config, authorization, "actions")) is not None:
        return refused
    action = await read_json(request, ActionRequest)
    if isinstance(action, Response):
        return action
    if (note := await erased_note(database, lead_id)) is not None:
        return error(410, note)
    return await on_lead(lead_id, _act(lead_id, action, client))


async def _act(lead_id: str, action: ActionRequest, client: Client) -> Response:
    connected = await client()
    if action.action == "reassign":
        if not action.to or not action.reason:
            missing = "to" if not action.to else "reason"
            return error(422, [{"field": missing, "message": "required for reassign"}])
        return _json(await reassign_lead(connected, lead_id, action.to, action.reason))
    if action.action == "misrouted":
        misroute = Misroute(owner_id=action.owner_id, reason=action.reason or "",
                            note=action.note, team=action.team, territory=action.territory)  # fmt: skip
        return _json(await report_misrouted(connected, lead_id, misroute))
    kind = FirstActionKind(action.action)
    return _json(await record_action(connected, lead_id, action.owner_id, kind,
                                     reason=action.reason, note=action.note))  # fmt: skip


TRIAL_ANSWERS: dict[int | str, dict[str, Any]] = {
    202: {"model": TrialAnswer, "description": "sent: the trial is routed to sales"},
    **errors(401, 404, 409, 422, 503),
}


@router.post("/{lead_id}/trial-activated", status_code=202, response_model=None,
             responses=TRIAL_ANSWERS, openapi_extra={"security": [{"bearer": []}]})  # fmt: skip
async def trial_activated(
    lead_id: str, request: Request, client: Client, config: Config,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:  # fmt: skip
    """The product says this trial signup activated: the lead is routed to sales (the
    workflow's trial activation). 409 when the lead is not a trial signup or has ended."""
    if (refused := token_refusal(config, authorization, "trial activations")) is not None:
        return refused
    url = f"{str(request.base_url).rstrip('/')}/leads/{lead_id}"

    async def send() -> Response:
        await activate_trial(await client(), lead_id)
        answer = TrialAnswer(lead_id=lead_id, status="activation_sent", status_url=url)
        return Response(answer.model_dump_json(), status_code=202, media_type="application/json")

    return await on_lead(lead_id, send())
