"""Whether an owner's first action or a manager's reassign is accepted now, and why not.

Update validators run only when a message first arrives, never on replay: an accepted
message must give the same commands wherever it lands in the workflow task, so it is
accepted only while the lead is parked waiting (the caller says whether it is).
"""

from __future__ import annotations

from datetime import datetime

from domain.feedback import override_refusal, reason_refusal
from domain.lifecycle import FirstAction, FirstActionKind, LeadLife, Misroute, ReassignRequest


def first_action_refusal(
    life: LeadLife, action: FirstAction, now: datetime, *, parked: bool
) -> str | None:
    """None when accepted. `parked`: the workflow waits with nothing else pending."""
    if life.action is not None:
        return "the lead was already actioned"
    if life.owner is None:
        return f"the lead has no owner yet (status {life.status.value})"
    if action.owner_id != life.owner:
        return f"{action.owner_id} is not the current owner ({life.owner} is)"
    if action.action is FirstActionKind.rejected and (
        why := reason_refusal(life.rules, action.reason)
    ):
        return why
    return _not_accepting(life, now, parked=parked)


def misroute_refusal(
    life: LeadLife, misroute: Misroute, now: datetime, *, parked: bool, pending: bool
) -> str | None:
    """None when accepted. `pending`: another change of hands was accepted, not yet applied."""
    if life.action is not None:
        return "the lead was already actioned"
    if life.rules is None or life.owner is None:
        return f"the lead has no owner yet (status {life.status.value})"
    if misroute.owner_id != life.owner:
        return f"{misroute.owner_id} is not the current owner ({life.owner} is)"
    if pending:
        return "the lead is changing hands right now; try again in a moment"
    why = reason_refusal(life.rules, misroute.reason) or override_refusal(life, misroute)
    return why or _not_accepting(life, now, parked=parked)


def reassign_refusal(
    life: LeadLife, request: ReassignRequest, now: datetime, *, parked: bool, reassigning: bool
) -> str | None:
    """None when accepted. `reassigning`: another reassign was accepted, not yet applied."""
    if life.action is not None:
        return "the lead was already actioned"
    if life.rules is None:
        return "the lead is still being routed; try again in a moment"
    if reassigning:
        return "another reassignment is in progress"
    member = life.rules.member(request.owner_id)
    if member is None or not member.active:
        return f"{request.owner_id} is not an active member of the roster"
    if request.owner_id == life.owner:
        return f"{request.owner_id} already owns the lead"
    return _not_accepting(life, now, parked=parked)


def _not_accepting(life: LeadLife, now: datetime, *, parked: bool) -> str | None:
    """Accepted mid-step (the SLA timer already fired and the escalation's first
    activity scheduled in the same task), a cold worker replaying the history could
    apply the message before the timer instead and diverge (TMPRL1100); it would also
    credit the next owner with the late owner's action. Refused, it leaves no trace in
    the history, and the caller gets a reason to act on."""
    if life.deadline is not None and now >= life.deadline:
        return (
            f"the SLA deadline passed at {life.deadline:%Y-%m-%d %H:%M:%S} UTC; "
            "the lead is being escalated"
        )
    if not parked:
        return "the lead is changing hands right now; try again in a moment"
    return None
