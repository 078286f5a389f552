"""Every figure of the routing report, exactly, from leads with known times on the
embedded server: three demo requests arrive on a Friday (two after hours, one five
minutes before closing) in a New York team working 9-17 on weekdays; one is acted on
Monday at 09:04, one on Monday at 09:08, one misses its SLA on Monday at 09:15 and
escalates. Each lead's workflow starts at its Friday moment (a start delay skipped on
its own virtual clock), so the SLA clock and the business-time figures cross a real
weekend. The same figures come from `lead-router report --json` and
`GET /analytics/summary`, and `lead-router analytics backfill --from-temporal` rebuilds
the same facts from the server's histories."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from temporalio.common import WorkflowIDConflictPolicy
from typer.testing import CliRunner

from activities.database import Database
from domain.analytics.percentiles import bucket
from domain.intake import parse_submission
from domain.lifecycle import FirstAction, FirstActionKind, LeadState, Submission
from domain.rules_check import load_rules_text
from starter.analytics import routing_report
from starter.cli.main import app
from tests.starter.api.conftest import BEARER, ApiFactory, api  # noqa: F401 (its fixture)
from tests.workflows.conftest import Lab, LabFactory, rules_yaml
from tests.workflows.test_analytics import utc
from workflows.client import LeadHandle, lead_status
from workflows.lead_routing import LeadRoutingWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")

NY = ZoneInfo("America/New_York")
WEEKDAYS = {"timezone": "America/New_York", "start": "09:00", "end": "17:00",
            "days": ["mon", "tue", "wed", "thu", "fri"]}  # fmt: skip
MM = {"lead_type": "demo_request", "country": "US", "state": "NY", "company_size": 300,
      "industry": "Software"}  # fmt: skip
SLA = timedelta(minutes=15)  # the mid-market rule's SLA, in business time


def next_friday(today: date) -> date:
    """A Friday at least two days ahead (a start delay needs a moment in the future)."""
    ahead = (4 - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead if ahead >= 2 else ahead + 7)


def ny(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), NY).astimezone(UTC)


async def arrive(lab_: Lab, email: str, at: datetime) -> LeadHandle:
    """Start the lead's workflow at `at` on its own virtual clock: received then."""
    local, domain = email.split("@")
    tagged = {**MM, "email": f"{local}+{lab_.task_queue}@{domain}", "company": domain}
    lead = parse_submission(tagged, source="test")
    submission = Submission(submission_id=uuid.uuid4().hex, lead=lead, received_at=at)
    handle = await lab_.client.start_workflow(
        LeadRoutingWorkflow.run,
        submission,
        id=lead.lead_id,
        task_queue=lab_.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        start_signal="submission",
        start_signal_args=[submission],
        start_delay=at - datetime.now(UTC),
    )
    # a second past the start delay: the first workflow task is then scheduled
    await lab_.env.fast_forward(handle, at - datetime.now(UTC) + timedelta(seconds=1))  # type: ignore[attr-defined]
    return handle


async def act_at(
    lab_: Lab, handle: LeadHandle, state: LeadState, at: datetime, kind: FirstActionKind
) -> None:
    """Skip the lead's clock to `at` (a second or two later: real time runs on) and act."""
    assert state.owner is not None
    await lab_.env.fast_forward(handle, at - state.decisions[-1].at)  # type: ignore[attr-defined]
    await handle.execute_update(
        LeadRoutingWorkflow.record_first_action,
        FirstAction(owner_id=state.owner, action=kind),
    )
    await handle.result()


def ms(delta: timedelta) -> int:
    return round(delta.total_seconds() * 1000)


def secs(delay_ms: int) -> float:
    """A delay as the report gives it: its histogram bucket, in seconds."""
    return bucket(delay_ms) / 1000


async def settled(lab_: Lab, lead_id: str, check: Any) -> Any:
    deadline = asyncio.get_running_loop().time() + 20
    while not check(row := await lab_.store.analytics.facts_of(lead_id)):
        assert asyncio.get_running_loop().time() < deadline, f"facts of {lead_id}: {row}"
        await asyncio.sleep(0.05)
    return row


async def test_every_figure_across_a_weekend(lab: LabFactory, api: ApiFactory) -> None:  # noqa: F811
    began = datetime.now(UTC)
    lab_ = await lab(rules_yaml(hours=WEEKDAYS))
    friday = next_friday(datetime.now(NY).date())
    monday = friday + timedelta(days=3)
    late, closing = ny(friday, 18, 0), ny(friday, 16, 55)

    a = await arrive(lab_, "ana@initech.com", late)
    b = await arrive(lab_, "bo@vandelay.com", closing)
    c = await arrive(lab_, "cy@northwind.io", late)
    states = {h.id: await lab_.routed(h) for h in (a, b, c)}
    assigned = {lead: s.decisions[0].at for lead, s in states.items()}
    for state in states.values():
        assert state.decisions[0].team == "mm-us-east" and state.owner is not None, state
    # the SLA clock: after hours on Friday it starts on Monday at 09:00
    assert states[a.id].sla_due_at == states[c.id].sla_due_at == ny(monday, 9, 15)
    worked_friday = ny(friday, 17, 0) - assigned[b.id]
    assert timedelta(minutes=4) < worked_friday <= timedelta(minutes=5)
    assert states[b.id].sla_due_at == ny(monday, 9, 0) + SLA - worked_friday

    await act_at(lab_, a, states[a.id], ny(monday, 9, 4), FirstActionKind.first_touch)
    await act_at(lab_, b, states[b.id], ny(monday, 9, 8), FirstActionKind.meeting_booked)
    escalated = await lab_.miss_sla(c, states[c.id])
    assert escalated.escalation_level == 1
    assert ny(monday, 9, 15) <= escalated.decisions[-1].at < ny(monday, 9, 16)

    row_a = await settled(lab_, a.id, lambda r: r is not None and r.status == "actioned")
    row_b = await settled(lab_, b.id, lambda r: r is not None and r.status == "actioned")
    await settled(lab_, c.id, lambda r: r is not None and r.escalations == 1)
    acted = {a.id: utc_of(row_a.first_action_at), b.id: utc_of(row_b.first_action_at)}
    assert ny(monday, 9, 4) <= acted[a.id] < ny(monday, 9, 5)
    assert ny(monday, 9, 8) <= acted[b.id] < ny(monday, 9, 9)

    # the figures by hand from the recorded times
    to_assign = sorted(ms(assigned[lead] - at) for lead, at in ((a.id, late), (b.id, closing),
                                                                 (c.id, late)))  # fmt: skip
    wall = sorted(ms(acted[lead] - assigned[lead]) for lead in acted)
    business = sorted([
        ms(acted[a.id] - ny(monday, 9, 0)),  # nothing of Friday evening or the weekend
        ms(worked_friday + (acted[b.id] - ny(monday, 9, 0))),  # 5 minutes Friday + Monday's
    ])  # fmt: skip
    assert wall[0] > ms(timedelta(days=2, hours=15))  # the weekend, in wall time

    rules = load_rules_text(lab_.rules_path.read_text())
    report = await routing_report(lab_.store, rules, None, None, None)
    figures = report.model_dump(mode="json")
    assert (figures["leads"], figures["assigned"], figures["unowned"]) == (3, 3, 0)
    assert figures["actioned"] == {"total": 2, "first_touch": 1, "meeting_booked": 1,
                                   "disqualified": 0, "rejected": 0}  # fmt: skip
    assert figures["escalated"] == {"total": 1, "1": 1, "2": 0, "3": 0, "4": 0}
    assert figures["reassigned"] == {"total": 1, "escalation": 1, "manual": 0, "owner_away": 0}
    assert figures["time_to_assign_s"] == {
        "p50": secs(to_assign[1]), "p90": secs(to_assign[2]), "p95": secs(to_assign[2]),
        "max": secs(to_assign[2]),
    }  # fmt: skip
    assert figures["time_to_first_action_s"] == {
        "p50": secs(wall[0]),
        "p90": secs(wall[1]),
        "p95": secs(wall[1]),
        "max": secs(wall[1]),
    }
    assert figures["business_time_to_first_action_s"] == {
        "p50": secs(business[0]), "p90": secs(business[1]), "p95": secs(business[1]),
        "max": secs(business[1]),
    }  # fmt: skip
    assert 240 <= figures["business_time_to_first_action_s"]["p50"] < 300
    assert figures["sla_met_rate"] == pytest.approx(2 / 3)  # a and b in time, c escalated
    assert figures["demo_within_5m_rate"] == 0.0  # in wall time none was touched so soon
    assert figures["reassignment_rate"] == pytest.approx(1 / 3)
    assert figures["account_match_rate"] == 0.0 and figures["owner_assignment_rate"] == 1.0
    assert figures["enrichment_coverage"] == {"size": 1.0, "industry": 1.0, "country": 1.0}
    assert figures["dead_letters"] == 0
    assert figures["corrections"] == {"total": 0, "misrouted": 0, "rejected": 0}
    assert figures["correction_rate"] == 0.0  # no rep said a lead was not theirs

    round_robin: dict[str, int] = {}
    for lead in (a.id, b.id, c.id):
        state = await lead_status(lab_.client, lead)
        for step in state.decisions:
            assert step.team == "mm-us-east" and step.method == "round_robin", step
            round_robin[step.owner or ""] = round_robin.get(step.owner or "", 0) + 1
    weights = {"felix.alvarez": 2, "gita.berg": 1, "hana.schmidt": 1}
    [team] = figures["fairness"]
    expected = [{"id": who, "leads": round_robin.get(who, 0),
                 "share": round_robin.get(who, 0) / 4, "target": weight / 4}
                for who, weight in weights.items()]  # fmt: skip
    assert team["team"] == "mm-us-east" and team["leads"] == 4
    assert team["members"] == expected
    assert team["max_gap"] == max(abs(m["share"] - m["target"]) for m in expected)
    [outcome] = figures["outcomes_by_rule"]
    assert outcome == {"rule": "mid-market", "leads": 3, "assigned": 3, "actioned": 2,
                       "onboarding": 0, "waiting": 1, "unowned": 0, "escalated": 1}  # fmt: skip

    by_day = await routing_report(lab_.store, rules, None, None, "day")
    assert [(row.group, row.leads) for row in by_day.by] == [(friday.isoformat(), 3)]

    # the CLI and the API give the same JSON
    database = lab_.store.url
    cli = await asyncio.to_thread(
        CliRunner().invoke, app,
        ["report", "--json", "--rules", str(lab_.rules_path), "--database", database],
    )  # fmt: skip
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout) == figures
    service = await api(lab_, rules_path=lab_.rules_path)
    answer = await service.http.get("/analytics/summary", headers=BEARER)
    assert answer.status_code == 200, answer.text
    assert answer.json() == figures

    # the backfill from the server's histories rebuilds the same facts
    rebuilt = lab_.rules_path.with_name("rebuilt.db")
    since = began.isoformat()  # this test's leads (other tests' may follow: compared by id)
    backfill = await asyncio.to_thread(
        CliRunner().invoke, app,
        ["analytics", "backfill", "--from-temporal", "--since", since,
         "--address", lab_.client.service_client.config.target_host,
         "--namespace", lab_.client.namespace, "--database", str(rebuilt)],
    )  # fmt: skip
    assert backfill.exit_code == 0, backfill.output
    store = await Database(rebuilt).init()
    try:
        for lead in (a.id, b.id, c.id):
            live, replayed = (
                await lab_.store.analytics.facts_of(lead),
                await store.analytics.facts_of(lead),
            )
            assert live is not None and replayed is not None, lead
            assert utc(replayed.model_dump()) == utc(live.model_dump())
            assert await steps(store, lead) == await steps(lab_.store, lead)
    finally:
        await store.close()


async def steps(store: Database, lead_id: str) -> list[dict[str, Any]]:
    return [utc(s.model_dump(exclude={"id"})) for s in await store.analytics.steps_of(lead_id)]


def utc_of(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
