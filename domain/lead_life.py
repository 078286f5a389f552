"""What follows each event in a lead's life, from routing to its first action.

Each function applies one event to the lead's state (`LeadLife`) and returns what
must happen next: an assignment to make, a notification to send. The workflow runs
those steps (releasing the owner first: `ownership.release`) and reports back
(`*_assigned`). Time is always a parameter; nothing here does I/O.
"""

from __future__ import annotations

from datetime import datetime

from domain import feedback, texts
from domain.classify import classify
from domain.handoff import handoff
from domain.lifecycle import (
    Decision,
    LeadLife,
    LeadState,
    LeadStatus,
    ManualAssignment,
    Misroute,
    Outcome,
    OwnerUnavailable,
    ReassignRequest,
    Resubmission,
    Submission,
    escalation_ladder,
    escalation_sla,
)
from domain.models import Assignment, Enrichment, LeadType
from domain.ownership import (
    AssignAsk,
    EscalationAttempt,
    ManualAsk,
    NotifyAsk,
    ask_assignment,
    ask_notification,
    pinned,
    take,
)
from domain.plan import plan as plan_route
from domain.rules import RoutingRules
from domain.sla import business_deadline

EXHAUSTED_LEVEL = 4  # past the ladder's last step: the lead waits in review


# Routing and every owner change


def route(life: LeadLife, rules: RoutingRules, enrichment: Enrichment) -> AssignAsk:
    """Pin the rules, classify and plan: the first assignment to make."""
    life.rules, life.enrichment = rules, enrichment
    life.classification = classify(life.lead, enrichment, rules)
    routing = life.plan = plan_route(
        life.lead, enrichment, life.classification, rules, life.arrived_at
    )
    life.home_team = routing.team
    return ask_assignment(life, routing, texts.route_summary(routing))


def suppress(life: LeadLife, now: datetime) -> Outcome:
    """A suppressed lead: recorded with its reason and nurture track; nobody owns it."""
    rules, routing = pinned(life)
    life.status, life.team = LeadStatus.suppressed, None
    life.decisions.append(
        Decision(
            step=life.step,
            kind="suppressed",
            at=now,
            owner=None,
            team=None,
            method="suppressed",
            escalation_level=0,
            sla_seconds=None,
            sla_due_at=None,
            rules_version=rules.version,
            rule_ids=routing.rule_ids,
            reasons=routing.reasons,
        )
    )
    return Outcome(
        lead_id=life.lead.lead_id,
        status=life.status,
        owner=None,
        team=None,
        action="suppressed",
        time_to_first_action_seconds=0.0,
        escalation_level=0,
        reassignments=[],
        decisions=life.decisions,
    )


def first_assigned(life: LeadLife, assignment: Assignment, now: datetime) -> NotifyAsk:
    _, routing = pinned(life)
    assert life.enrichment is not None
    reasons = [*life.enrichment.warnings, *routing.reasons]
    return take(life, assignment, "initial", routing.sla_seconds, reasons, now)


# The SLA deadline


def seconds_left(life: LeadLife, now: datetime) -> float | None:
    """Until the owner's deadline; None while nobody has one."""
    return None if life.deadline is None else (life.deadline - now).total_seconds()


def overdue(life: LeadLife, now: datetime) -> bool:
    """Due for escalation: an owner missed the deadline and nobody acted."""
    return life.action is None and life.deadline is not None and now >= life.deadline


def miss_deadline(life: LeadLife) -> str | None:
    """Record who missed it (they never get this lead again); returns them."""
    if life.owner:
        life.missed.append(life.owner)
    return life.owner


def next_escalation(life: LeadLife, missed_by: str | None) -> EscalationAttempt | None:
    """Climb one step of the ladder from the home team; None once it is exhausted."""
    rules, routing = pinned(life)
    assert life.home_team is not None
    ladder = escalation_ladder(rules, life.home_team)
    if life.ladder_index >= len(ladder):
        return None
    step = ladder[life.ladder_index]
    life.ladder_index += 1
    life.level = step.level
    life.step += 1
    ask = ask_assignment(
        life,
        routing.model_copy(update={"preferred_owner": None}),
        texts.escalate_summary(step.level, missed_by, step.teams),
        teams=step.teams,
        exclude=life.missed + life.unavailable,
    )
    return EscalationAttempt(step=step, ask=ask)


def escalated(
    life: LeadLife,
    attempt: EscalationAttempt,
    assignment: Assignment,
    missed_by: str | None,
    now: datetime,
) -> tuple[NotifyAsk, NotifyAsk | None]:
    """The new owner's notification, then the alert to the team lead if the step has one."""
    rules, routing = pinned(life)
    step = attempt.step
    why = texts.escalation_reason(step.level, missed_by, step.reason)
    sla = escalation_sla(rules, routing, step)
    assigned = take(life, assignment, "escalation", sla, [why], now)
    if not step.alert_team_lead:
        return assigned, None
    team = step.teams[0]
    text = texts.escalation_alert_text(life.lead.lead_id, team, why)
    return assigned, ask_notification(life, "escalation_alert", rules.team(team).lead, text)


def exhausted(life: LeadLife, missed_by: str | None, now: datetime) -> NotifyAsk:
    """No step of the ladder found an owner: the review team's lead must decide."""
    rules, _ = pinned(life)
    life.step += 1
    life.level = EXHAUSTED_LEVEL
    why = texts.exhausted_reason(missed_by)
    unowned = Assignment(
        owner=None, team=rules.escalation.review_team, method="unassigned", reasons=[why]
    )
    return take(life, unowned, "escalation", None, [], now)


# Owners, managers and the product change hands


def reassign_manually(life: LeadLife, request: ReassignRequest) -> ManualAsk:
    """A manager's choice, recorded as is (after the current owner is released)."""
    rules, routing = pinned(life)
    life.step += 1
    team = rules.team_of(request.owner_id)
    chosen = Assignment(
        owner=request.owner_id,
        team=team,
        method="manual",
        reasons=[texts.manual_reason(request.reason)],
    )
    return ManualAsk(
        request=ManualAssignment(
            lead_id=life.lead.lead_id,
            step=life.step,
            assignment=chosen,
            company_domain=routing.company_domain,
        ),
        summary=texts.manual_summary(request.owner_id, team, request.reason),
    )


def manually_assigned(
    life: LeadLife, ask: ManualAsk, assignment: Assignment, now: datetime
) -> NotifyAsk:
    """The ladder restarts from the chosen owner's team."""
    _, routing = pinned(life)
    life.home_team, life.ladder_index, life.level = ask.request.assignment.team, 0, 0
    return take(life, assignment, "manual", routing.sla_seconds, [], now)


def owner_away(life: LeadLife, away: OwnerUnavailable | Misroute) -> bool:
    """Whether it concerns the lead's current owner; if so, they never get it back
    (an owner away, or one who says the lead was misrouted to them)."""
    if away.owner_id != life.owner:
        return False
    life.unavailable.append(away.owner_id)
    return True


def reassign_away(life: LeadLife, away: OwnerUnavailable | Misroute) -> AssignAsk:
    """Round-robin through the current team's fallback chain (after the release), or
    the team the misroute names."""
    if isinstance(away, Misroute):
        return feedback.reroute(life, away)
    rules, routing = pinned(life)
    assert life.team is not None
    life.step += 1
    chain = rules.fallback_chain(life.team)
    return ask_assignment(
        life,
        routing.model_copy(update={"preferred_owner": None}),
        texts.away_summary(away.owner_id, chain),
        teams=chain,
        exclude=life.missed + life.unavailable,
    )


def away_assigned(
    life: LeadLife, away: OwnerUnavailable | Misroute, assignment: Assignment, now: datetime
) -> NotifyAsk:
    """The new owner keeps the SLA the lead had, at the same level."""
    if isinstance(away, Misroute):
        return feedback.rerouted(life, away, assignment, now)
    why = texts.away_reason(away.owner_id, away.reason)
    return take(life, assignment, "owner_unavailable", life.sla_seconds, [why], now)


def is_trial_signup(life: LeadLife) -> bool:
    """Only a trial signup turns into a demo request when its trial activates."""
    return life.lead.lead_type is LeadType.trial_signup


def activate_trial(life: LeadLife) -> None:
    """The trial signup is now a demo request: classified and planned again."""
    rules, _ = pinned(life)
    assert life.enrichment is not None
    life.lead = life.lead.model_copy(update={"lead_type": LeadType.demo_request})
    life.classification = classify(life.lead, life.enrichment, rules)
    life.plan = plan_route(life.lead, life.enrichment, life.classification, rules, life.arrived_at)


def route_trial(life: LeadLife) -> AssignAsk:
    """Route the new plan from scratch (after the release): the ladder restarts."""
    _, routing = pinned(life)
    life.step += 1
    life.home_team, life.ladder_index, life.level = routing.team, 0, 0
    return ask_assignment(life, routing, texts.trial_route_summary(routing))


def trial_assigned(life: LeadLife, assignment: Assignment, now: datetime) -> NotifyAsk:
    _, routing = pinned(life)
    return take(
        life, assignment, "trial_activation", routing.sla_seconds, [texts.TRIAL_ACTIVATED], now
    )


# Resubmissions and the end


def resubmitted(life: LeadLife, submission: Submission, now: datetime) -> bool:
    """Record it; a higher-intent resubmission may tighten the SLA, never reassign.
    Returns whether the deadline moved sooner."""
    rules, _ = pinned(life)
    assert life.enrichment is not None
    tightened = False
    if life.status is LeadStatus.waiting_first_action and life.owner and life.deadline:
        lead = submission.lead.model_copy(update={"lead_id": life.lead.lead_id})
        cls = classify(lead, life.enrichment, rules)
        again = plan_route(lead, life.enrichment, cls, rules, now)
        if again.sla_seconds is not None:
            sooner = business_deadline(now, again.sla_seconds, rules.hours_of_member(life.owner))
            if sooner < life.deadline:
                life.deadline, life.sla_seconds, tightened = sooner, again.sla_seconds, True
    life.resubmissions.append(
        Resubmission(
            submission_id=submission.submission_id,
            at=now,
            lead_type=submission.lead.lead_type.value,
            tightened_sla=tightened,
        )
    )
    return tightened


def actioned(life: LeadLife, started: datetime, now: datetime) -> Outcome:
    """The owner acted (and was released): the lead's outcome."""
    assert life.action is not None
    life.status = LeadStatus.actioned
    return Outcome(
        lead_id=life.lead.lead_id,
        status=life.status,
        owner=life.owner,
        team=life.team,
        action=life.action.action.value,
        reason=life.action.reason,
        time_to_first_action_seconds=(now - started).total_seconds(),
        escalation_level=life.level,
        reassignments=[d for d in life.decisions if d.kind != "initial"],
        decisions=life.decisions,
    )


def lead_state(life: LeadLife) -> LeadState:
    cls = life.classification
    return LeadState(
        lead_id=life.lead.lead_id,
        status=life.status,
        lead_type=life.lead.lead_type.value,
        tier=cls.tier.value if cls and cls.tier else None,
        team=life.team,
        owner=life.owner,
        sla_due_at=life.deadline,
        escalation_level=life.level,
        rule_ids=life.plan.rule_ids if life.plan else [],
        rules_version=life.rules.version if life.rules else None,
        missed_by=life.missed,
        decisions=life.decisions,
        resubmissions=life.resubmissions,
        first_action=life.action.action.value if life.action else None,
        first_action_reason=life.action.reason if life.action else None,
        warnings=life.lead.warnings,
        crm_sync=life.crm_sync,
        score=life.plan.score if life.plan else None,
        score_band=life.plan.score_band if life.plan else None,
        track=life.plan.track if life.plan else None,
        handoff=handoff(life),
    )
