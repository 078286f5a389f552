"""The CRM's events in: HubSpot's webhook subscriptions (`contact.propertyChange`),
signed with the v3 signature and the app's client secret. A rep's first action in the CRM
goes through the same update as `lead-router act`; an owner a person changed in the CRM
becomes a manual reassign. Each event is taken once (its `eventId`); an event for a
record or lead lead-router does not know is answered 200 and logged, so the CRM never
retries it forever; only a Temporal outage answers 503, for the CRM to retry later."""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from temporalio.client import Client as TemporalClient
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from activities.database import Database
from activities.rules_file import load_rules_file
from domain.crm_events import CrmEvent, EventsError, judge, parse_hubspot_events
from domain.providers import PROVIDERS
from domain.rules import RoutingRules, RulesError
from starter.api.config import ApiConfig
from starter.api.deps import AppDatabase, Client, Config
from starter.api.errors import error
from starter.api.routes.webhooks import read_body, refused_signature
from starter.api.schemas import errors, provider_security
from starter.intake import ClientSource
from starter.runtime.crm import status_actions
from workflows.client import lead_status, reassign_lead, record_action

log = logging.getLogger("lead_router.crm_events")
router = APIRouter(prefix="/webhooks", tags=["crm"])
_rules: dict[str, tuple[float, RoutingRules]] = {}


class TemporalDown(Exception):
    pass


@router.post(
    "/hubspot/events",
    summary="HubSpot webhook events (contact.propertyChange)",
    response_model=None,
    responses={
        200: {"description": "what each event did (taken, a repeat, ignored and why)"},
        **errors(400, 401, 404, 413, 415, 422, 429, 503),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "items": {"type": "object"}},
                    "example": [
                        {
                            "eventId": 1001,
                            "subscriptionType": "contact.propertyChange",
                            "objectId": 51,
                            "propertyName": "hs_lead_status",
                            "propertyValue": "CONNECTED",
                            "sourceId": "userId:7654321",
                            "occurredAt": 1764590000000,
                        }
                    ],
                }
            },
        },
        "security": provider_security(PROVIDERS["hubspot"]),
    },
)
async def hubspot_events(
    request: Request, config: Config, database: AppDatabase, client: Client
) -> Response:
    """Take a batch of HubSpot events: 200 with what each did, once per `eventId`."""
    body = await read_body(request)
    if isinstance(body, JSONResponse):
        return body
    if (refused := refused_signature(request, config, PROVIDERS["hubspot"], body)) is not None:
        return refused
    try:
        events = parse_hubspot_events(json.loads(body))
    except (ValueError, EventsError) as exc:
        problems = exc.problems if isinstance(exc, EventsError) else [("body", "not JSON")]
        return error(422, [{"field": f, "message": m} for f, m in problems])
    try:
        results = await take_events(database, client, config, [[e] for e in events])
    except CrmEventsUnjudged as exc:
        return error(503, str(exc))
    return JSONResponse({"results": results})


class CrmEventsUnjudged(Exception):
    """Temporal or the rules file is down: the CRM is answered 503, to retry later."""


async def take_events(
    database: Database, client: ClientSource, config: ApiConfig, groups: list[list[CrmEvent]]
) -> list[dict[str, str | None]]:
    """Each group is one CRM event (its id and record shared) with what it may mean, most
    telling first; taken once per event id, and what it did recorded."""
    results: list[dict[str, str | None]] = []
    try:
        connected = await client()
        for group in groups:
            event = group[0]
            seen = await database.crm.event_seen(event.crm, event.event_id)
            if seen is not None:
                results.append(
                    {"event_id": event.event_id, "outcome": f"duplicate: {seen.outcome}"}
                )
                continue
            lead_id = await database.crm.lead_of_record(event.crm, event.record_id)
            outcome = await _apply(connected, config, lead_id, group)
            log.info("%s event %s (%s): %s", event.crm, event.event_id, lead_id or "-", outcome)
            await database.crm.record_event(event.crm, event.event_id, lead_id, outcome)
            results.append({"event_id": event.event_id, "lead_id": lead_id, "outcome": outcome})
    except (TemporalDown, ConnectionError) as exc:
        raise CrmEventsUnjudged(f"Temporal unavailable, retry later: {exc}") from None
    except (RulesError, ValueError) as exc:
        raise CrmEventsUnjudged(
            f"lead-router cannot judge CRM events until this is fixed: {exc}"
        ) from None
    return results


async def _apply(
    client: TemporalClient, config: ApiConfig, lead_id: str | None, group: list[CrmEvent]
) -> str:
    """What the event did, in words for the log and the events table."""
    event = group[0]
    if lead_id is None:
        return f"ignored: no lead has {event.crm} record {event.record_id}"
    try:
        state = await lead_status(client, lead_id)
        if state.first_action is not None:
            return f"ignored: the lead was already actioned ({state.first_action})"
        rules, actions = _rules_of(config), status_actions(config.crm, event.crm)
        verdicts = [judge(e, rules, state.owner, actions) for e in group]
        verdict = next((v for v in verdicts if v.kind != "ignore"), None)
        if verdict is None:
            return "ignored: " + "; ".join(v.reason for v in verdicts)
        assert verdict.owner_id is not None
        if verdict.kind == "reassign":
            await reassign_lead(client, lead_id, verdict.owner_id, verdict.reason)
            return f"reassigned to {verdict.owner_id}: {verdict.reason}"
        assert verdict.action is not None
        via = f"{event.crm} event {event.event_id} ({verdict.reason})"
        await record_action(client, lead_id, verdict.owner_id, verdict.action, via=via)
        return f"{verdict.action.value} by {verdict.owner_id}"
    except WorkflowUpdateFailedError as exc:
        return f"refused: {getattr(exc.cause, 'message', None) or exc.cause or exc}"
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            return f"ignored: lead {lead_id} is closed or unknown to Temporal"
        raise TemporalDown(exc.message) from None


def _rules_of(config: ApiConfig) -> RoutingRules:
    """The roster's CRM identities, from the rules file (read again when it changes)."""
    path = config.rules_path
    mtime = path.stat().st_mtime
    cached = _rules.get(str(path))
    if cached is None or cached[0] != mtime:
        _rules[str(path)] = cached = (mtime, load_rules_file(path))
    return cached[1]
