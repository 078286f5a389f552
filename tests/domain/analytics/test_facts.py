"""A lead's facts, read off its life as the workflow lives it (domain.lead_life)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import lead_life
from domain.analytics.record import lead_facts
from domain.enrich import enrich
from domain.intake import parse_submission
from domain.lifecycle import FirstAction, FirstActionKind, LeadLife
from domain.models import Assignment, Company
from domain.ownership import release
from domain.rules_check import load_rules_text
from tests.workflows.conftest import rules_yaml

OFFICE = {"timezone": "Europe/Berlin", "start": "09:00", "end": "17:00",
          "days": ["mon", "tue", "wed", "thu", "fri"]}  # fmt: skip
SUBMITTED = datetime(2026, 11, 27, 14, 59, 58, tzinfo=UTC)  # Friday, 15:59:58 in Berlin
ASSIGNED = SUBMITTED + timedelta(seconds=2)  # 16:00
ACTED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday, 10:00 in Berlin


def routed_life(lead_type: str = "demo_request") -> LeadLife:
    rules = load_rules_text(rules_yaml(OFFICE))
    lead = parse_submission({"email": "cto@northwind.io", "lead_type": lead_type, "country": "US",
                             "state": "NY", "company_size": 300})  # fmt: skip
    life = LeadLife(lead=lead, submitted_at=SUBMITTED)
    company = Company(domain="northwind.io", industry="software", country="US")
    ask = lead_life.route(life, rules, enrich(lead, company, None))
    owner = rules.team(ask.request.plan.team).members[0].id
    chosen = Assignment(owner=owner, team=ask.request.plan.team, method="round_robin")
    lead_life.first_assigned(life, chosen, ASSIGNED)
    return life


def test_a_handover_carries_the_lead_without_personal_data() -> None:
    life = routed_life()
    facts = lead_facts(life)
    assert facts is not None
    assert facts.time_to_assign_ms == 2000 and facts.assigned_at == ASSIGNED
    assert facts.day == "2026-11-27" and facts.status == "waiting_first_action"
    assert (facts.size_known, facts.industry_known, facts.country_known) == (True, True, True)
    assert facts.account_matched is False and facts.sla_met is None
    assert [s.kind for s in facts.steps] == ["initial"]
    dumped = facts.model_dump_json()
    assert "cto" not in dumped and "northwind" not in dumped


def test_the_last_release_carries_the_first_action_in_business_time_across_a_weekend() -> None:
    life = routed_life()
    assert life.owner is not None
    life.action = FirstAction(owner_id=life.owner, action=FirstActionKind.meeting_booked)
    ask = release(life, ACTED)
    assert ask is not None and ask.request.facts is not None
    facts = ask.request.facts
    assert facts.status == "actioned" and facts.first_action_kind == "meeting_booked"
    assert facts.time_to_first_action_ms == int((ACTED - ASSIGNED).total_seconds() * 1000)
    assert facts.business_time_to_first_action_ms == 2 * 3600 * 1000  # Fri 16-17, Mon 9-10
    assert facts.speed_to_lead_ms == int((ACTED - SUBMITTED).total_seconds() * 1000)
    assert facts.sla_met is False  # due Friday 16:15 in Berlin, touched on Monday
    assert facts.revision == 3 and [s.kind for s in facts.steps] == ["initial", "action"]


def test_no_facts_before_routing() -> None:
    lead = parse_submission({"email": "a@b.io"})
    assert lead_facts(LeadLife(lead=lead, submitted_at=SUBMITTED)) is None
