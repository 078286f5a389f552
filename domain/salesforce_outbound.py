"""Salesforce's Outbound Messages: the SOAP notification a Flow or workflow rule posts when
a Lead (its Status, Owner or last activity) or a Task changes, read into the CRM events
`domain.crm_events.judge` weighs, and the acknowledgement Salesforce waits for.

Parsed with defusedxml: a DTD, an entity or an external reference is refused, never
expanded. Plain bytes in, plain data out, no I/O.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from pydantic import BaseModel

from domain.crm_events import CrmEvent, EventsError

SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    "<soapenv:Body>"
    '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
    "<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"
)
# a Lead's fields, in the order they are weighed: a person's owner change first
LEAD_FIELDS = ("OwnerId", "Status", "LastActivityDate")


class Notification(BaseModel):
    notification_id: str
    sobject: str  # Lead, Task
    fields: dict[str, str]


class OutboundMessage(BaseModel):
    organization_id: str
    notifications: list[Notification]


def parse_outbound(body: bytes) -> OutboundMessage:
    """The notifications of one message; EventsError naming what is wrong and where."""
    try:
        root = fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise EventsError([("body", f"refused XML construct: {exc}")]) from None
    except ParseError as exc:
        raise EventsError([("body", f"not XML: {exc}")]) from None
    found = root.find(f"{SOAP}Body/{OUTBOUND}notifications")
    if root.tag != f"{SOAP}Envelope" or found is None:
        where = "soapenv:Envelope/soapenv:Body/notifications"
        raise EventsError([(where, "required: a Salesforce outbound message (SOAP 1.1)")])
    org = (found.findtext(f"{OUTBOUND}OrganizationId") or "").strip()
    problems = [] if org else [("notifications.OrganizationId", "required")]
    notifications = []
    for i, item in enumerate(found.findall(f"{OUTBOUND}Notification")):
        where = f"notifications.Notification[{i}]"
        nid = (item.findtext(f"{OUTBOUND}Id") or "").strip()
        sobject = item.find(f"{OUTBOUND}sObject")
        if not nid or sobject is None:
            problems.append((f"{where}.{'Id' if not nid else 'sObject'}", "required"))
            continue
        kind = sobject.get(XSI_TYPE, "").rpartition(":")[2]
        notifications.append(
            Notification(notification_id=nid, sobject=kind, fields=_fields(sobject))
        )
    if not notifications and not problems:
        problems.append(("notifications.Notification", "at least one is required"))
    if problems:
        raise EventsError(problems)
    return OutboundMessage(organization_id=org, notifications=notifications)


def _fields(sobject: Element) -> dict[str, str]:
    """Each field sent (namespace dropped); a nil field is absent."""
    return {
        child.tag.rpartition("}")[2]: (child.text or "").strip()
        for child in sobject
        if child.get("{http://www.w3.org/2001/XMLSchema-instance}nil") != "true"
    }


def events_of(notification: Notification, integration_user: str | None) -> list[CrmEvent]:
    """What the notification may mean, most telling first: `judge` takes the first that
    is not ignored. A change made by the integration user (lead-router's own write) is
    no person's."""
    fields = notification.fields
    task = notification.sobject == "Task"
    by = fields.get("OwnerId" if task else "LastModifiedById")
    if by and integration_user and by[:15] == integration_user[:15]:
        by = None
    base = {"crm": "salesforce", "event_id": notification.notification_id, "source_user": by}
    if task:
        record = fields.get("WhoId", "")
        done = fields.get("Status") == "Completed" or fields.get("IsClosed") == "true"
        if done:
            return [CrmEvent.model_validate({**base, "record_id": record, "kind": "task_logged",
                                             "property": "Task", "value": fields.get("Subject")})]  # fmt: skip
        status = fields.get("Status")
        return [CrmEvent.model_validate({**base, "record_id": record, "property": "Task.Status",
                                         "value": status})]  # fmt: skip
    record = fields.get("Id", "")
    events = [
        CrmEvent.model_validate(
            {**base, "record_id": record, "property": name, "value": fields[name]}
        )
        for name in LEAD_FIELDS
        if fields.get(name)
    ]
    return events or [CrmEvent.model_validate({**base, "record_id": record, "property": None,
                                               "value": None})]  # fmt: skip
