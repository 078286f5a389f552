"""Starting and talking to lead workflows: shared by the CLI and the HTTP service."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from domain.identity import lead_id_for
from domain.intake import InvalidSubmission, normalize_email
from domain.lifecycle import (
    FirstAction,
    FirstActionKind,
    LeadState,
    Outcome,
    OwnerUnavailable,
    ReassignRequest,
    Submission,
)
from domain.models import Lead
from domain.plan import describe_sla
from workflows.lead_routing import LeadRoutingWorkflow

LeadHandle = WorkflowHandle[LeadRoutingWorkflow, Outcome]


def resolve_lead_id(email_or_id: str, id_key: str) -> str:
    """A lead id from an email (hashed the same way as at intake) or an id as given."""
    text = email_or_id.strip()
    if "@" not in text:
        return text
    try:
        return lead_id_for(normalize_email(text), id_key)
    except InvalidSubmission as exc:
        raise ValueError(str(exc)) from None


def summary_of(lead: Lead) -> str:
    """The workflow's static summary: what kind of lead, from which company."""
    company = lead.company or lead.email_domain
    return f"{lead.lead_type.value} from {company} via {lead.source}"


async def start_lead(
    client: Client,
    lead: Lead,
    task_queue: str,
    *,
    submission_id: str | None = None,
    received_at: datetime | None = None,
) -> LeadHandle:
    """Start the lead's workflow, or join the open one (signal-with-start)."""
    submission = Submission(
        submission_id=submission_id or uuid.uuid4().hex,
        lead=lead,
        received_at=received_at or datetime.now(UTC),
    )
    return await client.start_workflow(
        LeadRoutingWorkflow.run,
        submission,
        id=lead.lead_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        start_signal="submission",
        start_signal_args=[submission],
        static_summary=summary_of(lead),
    )


def handle_for(client: Client, lead_id: str) -> LeadHandle:
    return client.get_workflow_handle_for(LeadRoutingWorkflow.run, lead_id)


async def lead_status(client: Client, lead_id: str) -> LeadState:
    return await handle_for(client, lead_id).query(LeadRoutingWorkflow.status)


async def record_action(
    client: Client, lead_id: str, owner_id: str, action: FirstActionKind
) -> Outcome:
    return await handle_for(client, lead_id).execute_update(
        LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=owner_id, action=action)
    )


async def reassign_lead(client: Client, lead_id: str, owner_id: str, reason: str) -> LeadState:
    return await handle_for(client, lead_id).execute_update(
        LeadRoutingWorkflow.reassign, ReassignRequest(owner_id=owner_id, reason=reason)
    )


async def mark_owner_unavailable(client: Client, lead_id: str, owner_id: str, reason: str) -> None:
    await handle_for(client, lead_id).signal(
        LeadRoutingWorkflow.owner_unavailable, OwnerUnavailable(owner_id=owner_id, reason=reason)
    )


async def activate_trial(client: Client, lead_id: str) -> None:
    await handle_for(client, lead_id).signal(LeadRoutingWorkflow.trial_activated)


def describe_state(state: LeadState) -> list[str]:
    """Lines a person reads in the terminal."""
    due = f"{state.sla_due_at:%Y-%m-%d %H:%M} UTC" if state.sla_due_at else "-"
    lines = [
        f"lead {state.lead_id}: {state.status.value}",
        f"  owner {state.owner or '-'} · team {state.team or '-'} · tier {state.tier or '-'}",
        f"  SLA due {due} · escalation level {state.escalation_level} · "
        f"rules {state.rules_version} {','.join(state.rule_ids)}",
    ]
    for d in state.decisions:
        lines.append(
            f"  [{d.step}] {d.at:%Y-%m-%d %H:%M:%S} {d.kind}: {d.owner or 'no owner'} "
            f"({d.team}, {d.method}, SLA {describe_sla(d.sla_seconds)})"
        )
        lines += [f"      {r}" for r in d.reasons]
    if state.resubmissions:
        lines.append(f"  resubmitted {len(state.resubmissions)} time(s)")
    return lines
