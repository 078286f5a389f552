"""What an event from the CRM means for a lead: a first action, a reassign made by a
person in the CRM, or nothing (said why). Parsing HubSpot's webhook events lives here
too: plain data in, plain data out, no I/O."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from domain.crm import OWNER_FIELD, USER_FIELD, Crm, member_by
from domain.lifecycle import FirstActionKind
from domain.rules import RoutingRules

# hs_lead_status value -> the first action it means (LEAD_ROUTER_HUBSPOT_LEAD_STATUS_ACTIONS)
DEFAULT_STATUS_ACTIONS: dict[str, FirstActionKind] = {
    "ATTEMPTED_TO_CONTACT": FirstActionKind.first_touch,
    "CONNECTED": FirstActionKind.first_touch,
    "IN_PROGRESS": FirstActionKind.first_touch,
    "OPEN_DEAL": FirstActionKind.meeting_booked,
    "UNQUALIFIED": FirstActionKind.disqualified,
}
# the standard Lead Status picklist (LEAD_ROUTER_SALESFORCE_LEAD_STATUS_ACTIONS)
SALESFORCE_STATUS_ACTIONS: dict[str, FirstActionKind] = {
    "Working - Contacted": FirstActionKind.first_touch,
    "Closed - Converted": FirstActionKind.meeting_booked,
    "Closed - Not Converted": FirstActionKind.disqualified,
}
STATUS_DEFAULTS = {"hubspot": DEFAULT_STATUS_ACTIONS, "salesforce": SALESFORCE_STATUS_ACTIONS}
STATUS_PROPERTY = {"hubspot": "hs_lead_status", "salesforce": "Status"}
OWNER_PROPERTY = {"hubspot": "hubspot_owner_id", "salesforce": "OwnerId"}
# a rep's call, email or meeting logged on the record moves these (Salesforce's
# LastActivityDate counts closed tasks and events only: lead-router's open task does not)
ACTIVITY_PROPERTIES = frozenset(
    {
        "notes_last_contacted",
        "hs_last_sales_activity_timestamp",
        "hs_last_sales_activity_date",
        "LastActivityDate",
    }
)


class CrmEvent(BaseModel):
    """One change the CRM reports on a record lead-router wrote."""

    crm: Crm
    event_id: str
    record_id: str
    property: str | None
    value: str | None
    source_user: str | None  # the CRM user who made it, when a person did
    kind: Literal["property_change", "task_logged"] = "property_change"


class Verdict(BaseModel):
    kind: Literal["first_action", "reassign", "ignore"]
    owner_id: str | None = None
    action: FirstActionKind | None = None
    reason: str


class EventsError(ValueError):
    """The body is not a list of events; one entry per bad field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems


def parse_hubspot_events(payload: Any) -> list[CrmEvent]:
    """HubSpot's webhook body: a JSON array of subscription events."""
    if not isinstance(payload, list):
        raise EventsError([("body", "must be a JSON array of HubSpot webhook events")])
    events, problems = [], []
    for i, item in enumerate(payload):
        if not isinstance(item, dict):
            problems.append((f"[{i}]", "must be an object"))
            continue
        missing = [k for k in ("eventId", "objectId", "subscriptionType") if k not in item]
        if missing:
            problems.append((f"[{i}].{missing[0]}", "required"))
            continue
        source = str(item.get("sourceId") or "")
        events.append(
            CrmEvent(
                crm="hubspot",
                event_id=str(item["eventId"]),
                record_id=str(item["objectId"]),
                property=item.get("propertyName"),
                value=None if item.get("propertyValue") is None else str(item["propertyValue"]),
                source_user=source.removeprefix("userId:")
                if source.startswith("userId:")
                else None,
            )
        )
    if problems:
        raise EventsError(problems)
    return events


def judge(
    event: CrmEvent,
    rules: RoutingRules,
    owner: str | None,
    status_actions: dict[str, FirstActionKind],
) -> Verdict:
    """What the event means for the lead its record belongs to, owned by `owner` now."""
    crm = event.crm
    by = member_by(rules, USER_FIELD[crm], event.source_user)
    credited = by.id if by is not None else owner
    if event.property == OWNER_PROPERTY[crm]:
        if event.source_user is None:
            return Verdict(kind="ignore", reason="owner changed by an integration, not a person")
        member = member_by(rules, OWNER_FIELD[crm], event.value)
        if member is None:
            return Verdict(kind="ignore", reason=f"no roster member has {crm} owner {event.value}")
        if member.id == owner:
            return Verdict(kind="ignore", reason=f"{member.id} already owns the lead")
        who = by.id if by is not None else f"{crm} user {event.source_user}"
        return Verdict(
            kind="reassign",
            owner_id=member.id,
            reason=f"owner changed in {crm} by {who} (event {event.event_id})",
        )
    action: FirstActionKind | None = None
    if event.kind == "task_logged" or event.property in ACTIVITY_PROPERTIES:
        action = FirstActionKind.first_touch
    elif event.property == STATUS_PROPERTY[crm]:
        action = status_actions.get(event.value or "")
        if action is None:
            return Verdict(kind="ignore", reason=f"{event.property} {event.value} is not mapped")
    if action is None:
        return Verdict(kind="ignore", reason=f"{event.property} is not a first action")
    if credited is None:
        return Verdict(kind="ignore", reason="the lead has no owner to credit")
    return Verdict(
        kind="first_action", owner_id=credited, action=action, reason=f"{crm} {event.property}"
    )
