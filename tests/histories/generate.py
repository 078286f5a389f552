"""Regenerate the replay corpus: run every path of a lead's life on the embedded
Temporal (the real worker, activities and SQLite store; time skipped per workflow)
and write each workflow's history next to this file as NAME.json.gz (gzipped: the
payloads are base64 JSON and shrink sevenfold).

    .venv/bin/python -m tests.histories.generate [--only NAME ...] [--into FOLDER]

After a deliberate change to the workflow (behind `workflow.patched`), record the new
version's histories into a new folder (`--into tests/histories/v2`) and keep the old
files: they stand for the leads still open when the change ships. `replay` and the
tests read every folder below tests/histories.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.testing._timeskipping import TimeSkippingConfig

from activities.crm.hubspot import HubSpotClient
from activities.crm.salesforce import SalesforceClient
from activities.crm.salesforce_auth import SalesforceLogin
from activities.crm.sync import CrmClient
from activities.database import Database
from activities.lead_activities import LeadActivities
from domain.lifecycle import (
    FirstAction,
    FirstActionKind,
    Misroute,
    OwnerUnavailable,
    ReassignRequest,
)
from domain.models import Account
from starter.devserver import server_flags
from starter.replay.history import write_history
from starter.runtime.binaries import temporal_cli
from starter.runtime.codec import LEAD_DATA_CONVERTER
from starter.runtime.settings import SAMPLE_COMPANIES
from tests.fakes.hubspot import TOKEN, FakeHubSpot, give_crm_ids
from tests.fakes.salesforce import CLIENT_ID, CLIENT_SECRET, FakeSalesforce, give_salesforce_ids
from tests.workflows.conftest import Lab, rules_yaml
from worker import build_worker
from workflows.client import LeadHandle, activate_trial
from workflows.lead_routing import LeadRoutingWorkflow
from workflows.qa_sample import QaSampleWorkflow
from workflows.routing_health import RoutingHealthWorkflow

HERE = Path(__file__).parent
MM_EAST = {"email": "buyer@northwind.io", "lead_type": "demo_request", "country": "US",
           "state": "NY", "company": "Northwind"}  # fmt: skip
ACCOUNTS = [
    Account(domain="vandelay.com", name="Vandelay Industries", owner_id="gita.berg"),
    Account(domain="initech.com", name="Initech", owner_id="chloe.kowalski", is_customer=True),
]

Path_ = Callable[[Lab], Awaitable[WorkflowHandle[Any, Any]]]


async def act(
    lab: Lab, handle: LeadHandle, kind: FirstActionKind = FirstActionKind.first_touch
) -> None:
    state = await lab.until(handle, lambda s: s.owner is not None)
    assert state.owner is not None
    await handle.execute_update(
        LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=state.owner, action=kind)
    )


async def first_action_in_time(lab: Lab) -> LeadHandle:
    handle = await lab.submit(MM_EAST)
    await lab.routed(handle)
    await act(lab, handle, FirstActionKind.meeting_booked)
    return handle


def escalated(misses: int) -> Path_:
    async def path(lab: Lab) -> LeadHandle:
        handle = await lab.submit(MM_EAST)
        state = await lab.routed(handle)
        for _ in range(misses):
            state = await lab.miss_sla(handle, state)
        await act(lab, handle)
        return handle

    return path


async def unowned_review(lab: Lab) -> LeadHandle:
    handle = await lab.submit(MM_EAST)
    state = await lab.routed(handle)
    for _ in range(4):
        state = await lab.miss_sla(handle, state)
    assert state.owner is None, state
    await lab.env.fast_forward(handle, timedelta(days=2))  # type: ignore[attr-defined]
    await handle.execute_update(
        LeadRoutingWorkflow.reassign,
        ReassignRequest(owner_id="rosa.schmidt", reason="picked up from the review queue"),
    )
    await act(lab, handle)
    return handle


async def manual_reassign(lab: Lab) -> LeadHandle:
    handle = await lab.submit(MM_EAST)
    await lab.routed(handle)
    await handle.execute_update(
        LeadRoutingWorkflow.reassign,
        ReassignRequest(owner_id="zane.ivanova", reason="speaks the customer's language"),
    )
    await act(lab, handle, FirstActionKind.meeting_booked)
    return handle


async def owner_away(lab: Lab) -> LeadHandle:
    handle = await lab.submit(MM_EAST)
    state = await lab.routed(handle)
    assert state.owner is not None
    await handle.signal(
        LeadRoutingWorkflow.owner_unavailable,
        OwnerUnavailable(owner_id=state.owner, reason="out sick"),
    )
    await lab.until(handle, lambda s: len(s.decisions) == 2)
    await act(lab, handle)
    return handle


async def misrouted(lab: Lab) -> LeadHandle:
    """Rep feedback (patch rep-feedback): wrong territory, routed again to us-west."""
    handle = await lab.submit(MM_EAST)
    state = await lab.routed(handle)
    assert state.owner is not None
    await handle.execute_update(
        LeadRoutingWorkflow.report_misrouted,
        Misroute(owner_id=state.owner, reason="wrong_territory", note="HQ is in Seattle",
                 territory="us-west"),
    )  # fmt: skip
    await act(lab, handle)
    return handle


async def instant_answer(lab: Lab) -> LeadHandle:
    """The form's instant answer waited on the lead (update `routed`) as it was routed."""
    handle = await lab.submit({**MM_EAST, "email": "asap@northwind.io"})
    state = await handle.execute_update(LeadRoutingWorkflow.routed)
    assert state.owner is not None
    await act(lab, handle)
    return handle


async def rejected(lab: Lab) -> LeadHandle:
    """Rep feedback: not a lead, closed with its reason code."""
    handle = await lab.submit(MM_EAST)
    state = await lab.routed(handle)
    assert state.owner is not None
    await handle.execute_update(
        LeadRoutingWorkflow.record_first_action,
        FirstAction(owner_id=state.owner, action=FirstActionKind.rejected, reason="not_a_lead",
                    note="a student's research project"),
    )  # fmt: skip
    return handle


async def duplicate_join(lab: Lab) -> LeadHandle:
    webinar = {"email": "reader@unknown-co.io", "lead_type": "webinar"}
    handle = await lab.submit(webinar, "sub-1")
    await lab.routed(handle)
    await lab.submit(webinar, "sub-1")  # the same delivery again: ignored
    await lab.submit({**webinar, "lead_type": "demo_request"}, "sub-2")  # tightens the SLA
    await lab.until(handle, lambda s: len(s.resubmissions) == 1)
    await act(lab, handle)
    return handle


async def trial_activation(lab: Lab) -> LeadHandle:
    handle = await lab.submit({"email": "dev@sakura-systems.jp", "lead_type": "trial_signup"})
    await lab.routed(handle)
    await activate_trial(lab.client, handle.id)
    await lab.until(handle, lambda s: len(s.decisions) == 2)
    await act(lab, handle)
    return handle


async def account_owner(lab: Lab) -> LeadHandle:
    handle = await lab.submit({"email": "art@vandelay.com", "country": "US", "state": "NY"})
    await lab.routed(handle)
    await act(lab, handle)
    return handle


async def existing_customer(lab: Lab) -> LeadHandle:
    handle = await lab.submit({"email": "it@initech.com", "lead_type": "contact_sales"})
    await lab.routed(handle)
    await act(lab, handle)
    return handle


async def free_email_review(lab: Lab) -> LeadHandle:
    handle = await lab.submit({"email": "founder@gmail.com", "lead_type": "pricing"})
    await lab.routed(handle)
    await act(lab, handle, FirstActionKind.disqualified)
    return handle


async def enterprise_vertical(lab: Lab) -> LeadHandle:
    handle = await lab.submit({"email": "cio@stmarys-health.org", "lead_type": "demo_request",
                               "company_size": 4000, "industry": "Hospital & Health Care",
                               "country": "GB"})  # fmt: skip
    await lab.routed(handle)
    await act(lab, handle)
    return handle


def crm_rules(ids: bool, crm: str = "hubspot") -> Callable[[], str]:
    def text() -> str:
        data = yaml.safe_load(rules_yaml())
        if ids:
            (give_salesforce_ids if crm == "salesforce" else give_crm_ids)(data)
        return yaml.safe_dump(data, sort_keys=False)

    return text


async def crm_escalation(lab: Lab) -> LeadHandle:
    """A CRM configured: the owner written after the routing and the escalation."""
    handle = await lab.submit(MM_EAST)
    state = await lab.until(
        handle, lambda s: s.crm_sync is not None and s.crm_sync.status == "written"
    )
    state = await lab.miss_sla(handle, state)
    await lab.until(handle, lambda s: s.crm_sync is not None and s.crm_sync.step == 1
                    and s.crm_sync.status == "written")  # fmt: skip
    await act(lab, handle)
    return handle


async def crm_no_owner_id(lab: Lab) -> LeadHandle:
    """HubSpot configured, the owner has no hubspot_owner_id: a warning and an alert."""
    handle = await lab.submit(MM_EAST)
    await lab.until(handle, lambda s: s.crm_sync is not None and s.crm_sync.status == "rejected")
    await act(lab, handle)
    return handle


async def in_flight_waiting(lab: Lab) -> LeadHandle:
    """Left open on purpose: the history of a lead still waiting when a new version ships."""
    handle = await lab.submit({"email": "ops@northwind.io", "lead_type": "pricing",
                               "country": "US", "state": "CA", "company_size": 250})  # fmt: skip
    await lab.routed(handle)
    return handle


def after_hours_rules() -> str:
    """Everyone works a two-hour window that opens six hours from now."""
    opens = (datetime.now(UTC) + timedelta(hours=6)).replace(minute=0, second=0, microsecond=0)
    start, end = opens.strftime("%H:%M"), (opens + timedelta(hours=2)).strftime("%H:%M")
    if end <= start:
        start, end = "01:00", "03:00"
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return rules_yaml({"timezone": "UTC", "start": start, "end": end, "days": days})


async def after_hours_arrival(lab: Lab) -> LeadHandle:
    handle = await lab.submit(MM_EAST)
    await lab.routed(handle)
    await act(lab, handle)
    return handle


async def suppressed(lab: Lab) -> LeadHandle:
    """Low fit and low intent: no owner, no SLA, the workflow ends on its nurture track."""
    return await lab.submit({"email": "reader@ipanema.com.br", "lead_type": "newsletter",
                             "country": "Brazil"})  # fmt: skip


async def routing_health(lab: Lab) -> WorkflowHandle[Any, Any]:
    """The scheduled health check finding more dead letters than the rules allow."""
    for n in range(3):
        await lab.store.dead_letters.add("forms", f"bad email {n}", "{}")
    return await lab.client.start_workflow(
        RoutingHealthWorkflow.run, id=f"routing-health-{lab.task_queue}", task_queue=lab.task_queue
    )


async def qa_sample(lab: Lab) -> WorkflowHandle[Any, Any]:
    """The weekly QA sample over two routed leads (their facts written by the notify)."""
    for n in range(2):
        lead = await lab.submit({**MM_EAST, "email": f"buyer{n}@northwind.io"})
        await lab.until(lead, lambda s: bool(s.decisions))
    for _ in range(200):
        if (
            len(
                await lab.store.analytics.submitted_between(
                    datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1)
                )
            )
            >= 2
        ):
            break
        await asyncio.sleep(0.05)
    return await lab.client.start_workflow(
        QaSampleWorkflow.run, 20, id=f"qa-sample-{lab.task_queue}", task_queue=lab.task_queue
    )


PATHS: dict[str, tuple[Path_, Callable[[], str] | None]] = {
    "first-action-in-time": (first_action_in_time, None),
    "escalation-level-1": (escalated(1), None),
    "escalation-level-2": (escalated(2), None),
    "escalation-level-3": (escalated(3), None),
    "unowned-review": (unowned_review, None),
    "manual-reassign": (manual_reassign, None),
    "owner-away": (owner_away, None),
    "duplicate-join": (duplicate_join, None),
    "trial-activation": (trial_activation, None),
    "after-hours-arrival": (after_hours_arrival, after_hours_rules),
    "account-owner": (account_owner, None),
    "existing-customer": (existing_customer, None),
    "free-email-review": (free_email_review, None),
    "enterprise-vertical": (enterprise_vertical, None),
    "in-flight-waiting": (in_flight_waiting, None),
    "crm-hubspot-escalation": (crm_escalation, crm_rules(ids=True)),
    "crm-hubspot-no-owner-id": (crm_no_owner_id, crm_rules(ids=False)),
    "crm-salesforce-escalation": (crm_escalation, crm_rules(ids=True, crm="salesforce")),
    "suppressed": (suppressed, None),
    "routing-health-alert": (routing_health, None),
    "qa-sample": (qa_sample, None),
    "misrouted": (misrouted, None),
    "rejected": (rejected, None),
    "instant-answer": (instant_answer, None),
}


SCHEDULED = {"routing-health-alert", "qa-sample"}


async def record(env: WorkflowEnvironment, work: Path, name: str, into: Path) -> Path:
    path, rules = PATHS[name]
    rules_path = work / f"{name}.yaml"
    rules_path.write_text(rules() if rules else rules_yaml())
    store = await Database(work / f"{name}.db").init()
    await store.accounts.upsert(ACCOUNTS)
    hubspot = FakeHubSpot(owners=give_crm_ids(yaml.safe_load(rules_yaml())))
    salesforce = FakeSalesforce(users=give_salesforce_ids(yaml.safe_load(rules_yaml())))
    await hubspot.start()
    await salesforce.start()
    crm: CrmClient | None = None
    if name.startswith("crm-salesforce"):
        crm = SalesforceClient(SalesforceLogin(CLIENT_ID, CLIENT_SECRET), salesforce.url)
    elif name.startswith("crm-"):
        crm = HubSpotClient(TOKEN, hubspot.url)
    acts = LeadActivities(store, rules_path=rules_path, companies_path=SAMPLE_COMPANIES, crm=crm)
    task_queue = f"corpus-{uuid.uuid4().hex[:8]}"
    try:
        async with build_worker(env.client, acts, task_queue):
            lab = Lab(env, env.client, store, acts, task_queue, rules_path)
            lab.crm = (
                None if crm is None else "salesforce" if crm.crm == "salesforce" else "hubspot"
            )
            handle = await path(lab)
            if name != "in-flight-waiting":
                await handle.result()
            history = await handle.fetch_history()
    finally:
        await store.close()
        await hubspot.stop()
        await salesforce.stop()
    # the schedules' histories apart: `backtest` and the analytics read lead histories
    out = (into / "schedules" if name in SCHEDULED else into) / f"{name}.json.gz"
    write_history(history, out)
    return out


async def main(only: list[str], into: Path) -> None:
    unknown = sorted(set(only) - set(PATHS))
    if unknown:
        raise SystemExit(f"no path {', '.join(unknown)}; known: {', '.join(PATHS)}")
    env = await WorkflowEnvironment.start_time_skipping_v2(
        dev_server_existing_path=temporal_cli(),
        dev_server_extra_args=[
            "--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true",
            *server_flags(),
        ],
        data_converter=LEAD_DATA_CONVERTER,
        ts_config=TimeSkippingConfig(enabled=False),
    )  # fmt: skip
    (into / "schedules").mkdir(parents=True, exist_ok=True)
    async with env:
        with tempfile.TemporaryDirectory() as work:
            for name in only or PATHS:
                out = await record(env, Path(work), name, into)
                print(f"{out}: {out.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", default=[], metavar="NAME", help="paths to record")
    parser.add_argument("--into", type=Path, default=HERE, help="folder to write to")
    args = parser.parse_args()
    asyncio.run(main(args.only, args.into))
