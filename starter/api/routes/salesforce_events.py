"""Salesforce's Outbound Messages in: the SOAP notification a Flow (or workflow rule)
sends when a Lead's Status, Owner or last activity changes, or a Task is completed.
Authenticated by the token in the URL the outbound message is given (Salesforce cannot
sign) and the message's Organization Id; answered with the SOAP `<Ack>true</Ack>`
Salesforce waits for, so it stops resending. Each notification is taken once (its id),
with the same meaning and the same updates as HubSpot's events (`routes/crm.py`)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from domain.crm_events import EventsError
from domain.salesforce_outbound import ACK, events_of, parse_outbound
from starter.api.config import ApiConfig
from starter.api.deps import AppDatabase, Client, Config
from starter.api.errors import error
from starter.api.routes.crm import CrmEventsUnjudged, take_events
from starter.api.schemas import errors

router = APIRouter(prefix="/webhooks", tags=["crm"])
XML_TYPES = ("text/xml", "application/xml", "application/soap+xml")
EXAMPLE = (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    '<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
    "<OrganizationId>00D5e000000KQ2eEAG</OrganizationId><Notification><Id>04l5e00000Gx7QzAAJ"
    '</Id><sObject xmlns:sf="urn:sobject.enterprise.soap.sforce.com" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="sf:Lead">'
    "<sf:Id>00Q5e00000AbCdEAAV</sf:Id><sf:Status>Working - Contacted</sf:Status>"
    "</sObject></Notification></notifications></soapenv:Body></soapenv:Envelope>"
)


@router.post(
    "/salesforce/outbound",
    summary="Salesforce Outbound Messages (Lead, Task)",
    response_model=None,
    responses={
        200: {
            "description": "the SOAP acknowledgement; each notification taken once",
            "content": {"text/xml": {"example": ACK}},
        },
        **errors(
            400,
            401,
            403,
            404,
            413,
            415,
            429,
            503,
            e400="not XML, or not a Salesforce outbound message (the reason says where)",
            e415="not text/xml",
        ),
    },
    openapi_extra={
        "parameters": [
            {
                "name": "token",
                "in": "query",
                "required": True,
                "schema": {"type": "string"},
                "description": "LEAD_ROUTER_SALESFORCE_OUTBOUND_TOKEN",
            }
        ],
        "requestBody": {
            "required": True,
            "content": {"text/xml": {"schema": {"type": "string"}, "example": EXAMPLE}},
        },
    },
)
async def salesforce_outbound(
    request: Request, config: Config, database: AppDatabase, client: Client
) -> Response:
    """Take one outbound message: the SOAP Ack once every notification is recorded."""
    if (refused := _refused(request, config)) is not None:
        return refused
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in XML_TYPES:
        return error(415, f"Content-Type must be text/xml (a SOAP message), not {content_type!r}")
    try:
        message = parse_outbound(await request.body())
    except EventsError as exc:
        return error(400, [{"field": f, "message": m} for f, m in exc.problems])
    org = config.crm.salesforce_org_id
    if org is not None and message.organization_id[:15] != org[:15]:
        return error(
            403,
            f"OrganizationId {message.organization_id} is not this lead-router's org "
            "(LEAD_ROUTER_SALESFORCE_ORG_ID): the outbound message points at the wrong "
            "endpoint or the variable names another org",
        )
    user = config.crm.salesforce_integration_user_id
    groups = [events_of(n, user) for n in message.notifications]
    try:
        await take_events(database, client, config, groups)
    except CrmEventsUnjudged as exc:
        return error(503, str(exc))
    return Response(ACK, media_type="text/xml")


def _refused(request: Request, config: ApiConfig) -> JSONResponse | None:
    """404 when Salesforce is not set up here, 401 without the outbound message's token."""
    expected = config.crm.salesforce_outbound_token
    if expected is None:
        if config.insecure:
            return None
        return error(
            404,
            "Salesforce outbound messages are off: set LEAD_ROUTER_SALESFORCE_OUTBOUND_TOKEN "
            "and LEAD_ROUTER_SALESFORCE_ORG_ID, and give the token in the endpoint URL",
        )
    given = request.query_params.get("token", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return error(
            401,
            "the token query parameter does not match LEAD_ROUTER_SALESFORCE_OUTBOUND_TOKEN: "
            "the outbound message's endpoint URL must end in ?token=<that value>",
        )
    return None
