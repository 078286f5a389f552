"""The analytics facts in the app database (SQLite and PostgreSQL): written idempotently,
a later revision wins, and the report's figures are exact for known leads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from activities.database import Database
from domain.analytics.facts import LeadFacts, StepFact
from domain.analytics.fairness import fairness
from domain.analytics.report import report

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def fact(i: int, **changes: Any) -> LeadFacts:
    at = T0 + timedelta(hours=i)
    base: dict[str, Any] = dict(
        lead_id=f"lead-{i}", revision=2, submitted_at=at, day=at.date().isoformat(),
        lead_type="demo_request", source="api", utm_campaign=None, tier="mid_market",
        rule="mid-market", rules_version="1", account_matched=False, size_known=True,
        industry_known=True, country_known=False, status="waiting_first_action", team="mm",
        owner="a", method="round_robin", assigned_at=at + timedelta(seconds=1),
        sla_due_at=at + timedelta(minutes=15), escalation_level=0, escalations=0,
        manual_reassigns=0, away_reassigns=0, time_to_assign_ms=1000,
        steps=[StepFact(step=0, kind="initial", at=at, owner="a", team="mm",
                        method="round_robin", escalation_level=0)],
    )  # fmt: skip
    base.update(changes)
    return LeadFacts(**base)


def actioned(i: int, minutes: int, **changes: Any) -> LeadFacts:
    return fact(i, **{
        "revision": 3, "status": "actioned",
        "first_action_at": T0 + timedelta(hours=i, minutes=minutes),
        "first_action_kind": "first_touch", "action_owner": "a",
        "time_to_first_action_ms": minutes * 60000,
        "business_time_to_first_action_ms": minutes * 60000,
        "speed_to_lead_ms": minutes * 60000, "sla_met": minutes <= 15, **changes,
    })  # fmt: skip


async def test_writes_are_idempotent_and_a_later_revision_wins(database: Database) -> None:
    await database.analytics.record([actioned(0, 3)])
    await database.analytics.record([fact(0), fact(0)])  # a late, older notification
    row = await database.analytics.facts_of("lead-0")
    assert row is not None and row.status == "actioned" and row.revision == 3
    assert [s.kind for s in await database.analytics.steps_of("lead-0")] == ["initial"]


async def test_the_report_is_exact_for_known_leads(database: Database) -> None:
    leads = [
        actioned(0, 2),
        actioned(1, 4, owner="b", steps=[StepFact(step=0, kind="initial", at=T0, owner="b",
                                                  team="mm", method="round_robin", escalation_level=0)]),
        actioned(2, 30, lead_type="pricing", account_matched=True),
        fact(3, status="unowned_review", escalation_level=4, escalations=4, sla_met=False,
             owner=None, assigned_at=None, time_to_assign_ms=None, team="review", method="unassigned",
             steps=[]),
        fact(4, status="onboarding", lead_type="trial_signup", sla_due_at=None, manual_reassigns=1),
        fact(40 * 24, rule="late"),  # outside the window
    ]  # fmt: skip
    await database.analytics.record(leads)
    since, until = T0, T0 + timedelta(days=7)
    tallies = await database.analytics.tallies(since, until, None)
    counts = await database.analytics.round_robin_counts(since, until)
    result = report(tallies, fairness(counts, {"mm": {"a": 1.0, "b": 1.0, "c": 2.0}}),
                    since=since, until=until, group_by=None)  # fmt: skip
    assert result.leads == 5 and result.assigned == 4 and result.unowned == 1
    assert result.actioned == {
        "total": 3, "first_touch": 3, "meeting_booked": 0, "disqualified": 0, "rejected": 0,
    }  # fmt: skip
    assert result.corrections == {"total": 0, "misrouted": 0, "rejected": 0}
    assert result.correction_rate == 0.0
    assert result.escalated == {"total": 1, "1": 0, "2": 0, "3": 0, "4": 1}
    assert result.reassigned == {"total": 2, "escalation": 1, "manual": 1, "owner_away": 0}
    assert result.time_to_assign_s.model_dump() == {"p50": 1.0, "p90": 1.0, "p95": 1.0, "max": 1.0}
    assert result.time_to_first_action_s.model_dump() == {
        "p50": 240.0, "p90": 1800.0, "p95": 1800.0, "max": 1800.0,
    }  # fmt: skip
    assert result.sla_met_rate == 2 / 4  # two in time, one late, one escalated
    assert result.demo_within_5m_rate == 2 / 3  # leads 0, 1 of the demo requests 0, 1, 3
    assert result.reassignment_rate == 2 / 5 and result.account_match_rate == 1 / 5
    assert result.enrichment_coverage == {"size": 1.0, "industry": 1.0, "country": 0.0}
    assert [(t.name, t.met) for t in result.targets][:4] == [
        ("demo_within_5m", False), ("reassignment", False), ("correction", True),
        ("account_match", False),
    ]  # fmt: skip
    (team,) = result.fairness
    assert [(m.id, m.leads, m.share, m.target) for m in team.members] == [
        ("a", 3, 0.75, 0.25), ("b", 1, 0.25, 0.25), ("c", 0, 0.0, 0.5),
    ]  # fmt: skip
    assert [(r.rule, r.leads, r.actioned) for r in result.outcomes_by_rule] == [
        ("mid-market", 5, 3)
    ]

    by_team = report(await database.analytics.tallies(since, until, "team"), [],
                     since=since, until=until, group_by="team")  # fmt: skip
    assert [(g.group, g.leads, g.actioned["total"]) for g in by_team.by] == [
        ("mm", 4, 3), ("review", 1, 0),
    ]  # fmt: skip
    assert by_team.model_dump(exclude={"by", "group_by", "fairness"}) == result.model_dump(
        exclude={"by", "group_by", "fairness"}
    )


async def test_rep_feedback_counts_toward_the_correction_rate(database: Database) -> None:
    misrouted_step = StepFact(step=1, kind="misrouted", at=T0 + timedelta(hours=3), owner="b", team="mm-west",
                              method="round_robin", escalation_level=0)  # fmt: skip
    await database.analytics.record([
        actioned(0, 2),
        actioned(1, 3, first_action_kind="rejected"),
        actioned(2, 4, misroutes=1, steps=[*fact(2).steps, misrouted_step]),
        actioned(3, 5, misroutes=2, first_action_kind="rejected"),  # counted once
        fact(4),
    ])  # fmt: skip
    result = report(await database.analytics.tallies(T0, T0 + timedelta(days=1), None), [],
                    since=T0, until=None, group_by=None)  # fmt: skip
    assert result.corrections == {"total": 3, "misrouted": 2, "rejected": 2}
    assert result.correction_rate == 3 / 5
    assert result.actioned["rejected"] == 2
    correction = next(t for t in result.targets if t.name == "correction")
    assert (correction.target, correction.met) == ("< 3%", False)
    assert [s.kind for s in await database.analytics.steps_of("lead-2")] == ["initial", "misrouted"]
