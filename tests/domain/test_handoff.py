"""The handoff context: what a rep reads to act on a lead, in their own time zone, and
on an escalation who missed it and since when."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from domain.handoff import handoff
from domain.rules import RoutingRules
from domain.texts import handoff_lines, handoff_links
from tests.domain.lives import MONDAY_9AM_NY, Driver, new_life


def test_the_first_owner_reads_who_what_why_and_until_when(rules: RoutingRules) -> None:
    driver = Driver(rules, new_life(first_name="Dana", last_name="Wu", message="Call me"))
    driver.route(MONDAY_9AM_NY)
    note = driver.notices[-1].notification
    context = note.context
    assert context is not None and context == handoff(driver.life)
    assert (context.owner, context.owner_timezone) == (driver.life.owner, "America/New_York")
    assert context.reasons == driver.life.decisions[-1].reasons and context.rule_ids
    lines = dict(handoff_lines(context))
    assert lines["Lead"].startswith("Dana Wu")
    assert lines["Message"] == "Call me"
    assert context.due_at is not None
    local = context.due_at.astimezone(ZoneInfo("America/New_York"))
    assert lines["Due"].startswith(f"{local:%Y-%m-%d %H:%M} E")  # EST or EDT
    assert "Missed by" not in lines
    assert note.address is not None and note.address.via == "slack"


def test_an_escalation_says_who_missed_it_and_since_when(rules: RoutingRules) -> None:
    driver = Driver(rules, new_life())
    driver.route(MONDAY_9AM_NY)
    first, due = driver.life.owner, driver.life.deadline
    assert first is not None and due is not None
    driver.escalate(due)
    context = driver.notices[-1].notification.context
    assert context is not None
    assert (context.missed_by, context.missed_since) == (first, due)
    assert dict(handoff_lines(context))["Missed by"].startswith(f"{first} (due ")


def test_links_open_the_lead_in_the_web_ui_and_its_crm_record(rules: RoutingRules) -> None:
    driver = Driver(rules, new_life())
    driver.route(MONDAY_9AM_NY)
    context = handoff(driver.life).model_copy(update={"crm": "hubspot", "crm_record_id": "901"})
    links = handoff_links(context, "http://ui:8233/", "prod", "https://crm.example/r/{record_id}")
    assert links == [
        ("Temporal", f"http://ui:8233/namespaces/prod/workflows/{context.lead_id}"),
        ("CRM record", "https://crm.example/r/901"),
    ]
    assert handoff_links(context, None, "prod", None) == []
    assert dict(handoff_lines(context))["CRM"] == "hubspot record 901"
