"""The typed client helpers that start and message a lead: shared by the CLI, the HTTP
service and the intake service."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from domain import lifecycle
from domain.crm import Crm
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
from domain.texts import closed_text
from workflows.lead_routing import LeadRoutingWorkflow

LeadHandle = WorkflowHandle[LeadRoutingWorkflow, Outcome]
NONDETERMINISM = "[TMPRL1100]"  # how the SDK's core starts a nondeterminism error
logger = logging.getLogger(__name__)
T = TypeVar("T")


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
    crm: Crm | None = None,
) -> LeadHandle:
    """Start the lead's workflow, or join the open one (signal-with-start)."""
    submission = Submission(
        submission_id=submission_id or uuid.uuid4().hex,
        lead=lead,
        received_at=received_at or datetime.now(UTC),
        crm=crm,
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


QUERY_REPLAY_RETRIES = 2  # see lead_status


async def lead_status(client: Client, lead_id: str) -> LeadState:
    """The lead's state, by a query. A worker answers a query on a lead it does not hold in
    memory by replaying the lead's history; once in many worker restarts that replay has
    failed with a nondeterminism error although the same history replays cleanly (the
    fault tests replay every one), so such a failure is asked again, after a pause, before
    it is raised. A lead whose history really does not replay fails every time."""
    handle = handle_for(client, lead_id)
    attempt = 0
    while True:
        try:
            return await handle.query(LeadRoutingWorkflow.status)
        except WorkflowQueryFailedError as failed:
            attempt += 1
            if NONDETERMINISM not in str(failed) or attempt > QUERY_REPLAY_RETRIES:
                raise
            logger.warning("query on %s failed on replay, asking again: %s", lead_id, failed)
            await asyncio.sleep(0.5 * attempt)


async def routed_lead(client: Client, lead_id: str, seconds: float) -> LeadState:
    """The lead once routing decided, waited for by the server (one call, no polling);
    TimeoutError past `seconds`."""
    wait = handle_for(client, lead_id).execute_update(
        LeadRoutingWorkflow.routed, rpc_timeout=timedelta(seconds=seconds)
    )
    return await asyncio.wait_for(wait, seconds)


class LeadClosed(Exception):
    """An action on a lead whose workflow has ended; the message says how it ended."""


async def closed_reason(client: Client, lead_id: str) -> str | None:
    """Why the lead cannot take an action any more ("already actioned by gita.berg on
    ... at 11:02 UTC (meeting_booked)"), or None while it is open. A query on an ended
    workflow still answers while a worker runs."""
    handle = handle_for(client, lead_id)
    described = await handle.describe()
    if described.status in (None, WorkflowExecutionStatus.RUNNING):
        return None
    state = await handle.query(LeadRoutingWorkflow.status)
    return closed_text(state, described.status.name.lower(), described.close_time)


async def record_action(
    client: Client,
    lead_id: str,
    owner_id: str,
    action: FirstActionKind,
    via: str | None = None,
    *,
    reason: str | None = None,
    note: str | None = None,
) -> Outcome:
    """The owner's first action (`rejected` with a reason code); LeadClosed if the lead
    has ended."""
    first = FirstAction(owner_id=owner_id, action=action, via=via, reason=reason, note=note)
    return await _updated(client, lead_id, handle_for(client, lead_id).execute_update(
        LeadRoutingWorkflow.record_first_action, first))  # fmt: skip


async def reassign_lead(client: Client, lead_id: str, owner_id: str, reason: str) -> LeadState:
    """A manual reassignment; LeadClosed if the lead has ended."""
    request = ReassignRequest(owner_id=owner_id, reason=reason)
    return await _updated(client, lead_id, handle_for(client, lead_id).execute_update(
        LeadRoutingWorkflow.reassign, request))  # fmt: skip


async def report_misrouted(client: Client, lead_id: str, misroute: lifecycle.Misroute) -> LeadState:
    """Rep feedback: the lead is routed again with the override; LeadClosed if it ended."""
    return await _updated(client, lead_id, handle_for(client, lead_id).execute_update(
        LeadRoutingWorkflow.report_misrouted, misroute))  # fmt: skip


async def _updated(client: Client, lead_id: str, update: Awaitable[T]) -> T:
    """The update's answer; LeadClosed when it failed because the lead has ended."""
    try:
        return await update
    except RPCError as exc:
        raise await _closed_or(client, lead_id, exc) from None


async def _closed_or(client: Client, lead_id: str, error: RPCError) -> Exception:
    """LeadClosed when the update failed because the lead's workflow has ended, else
    the error itself (no such lead, Temporal down...)."""
    if error.status is not RPCStatusCode.NOT_FOUND:
        return error
    try:
        reason = await closed_reason(client, lead_id)
    except RPCError:
        return error
    return LeadClosed(reason) if reason else error


async def mark_owner_unavailable(client: Client, lead_id: str, owner_id: str, reason: str) -> None:
    await handle_for(client, lead_id).signal(
        LeadRoutingWorkflow.owner_unavailable, OwnerUnavailable(owner_id=owner_id, reason=reason)
    )


class NotATrial(Exception):
    """A trial activation for a lead that is not a trial signup waiting for it;
    `activated` when it was one and has been activated already."""

    def __init__(self, message: str, activated: bool) -> None:
        super().__init__(message)
        self.activated = activated


async def activate_trial(client: Client, lead_id: str) -> LeadState:
    """Send the product's trial activation: the trial signup is routed to sales. Refused
    (NotATrial, LeadClosed) when the lead cannot take it; answers the state it had."""
    handle = handle_for(client, lead_id)
    if (reason := await closed_reason(client, lead_id)) is not None:
        raise LeadClosed(reason)
    state = await handle.query(LeadRoutingWorkflow.status)
    if state.lead_type != "trial_signup":
        activated = any(d.kind == "trial_activation" for d in state.decisions)
        raise NotATrial(
            f"lead {lead_id} was already activated and routed to {state.owner or 'review'}"
            if activated
            else f"lead {lead_id} is a {state.lead_type}, not a trial_signup: only a trial "
            "signup is routed to sales when its trial activates",
            activated,
        )
    await handle.signal(LeadRoutingWorkflow.trial_activated)
    return state


ERASURE_REASON = "erased on request"  # in clear in the history: never personal


async def end_for_erasure(client: Client, lead_id: str) -> str:
    """End the lead's workflow before its key is destroyed (a running workflow could no
    longer read its own history). Returns what happened: terminated, closed or none."""
    handle = handle_for(client, lead_id)
    try:
        described = await handle.describe()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            return "none"
        raise
    if described.status is not WorkflowExecutionStatus.RUNNING:
        return "closed"
    await handle.terminate(reason=ERASURE_REASON)
    return "terminated"
