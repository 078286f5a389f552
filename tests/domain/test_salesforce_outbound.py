"""Salesforce outbound messages read into CRM events: what each notification may mean,
and every bad message refused with where it is wrong (no entity ever expanded)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.crm_events import SALESFORCE_STATUS_ACTIONS, EventsError, judge
from domain.lifecycle import FirstActionKind
from domain.salesforce_outbound import events_of, parse_outbound
from tests.domain.test_crm import rules_with
from tests.fakes.salesforce import ORG_ID, id18, outbound_message

GITA, HANA, ROUTER = "0055e0000000001", "0055e0000000002", "0055e0000000999"
LEAD = "00Q5e00000AbCdEAAV"


def rules() -> Any:
    return rules_with(**{"gita.berg": {"salesforce_user_id": GITA},
                         "hana.schmidt": {"salesforce_user_id": HANA}})  # fmt: skip


def test_a_lead_notification_is_read_with_its_fields_and_org() -> None:
    body = outbound_message([("04l1", "Lead", {"Id": LEAD, "OwnerId": id18(GITA),
                                               "Status": "Working - Contacted",
                                               "LastModifiedById": id18(GITA)})])  # fmt: skip
    message = parse_outbound(body)
    assert message.organization_id == ORG_ID
    (note,) = message.notifications
    assert note.notification_id == "04l1" and note.sobject == "Lead"
    assert note.fields["Status"] == "Working - Contacted"
    events = events_of(note, ROUTER)
    assert [e.property for e in events] == ["OwnerId", "Status"]
    verdicts = [judge(e, rules(), "gita.berg", SALESFORCE_STATUS_ACTIONS) for e in events]
    assert verdicts[0].kind == "ignore" and "already owns" in verdicts[0].reason
    assert verdicts[1].kind == "first_action" and verdicts[1].owner_id == "gita.berg"
    assert verdicts[1].action is FirstActionKind.first_touch


def test_an_owner_change_by_a_person_reassigns_and_by_the_integration_user_does_not() -> None:
    fields = {"Id": LEAD, "OwnerId": id18(HANA), "Status": "Open - Not Contacted"}
    by_manager = parse_outbound(outbound_message(
        [("04l2", "Lead", {**fields, "LastModifiedById": id18(HANA)})])).notifications[0]  # fmt: skip
    moved = judge(events_of(by_manager, ROUTER)[0], rules(), "gita.berg", SALESFORCE_STATUS_ACTIONS)
    assert moved.kind == "reassign" and moved.owner_id == "hana.schmidt"
    echo = parse_outbound(outbound_message(
        [("04l3", "Lead", {**fields, "LastModifiedById": id18(ROUTER)})])).notifications[0]  # fmt: skip
    (first, _status) = events_of(echo, ROUTER)
    assert first.source_user is None
    assert judge(first, rules(), "gita.berg", SALESFORCE_STATUS_ACTIONS).kind == "ignore"


def test_a_completed_task_is_a_first_touch_by_its_owner_and_an_open_one_is_nothing() -> None:
    done = {"Id": "00T1", "WhoId": LEAD, "OwnerId": id18(GITA), "Status": "Completed",
            "Subject": "Call"}  # fmt: skip
    note = parse_outbound(outbound_message([("04l4", "Task", done)])).notifications[0]
    (event,) = events_of(note, ROUTER)
    assert event.kind == "task_logged" and event.record_id == LEAD
    verdict = judge(event, rules(), "gita.berg", SALESFORCE_STATUS_ACTIONS)
    assert verdict.kind == "first_action" and verdict.owner_id == "gita.berg"
    still_open = {**done, "Status": "Not Started"}
    note = parse_outbound(outbound_message([("04l5", "Task", still_open)])).notifications[0]
    assert judge(events_of(note, ROUTER)[0], rules(), "gita.berg", {}).kind == "ignore"


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">&lol2;</soapenv:Envelope>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>"""


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        (b"{not xml", "body", "not XML"),
        (BOMB, "body", "refused XML construct"),
        (EXTERNAL, "body", "refused XML construct"),
        (b"<a/>", "soapenv:Envelope/soapenv:Body/notifications", "outbound message"),
        (outbound_message([], org_id=""), "notifications.OrganizationId", "required"),
        (outbound_message([]), "notifications.Notification", "at least one"),
        (
            outbound_message([("", "Lead", {"Id": LEAD})]),
            "notifications.Notification[0].Id",
            "required",
        ),
    ],
)
def test_a_bad_message_says_where(body: bytes, field: str, says: str) -> None:
    with pytest.raises(EventsError) as refused:
        parse_outbound(body)
    assert refused.value.problems[0][0] == field and says in refused.value.problems[0][1]
