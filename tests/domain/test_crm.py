"""The roster's CRM identities (what `rules check` says about them) and what a CRM event
means for a lead."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from domain.crm import CrmSync, check_identities, member_by, roster_vs_crm
from domain.crm_events import (
    DEFAULT_STATUS_ACTIONS,
    EventsError,
    judge,
    parse_hubspot_events,
)
from domain.lifecycle import FirstActionKind, LeadState, LeadStatus
from domain.rules import RulesError
from domain.rules_check import load_rules_text
from domain.texts import describe_state
from starter.runtime.settings import DEFAULT_RULES
from tests.fakes.hubspot import give_crm_ids
from tests.helpers import set_member


def rules_with(**changes: dict[str, Any]) -> Any:
    data = yaml.safe_load(DEFAULT_RULES.read_text())
    give_crm_ids(data)
    for member, fields in changes.items():
        set_member(data, member, **fields)
    return load_rules_text(yaml.safe_dump(data), source="rules.yaml")


def test_identities_are_checked_with_their_key_path() -> None:
    with pytest.raises(RulesError) as bad:
        rules_with(**{"gita.berg": {"hubspot_owner_id": "gita", "salesforce_user_id": "001xx",
                                    "slack_user_id": "gita", "email": "nope"},
                      "hana.schmidt": {"hubspot_owner_id": "5000"}})  # fmt: skip
    lines = str(bad.value).splitlines()
    assert any("members[1].hubspot_owner_id: 'gita' is not digits" in line for line in lines)
    assert any("salesforce_user_id: '001xx' is not a Salesforce User id" in line for line in lines)
    assert any(".slack_user_id: 'gita' is not a Slack member id" in line for line in lines)
    assert any(".email: 'nope' is not an email address" in line for line in lines)
    assert any("'5000' is also" in line and "hubspot_owner_id" in line for line in lines)
    assert all(re.match(r"rules\.yaml:\d+: teams\[", line) for line in lines), lines


def test_the_shipped_rules_with_ids_are_valid() -> None:
    assert check_identities(rules_with()) == []


def event(prop: str, value: str, user: str | None = None) -> list[dict[str, Any]]:
    return [{"eventId": 7, "objectId": 123, "subscriptionType": "contact.propertyChange",
             "propertyName": prop, "propertyValue": value,
             "sourceId": f"userId:{user}" if user else "app:1"}]  # fmt: skip


@pytest.mark.parametrize(
    ("prop", "value", "action"),
    [("hs_lead_status", "CONNECTED", FirstActionKind.first_touch),
     ("hs_lead_status", "OPEN_DEAL", FirstActionKind.meeting_booked),
     ("hs_lead_status", "UNQUALIFIED", FirstActionKind.disqualified),
     ("notes_last_contacted", "1764590000000", FirstActionKind.first_touch)],
)  # fmt: skip
def test_a_mapped_change_is_the_owners_first_action(
    prop: str, value: str, action: FirstActionKind
) -> None:
    [parsed] = parse_hubspot_events(event(prop, value))
    verdict = judge(parsed, rules_with(), "gita.berg", DEFAULT_STATUS_ACTIONS)
    assert (verdict.kind, verdict.owner_id, verdict.action) == ("first_action", "gita.berg", action)


def test_the_source_user_is_credited_and_other_changes_are_ignored() -> None:
    rules = rules_with()
    hana = rules.member("hana.schmidt")
    assert hana is not None and hana.hubspot_user_id is not None
    [by_hana] = parse_hubspot_events(event("hs_lead_status", "CONNECTED", hana.hubspot_user_id))
    assert judge(by_hana, rules, "gita.berg", DEFAULT_STATUS_ACTIONS).owner_id == "hana.schmidt"
    [new] = parse_hubspot_events(event("hs_lead_status", "NEW"))
    assert judge(new, rules, "gita.berg", DEFAULT_STATUS_ACTIONS).reason == (
        "hs_lead_status NEW is not mapped"
    )
    [owner] = parse_hubspot_events(event("hubspot_owner_id", str(hana.hubspot_owner_id), "1"))
    moved = judge(owner, rules, "gita.berg", DEFAULT_STATUS_ACTIONS)
    assert (moved.kind, moved.owner_id) == ("reassign", "hana.schmidt")
    [echo] = parse_hubspot_events(event("hubspot_owner_id", str(hana.hubspot_owner_id)))
    assert judge(echo, rules, "gita.berg", DEFAULT_STATUS_ACTIONS).kind == "ignore"


def test_a_body_that_is_not_events_says_which_field() -> None:
    with pytest.raises(EventsError) as bad:
        parse_hubspot_events([{"eventId": 1, "objectId": 2}, "x"])
    assert bad.value.problems == [
        ("[0].subscriptionType", "required"),
        ("[1]", "must be an object"),
    ]


def test_roster_beside_the_crm_flags_missing_and_unknown_ids() -> None:
    rules = rules_with(**{"gita.berg": {"hubspot_owner_id": None}})
    users = [{"id": "5001", "user_id": "9001", "email": "a@x.com", "name": "A"},
             {"id": "4242", "user_id": "1", "email": "new@x.com", "name": "New Hire"}]  # fmt: skip
    rows = {r["member"] or r["crm_email"]: r for r in roster_vs_crm(rules, "hubspot", users)}
    assert rows["gita.berg"]["problem"] == "no hubspot_owner_id"
    assert rows["new@x.com"]["problem"] == "not in the roster"
    known = [r for r in rows.values() if r["hubspot_owner_id"] == "5001"]
    assert known[0]["problem"] == "" and known[0]["crm_name"] == "A"
    assert sum("has no active owner" in r["problem"] for r in rows.values()) > 10


def test_status_says_where_the_lead_stands_in_the_crm() -> None:
    refused = CrmSync(crm="hubspot", step=1, status="rejected", record_id="1001",
                      warning="hubspot answered 400: VALIDATION_ERROR owner 7 is not valid")  # fmt: skip
    state = LeadState(
        lead_id="lead-1", status=LeadStatus.waiting_first_action, lead_type="demo_request",
        tier=None, team=None, owner="gita.berg", sla_due_at=None, escalation_level=0,
        rule_ids=[], rules_version=None, missed_by=[], decisions=[], resubmissions=[],
        crm_sync=refused,
    )  # fmt: skip
    assert describe_state(state)[-1] == (
        "  crm_sync hubspot rejected (step 1) record 1001: "
        "hubspot answered 400: VALIDATION_ERROR owner 7 is not valid"
    )


def test_salesforce_ids_match_in_their_15_and_18_character_forms() -> None:
    rules = rules_with(**{"gita.berg": {"salesforce_user_id": "0055e0000000001"}})
    member = member_by(rules, "salesforce_user_id", "0055e0000000001AAA")
    assert member is not None and member.id == "gita.berg"
    with pytest.raises(RulesError) as same:
        rules_with(**{"gita.berg": {"salesforce_user_id": "0055e0000000001"},
                      "hana.schmidt": {"salesforce_user_id": "0055e0000000001AAA"}})  # fmt: skip
    assert "is also gita.berg's salesforce_user_id" in str(same.value)


def test_a_member_who_chose_email_needs_an_email() -> None:
    with pytest.raises(RulesError) as bad:
        data = yaml.safe_load(DEFAULT_RULES.read_text())
        set_member(data, "gita.berg", notify_via="both")
        load_rules_text(yaml.safe_dump(data), source="rules.yaml")
    assert re.search(r"rules\.yaml:\d+: teams\[\d+\]\.members\[\d+\]", str(bad.value))
    assert ".notify_via: 'both' needs the member's email: add `email:`" in str(bad.value)
