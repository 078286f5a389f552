"""LeadRoutingWorkflow: one durable workflow per lead, from form to first action.

Orchestration only: every decision comes from `domain/`, every side effect from
an activity. Steps: enrich -> classify and plan -> assign -> notify -> wait for
the first action or the SLA deadline -> on a miss, escalate.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.assignment import AssignmentActivities
    from activities.enrichment import EnrichmentActivities
    from activities.notifications import NotificationActivities
    from activities.rules_file import RulesActivities
    from domain.classify import classify
    from domain.enrich import enrich
    from domain.lifecycle import (
        AssignRequest,
        Decision,
        EscalationStep,
        FirstAction,
        LeadState,
        LeadStatus,
        ManualAssignment,
        Notification,
        Outcome,
        OwnerUnavailable,
        ReassignRequest,
        ReleaseRequest,
        Resubmission,
        Submission,
        escalation_ladder,
        escalation_sla,
    )
    from domain.models import (
        Assignment,
        Classification,
        Enrichment,
        Lead,
        LeadType,
        RoutingPlan,
    )
    from domain.plan import describe_sla, plan
    from domain.rules import RoutingRules
    from domain.sla import business_deadline
    from workflows.search_attributes import lead_attributes

STEP_TIMEOUT = timedelta(seconds=30)
KEEP_TRYING = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)
ENRICH_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500),
    maximum_interval=timedelta(seconds=4),
    maximum_attempts=5,
)
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(seconds=60),
    maximum_attempts=8,
)
NOTIFY_GRACE = timedelta(seconds=30)
EXHAUSTED_LEVEL = 4


@workflow.defn
class LeadRoutingWorkflow:
    @workflow.init
    def __init__(self, submission: Submission) -> None:
        self._submission = submission
        self._lead: Lead = submission.lead
        self._status = LeadStatus.routing
        self._rules: RoutingRules | None = None
        self._enrichment: Enrichment | None = None
        self._cls: Classification | None = None
        self._plan: RoutingPlan | None = None
        self._owner: str | None = None
        self._team: str | None = None
        self._home_team: str | None = None
        self._deadline: datetime | None = None
        self._sla_seconds: int | None = None
        self._step = 0
        self._level = 0
        self._ladder_index = 0
        self._missed: list[str] = []
        self._unavailable: list[str] = []
        self._decisions: list[Decision] = []
        self._resubmissions: list[Resubmission] = []
        self._inbox: list[Submission] = []
        self._seen_submissions = {submission.submission_id}
        self._manual: ReassignRequest | None = None
        self._manual_done = 0
        self._away: OwnerUnavailable | None = None
        self._trial_activated = False
        self._deadline_moved = False
        self._action: FirstAction | None = None
        self._idle = False  # parked in _next_event's wait, nothing in flight
        self._outcome: Outcome | None = None
        self._notes: list[Any] = []

    # The run

    @workflow.run
    async def run(self, submission: Submission) -> Outcome:
        self._publish()
        rules, enrichment = await asyncio.gather(self._load_rules(), self._enrich())
        rules = _shared_rules(rules)
        self._rules, self._enrichment = rules, enrichment
        self._cls = classify(self._lead, enrichment, rules)
        self._plan = plan(self._lead, enrichment, self._cls, rules)
        # the decision, as it was made, where backtests (and people, in the UI's Memo) read it
        workflow.upsert_memo({"routing": self._plan.model_dump(mode="json")})
        self._home_team = self._plan.team
        assignment = await self._assign(self._plan, summary=_route_summary(self._plan))
        await self._take(
            assignment,
            "initial",
            self._plan.sla_seconds,
            self._plan.rule_ids,
            [*enrichment.warnings, *self._plan.reasons],
        )
        while self._action is None:
            await self._next_event()
        return await self._finish()

    async def _next_event(self) -> None:
        if self._manual is not None:
            await self._apply_manual(self._manual)
            return
        if self._away is not None:
            await self._apply_away(self._away)
            return
        if self._trial_activated and self._lead.lead_type is LeadType.trial_signup:
            await self._apply_trial_activation()
            return
        if self._inbox:
            self._apply_resubmission(self._inbox.pop(0))
            return
        self._deadline_moved = False
        if self._deadline is None:
            await self._wait(None)
            return
        remaining = (self._deadline - workflow.now()).total_seconds()
        if remaining > 0:
            try:
                await self._wait(remaining)
                return
            except TimeoutError:
                pass
        await self._escalate()

    async def _wait(self, timeout: float | None) -> None:
        """Wait for the next message or the deadline. Owners' actions and manual
        reassigns are only accepted while the lead is parked here (see `_accepting`)."""
        self._idle = True
        try:
            await workflow.wait_condition(
                self._has_event,
                timeout=timeout,
                timeout_summary=(
                    f"wait for {self._owner}'s first action until "
                    f"{self._deadline:%Y-%m-%d %H:%M} UTC "
                    f"(SLA {describe_sla(self._sla_seconds)}, level {self._level})"
                    if timeout is not None and self._deadline is not None
                    else None
                ),
            )
        finally:
            self._idle = False

    def _has_event(self) -> bool:
        return (
            self._action is not None
            or self._manual is not None
            or self._away is not None
            or (self._trial_activated and self._lead.lead_type is LeadType.trial_signup)
            or bool(self._inbox)
            or self._deadline_moved
        )

    # Steps

    async def _load_rules(self) -> RoutingRules:
        return await workflow.execute_local_activity_method(
            RulesActivities.load_rules,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=KEEP_TRYING,
            summary="load the rules (pinned for this lead's whole life)",
        )

    async def _enrich(self) -> Enrichment:
        try:
            return await workflow.execute_local_activity_method(
                EnrichmentActivities.enrich_lead,
                self._lead,
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=ENRICH_RETRY,
                summary=f"enrich {self._lead.email_domain}: firmographics, spam signals, CRM account",
            )
        except FailureError as exc:  # local activities fail with the cause itself
            # never a stuck lead: route on what the form says, and say so
            fallback = enrich(self._lead, None, None)
            fallback.warnings.append(f"enrichment unavailable ({_cause(exc)}); routed on form data")
            return fallback

    async def _assign(
        self,
        routing: RoutingPlan,
        *,
        summary: str,
        teams: list[str] | None = None,
        exclude: list[str] | None = None,
    ) -> Assignment:
        assert self._rules is not None
        request = AssignRequest(
            lead_id=self._lead.lead_id,
            step=self._step,
            plan=routing,
            exclude=exclude or [],
            teams=teams,
        )
        return await workflow.execute_activity_method(
            AssignmentActivities.assign_owner,
            args=[request, self._rules],
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=KEEP_TRYING,
            summary=summary,
        )

    async def _release(self) -> None:
        if self._owner is None:
            return
        await workflow.execute_activity_method(
            AssignmentActivities.release_assignment,
            ReleaseRequest(lead_id=self._lead.lead_id, step=self._step),
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=KEEP_TRYING,
            summary=f"release {self._owner}'s open-lead count",
        )

    def _notify(
        self, kind: str, recipient: str | None, text: str, summary: str | None = None
    ) -> None:
        """Fire and forget: a slow or failing Slack never holds up routing."""
        handle = workflow.start_activity_method(
            NotificationActivities.notify,
            Notification(
                lead_id=self._lead.lead_id,
                step=self._step,
                kind=kind,
                recipient=recipient,
                text=text,
            ),
            start_to_close_timeout=timedelta(seconds=15),
            retry_policy=NOTIFY_RETRY,
            summary=f"notify {recipient or 'nobody'}: {summary or kind.replace('_', ' ')}",
        )
        handle.add_done_callback(_swallow)
        self._notes = [n for n in self._notes if not n.done()] + [handle]

    async def _take(
        self,
        assignment: Assignment,
        kind: str,
        sla_seconds: int | None,
        rule_ids: list[str],
        extra_reasons: list[str] | None = None,
    ) -> None:
        """Record who holds the lead now, start their SLA clock and tell them."""
        assert self._rules is not None
        now = workflow.now()
        self._owner, self._team = assignment.owner, assignment.team
        self._sla_seconds = sla_seconds
        if assignment.owner is None:
            self._status = LeadStatus.unowned_review
            self._deadline = None
        else:
            self._status = (
                LeadStatus.onboarding if sla_seconds is None else LeadStatus.waiting_first_action
            )
            self._deadline = (
                business_deadline(now, sla_seconds, self._rules.hours_of_member(assignment.owner))
                if sla_seconds is not None
                else None
            )
        reasons = (extra_reasons or []) + assignment.reasons
        self._decisions.append(
            Decision(
                step=self._step,
                kind=kind,
                at=now,
                owner=assignment.owner,
                team=assignment.team,
                method=assignment.method,
                escalation_level=self._level,
                sla_seconds=sla_seconds,
                sla_due_at=self._deadline,
                rules_version=self._rules.version,
                rule_ids=rule_ids,
                reasons=reasons,
            )
        )
        if assignment.owner is None:
            lead = self._rules.team(self._rules.escalation.review_team).lead
            self._notify(
                "unowned_alert",
                lead,
                f"Lead {self._lead.lead_id} has no owner and needs review: {reasons[-1]}",
            )
        else:
            due = (
                f"first action due {self._deadline:%Y-%m-%d %H:%M} UTC"
                if self._deadline
                else "no SLA"
            )
            self._notify(
                "assigned",
                assignment.owner,
                f"New {self._lead.lead_type.value} lead {self._lead.lead_id} for you "
                f"({assignment.team}); {due}",
                f"assigned by {assignment.method.replace('_', ' ')} in {assignment.team}; {due}",
            )
        self._publish()

    async def _escalate(self) -> None:
        assert self._rules is not None and self._plan is not None and self._home_team is not None
        if self._owner:
            self._missed.append(self._owner)
        missed_by = self._owner
        await self._release()
        ladder = escalation_ladder(self._rules, self._home_team)
        while self._ladder_index < len(ladder):
            step: EscalationStep = ladder[self._ladder_index]
            self._ladder_index += 1
            self._level = step.level
            self._step += 1
            routing = self._plan.model_copy(update={"preferred_owner": None})
            assignment = await self._assign(
                routing,
                summary=(
                    f"escalate to level {step.level}: {missed_by or 'nobody'} missed the SLA; "
                    f"round-robin in {', '.join(step.teams)}"
                ),
                teams=step.teams,
                exclude=self._missed + self._unavailable,
            )
            if assignment.owner is None:
                continue
            why = f"Escalation level {step.level}: {missed_by} missed the SLA; {step.reason}"
            await self._take(
                assignment,
                "escalation",
                escalation_sla(self._rules, self._plan, step),
                self._plan.rule_ids,
                [why],
            )
            if step.alert_team_lead:
                lead = self._rules.team(step.teams[0]).lead
                self._notify(
                    "escalation_alert",
                    lead,
                    f"Lead {self._lead.lead_id} escalated to {step.teams[0]}: {why}",
                )
            return
        self._step += 1
        self._level = EXHAUSTED_LEVEL
        why = f"{missed_by} missed the SLA and every escalation step is exhausted"
        await self._take(
            Assignment(
                owner=None,
                team=self._rules.escalation.review_team,
                method="unassigned",
                reasons=[why],
            ),
            "escalation",
            None,
            self._plan.rule_ids,
        )

    async def _apply_manual(self, request: ReassignRequest) -> None:
        assert self._rules is not None and self._plan is not None
        await self._release()
        self._step += 1
        team = self._rules.team_of(request.owner_id)
        assignment = await workflow.execute_activity_method(
            AssignmentActivities.record_manual_assignment,
            ManualAssignment(
                lead_id=self._lead.lead_id,
                step=self._step,
                assignment=Assignment(
                    owner=request.owner_id,
                    team=team,
                    method="manual",
                    reasons=[f"Manual reassign: {request.reason}"],
                ),
            ),
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=KEEP_TRYING,
            summary=f"manual reassign to {request.owner_id} ({team}): {request.reason}",
        )
        self._home_team, self._ladder_index, self._level = team, 0, 0
        sla = self._plan.sla_seconds if self._plan.sla_seconds is not None else None
        await self._take(assignment, "manual", sla, self._plan.rule_ids)
        self._manual = None
        self._manual_done += 1

    async def _apply_away(self, away: OwnerUnavailable) -> None:
        assert self._rules is not None and self._plan is not None and self._team is not None
        self._away = None
        if away.owner_id != self._owner:
            return
        self._unavailable.append(away.owner_id)
        await self._release()
        self._step += 1
        routing = self._plan.model_copy(update={"preferred_owner": None})
        chain = self._rules.fallback_chain(self._team)
        assignment = await self._assign(
            routing,
            summary=(
                f"reassign at once: {away.owner_id} is unavailable; round-robin in {', '.join(chain)}"
            ),
            teams=chain,
            exclude=self._missed + self._unavailable,
        )
        why = f"{away.owner_id} became unavailable ({away.reason}); reassigned at once"
        await self._take(
            assignment, "owner_unavailable", self._sla_seconds, self._plan.rule_ids, [why]
        )

    async def _apply_trial_activation(self) -> None:
        assert self._rules is not None and self._enrichment is not None
        self._trial_activated = False
        self._lead = self._lead.model_copy(update={"lead_type": LeadType.demo_request})
        self._cls = classify(self._lead, self._enrichment, self._rules)
        self._plan = plan(self._lead, self._enrichment, self._cls, self._rules)
        await self._release()
        self._step += 1
        self._home_team, self._ladder_index, self._level = self._plan.team, 0, 0
        assignment = await self._assign(
            self._plan, summary=f"trial activated: {_route_summary(self._plan)}"
        )
        await self._take(
            assignment,
            "trial_activation",
            self._plan.sla_seconds,
            self._plan.rule_ids,
            ["Trial activated: routed again as a demo request"],
        )

    def _apply_resubmission(self, submission: Submission) -> None:
        """Record it; a higher-intent resubmission may tighten the SLA, never reassign."""
        assert self._rules is not None and self._enrichment is not None
        now = workflow.now()
        tightened = False
        if self._status is LeadStatus.waiting_first_action and self._owner and self._deadline:
            lead = submission.lead.model_copy(update={"lead_id": self._lead.lead_id})
            again = plan(
                lead, self._enrichment, classify(lead, self._enrichment, self._rules), self._rules
            )
            if again.sla_seconds is not None:
                hours = self._rules.hours_of_member(self._owner)
                sooner = business_deadline(now, again.sla_seconds, hours)
                if sooner < self._deadline:
                    self._deadline, self._sla_seconds, tightened = sooner, again.sla_seconds, True
                    self._deadline_moved = True
                    self._publish()
        self._resubmissions.append(
            Resubmission(
                submission_id=submission.submission_id,
                at=now,
                lead_type=submission.lead.lead_type.value,
                tightened_sla=tightened,
            )
        )
        workflow.set_current_details(self._details())

    async def _finish(self) -> Outcome:
        assert self._action is not None
        await self._release()
        self._status = LeadStatus.actioned
        started = workflow.info().start_time
        reassignments = [d for d in self._decisions if d.kind != "initial"]
        self._outcome = Outcome(
            lead_id=self._lead.lead_id,
            status=self._status,
            owner=self._owner,
            team=self._team,
            action=self._action.action.value,
            time_to_first_action_seconds=(workflow.now() - started).total_seconds(),
            escalation_level=self._level,
            reassignments=reassignments,
            decisions=self._decisions,
        )
        self._publish()
        await workflow.wait_condition(workflow.all_handlers_finished)
        if any(not note.done() for note in self._notes):
            # let notifications in flight land, but never hold the lead open for Slack
            try:
                await workflow.wait_condition(
                    lambda: all(note.done() for note in self._notes),
                    timeout=NOTIFY_GRACE,
                    timeout_summary="let notifications in flight finish",
                )
            except TimeoutError:
                workflow.logger.warning("notifications still retrying at completion")
        return self._outcome

    # Messages

    @workflow.update
    async def record_first_action(self, action: FirstAction) -> Outcome:
        self._action = action
        await workflow.wait_condition(lambda: self._outcome is not None)
        assert self._outcome is not None
        return self._outcome

    @record_first_action.validator
    def _check_first_action(self, action: FirstAction) -> None:
        if self._action is not None or self._outcome is not None:
            raise ValueError("the lead was already actioned")
        if self._owner is None:
            raise ValueError(f"the lead has no owner yet (status {self._status.value})")
        if action.owner_id != self._owner:
            raise ValueError(f"{action.owner_id} is not the current owner ({self._owner} is)")
        self._accepting()

    def _accepting(self) -> None:
        """Accept an owner's action or a manual reassign only while the lead is parked
        waiting, before its deadline and with nothing else pending.

        Validators run only when a message first arrives, never on replay, so the
        accepted message must give the same commands wherever it lands in the workflow
        task. Accepted mid-step (the SLA timer already fired and the escalation's first
        activity scheduled in the same task), a cold worker replaying the history can
        apply it before the timer instead and diverge (TMPRL1100); it would also credit
        the next owner with the late owner's action. Refused, it leaves no trace in the
        history, and the caller gets a reason to act on."""
        if self._deadline is not None and workflow.now() >= self._deadline:
            raise ValueError(
                f"the SLA deadline passed at {self._deadline:%Y-%m-%d %H:%M:%S} UTC; "
                "the lead is being escalated"
            )
        if not self._idle or self._has_event():
            raise ValueError("the lead is changing hands right now; try again in a moment")

    @workflow.update
    async def reassign(self, request: ReassignRequest) -> LeadState:
        done = self._manual_done
        self._manual = request
        await workflow.wait_condition(lambda: self._manual_done > done)
        return self.status()

    @reassign.validator
    def _check_reassign(self, request: ReassignRequest) -> None:
        if self._action is not None:
            raise ValueError("the lead was already actioned")
        if self._rules is None:
            raise ValueError("the lead is still being routed; try again in a moment")
        if self._manual is not None:
            raise ValueError("another reassignment is in progress")
        member = self._rules.member(request.owner_id)
        if member is None or not member.active:
            raise ValueError(f"{request.owner_id} is not an active member of the roster")
        if request.owner_id == self._owner:
            raise ValueError(f"{request.owner_id} already owns the lead")
        self._accepting()

    @workflow.signal
    def owner_unavailable(self, away: OwnerUnavailable) -> None:
        if away.owner_id == self._owner and self._action is None:
            self._away = away

    @workflow.signal
    def submission(self, submission: Submission) -> None:
        if submission.submission_id not in self._seen_submissions:
            self._seen_submissions.add(submission.submission_id)
            self._inbox.append(submission)

    @workflow.signal
    def trial_activated(self) -> None:
        self._trial_activated = True

    @workflow.query
    def status(self) -> LeadState:
        return LeadState(
            lead_id=self._lead.lead_id,
            status=self._status,
            lead_type=self._lead.lead_type.value,
            tier=self._cls.tier.value if self._cls and self._cls.tier else None,
            team=self._team,
            owner=self._owner,
            sla_due_at=self._deadline,
            escalation_level=self._level,
            rule_ids=self._plan.rule_ids if self._plan else [],
            rules_version=self._rules.version if self._rules else None,
            missed_by=self._missed,
            decisions=self._decisions,
            resubmissions=self._resubmissions,
            first_action=self._action.action.value if self._action else None,
        )

    def _publish(self) -> None:
        """Show the live state: search attributes to find the lead, details to read it."""
        enrichment = self._enrichment
        waiting = self._status is LeadStatus.waiting_first_action
        workflow.upsert_search_attributes(
            lead_attributes(
                status=self._status.value,
                lead_type=self._lead.lead_type.value,
                source=self._lead.source,
                tier=self._cls.tier.value if self._cls and self._cls.tier else None,
                team=self._team,
                owner=self._owner,
                company_domain=enrichment.company_domain if enrichment else None,
                sla_due_at=self._deadline if waiting else None,
                escalation_level=self._level,
            )
        )
        workflow.set_current_details(self._details())

    def _details(self) -> str:
        """The live state, in Markdown, as the Web UI shows it above the history."""
        tier = self._cls.tier.value if self._cls and self._cls.tier else "tier unknown"
        head = f"**{self._status.value}** · {self._lead.lead_type.value} · {tier}"
        if self._action is not None:
            head += f" · {self._action.action.value} by {self._action.owner_id}"
        due = (
            f", due {self._deadline:%Y-%m-%d %H:%M} UTC"
            if self._deadline and self._status is LeadStatus.waiting_first_action
            else ""
        )
        rules = (
            f"rule {', '.join(self._plan.rule_ids)} (rules {self._plan.rules_version})"
            if self._plan
            else "rules not loaded yet"
        )
        return "\n\n".join(
            [
                head,
                f"owner {self._owner or '-'} · team {self._team or '-'} · "
                f"SLA {describe_sla(self._sla_seconds)}{due} · escalation level {self._level}",
                f"{rules} · missed by {', '.join(self._missed) or 'nobody'} · "
                f"{len(self._resubmissions)} resubmission(s)",
            ]
        )


def _route_summary(routing: RoutingPlan) -> str:
    """What the assign step will do, in the words of the rule that decided it."""
    rule = ", ".join(routing.rule_ids)
    sla = describe_sla(routing.sla_seconds)
    if routing.preferred_owner:
        method = (routing.owner_method or "direct owner").replace("_", " ")
        return f"route by rule {rule}: {routing.preferred_owner}, the {method}, in {routing.team}; SLA {sla}"
    return f"route by rule {rule}: round-robin in {routing.team}; SLA {sla}"


_RULES: dict[str, RoutingRules] = {}


def _shared_rules(rules: RoutingRules) -> RoutingRules:
    """One copy per distinct rule set in this worker process, not one per lead (each is
    ~200 KB with its lookup tables); equal rules give an equal object, so replay is
    unaffected. Rules are frozen, so sharing them is safe. The worker's converter already
    hands every lead with the same rules the same copy: then there is nothing to hash."""
    if any(shared is rules for shared in _RULES.values()):
        return rules
    key = hashlib.sha256(rules.model_dump_json().encode()).hexdigest()
    if len(_RULES) > 64:
        _RULES.clear()
    return _RULES.setdefault(key, rules)


def _cause(exc: FailureError) -> str:
    return str(exc.cause or exc) if isinstance(exc, ActivityError) else str(exc)


def _swallow(task: Any) -> None:
    """Read a finished notification's error so a failed Slack post only logs."""
    if not task.cancelled() and task.exception() is not None:
        workflow.logger.warning("notification failed: %s", task.exception())
