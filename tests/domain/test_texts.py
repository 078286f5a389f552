"""The words the Web UI and owners see, pinned byte for byte (they were the workflow's)."""

from __future__ import annotations

from datetime import UTC, datetime

from domain import texts
from domain.lifecycle import FirstAction, LeadStatus
from domain.models import RoutingPlan
from tests.domain.lives import new_life

DUE = datetime(2025, 3, 3, 14, 30, tzinfo=UTC)


def plan(**changes: object) -> RoutingPlan:
    fields: dict[str, object] = {"rules_version": "v1", "rule_ids": ["mid-market"],
                                 "team": "mm-us-east", "sla_seconds": 900, "reasons": [], **changes}  # fmt: skip
    return RoutingPlan.model_validate(fields)


def test_route_summaries() -> None:
    assert texts.route_summary(plan()) == (
        "route by rule mid-market: round-robin in mm-us-east; SLA 15 min business time"
    )
    owned = plan(preferred_owner="gita.berg", owner_method="account_owner")
    assert texts.trial_route_summary(owned) == (
        "trial activated: route by rule mid-market: gita.berg, the account owner, "
        "in mm-us-east; SLA 15 min business time"
    )


def test_timer_and_notification_summaries() -> None:
    assert texts.wait_summary("gita.berg", DUE, 900, 1) == (
        "wait for gita.berg's first action until 2025-03-03 14:30 UTC "
        "(SLA 15 min business time, level 1)"
    )
    assert texts.notify_summary(None, "unowned_alert") == "notify nobody: unowned alert"
    assert texts.escalate_summary(2, None, ["sdr-pool", "x"]) == (
        "escalate to level 2: nobody missed the SLA; round-robin in sdr-pool, x"
    )
    assert texts.due_text(None) == "no SLA"


def test_details_markdown() -> None:
    life = new_life()
    assert texts.details(life) == (
        "**routing** · demo_request · tier unknown\n\n"
        "owner - · team - · SLA none · escalation level 0\n\n"
        "rules not loaded yet · missed by nobody · 0 resubmission(s)"
    )
    life.plan, life.owner, life.team, life.deadline = plan(), "gita.berg", "mm-us-east", DUE
    life.status, life.sla_seconds, life.missed = LeadStatus.waiting_first_action, 900, ["a", "b"]
    life.action = FirstAction(owner_id="gita.berg")
    assert texts.details(life) == (
        "**waiting_first_action** · demo_request · tier unknown · first_touch by gita.berg\n\n"
        "owner gita.berg · team mm-us-east · SLA 15 min business time, due 2025-03-03 14:30 UTC"
        " · escalation level 0\n\n"
        "rule mid-market (rules v1) · missed by a, b · 0 resubmission(s)"
    )
