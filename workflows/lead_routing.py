"""LeadRoutingWorkflow: one durable workflow per lead, from form to first action.

Orchestration only: which activity or timer, with which timeout, in which order.
Every decision comes from `domain/` (`lead_life`, `ownership`, `acceptance`), every
word people read from `domain.texts`, every side effect from an activity. Steps:
enrich -> classify and plan -> assign -> notify -> wait for the first action or the
SLA deadline -> on a miss, escalate.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from activities.assignment import AssignmentActivities
    from activities.enrichment import EnrichmentActivities
    from activities.notifications import NotificationActivities
    from activities.rules_file import RulesActivities
    from domain import lead_life, texts
    from domain.acceptance import first_action_refusal, misroute_refusal, reassign_refusal
    from domain.crm import CrmSync
    from domain.crm_life import crm_synced
    from domain.enrich import enrich
    from domain.holidays import build_calendars
    from domain.lifecycle import (
        FirstAction,
        LeadLife,
        LeadState,
        Misroute,
        Outcome,
        OwnerUnavailable,
        ReassignRequest,
        Submission,
    )
    from domain.models import Assignment, Enrichment
    from domain.ownership import AssignAsk, ManualAsk, NotifyAsk, release
    from domain.rules import RoutingRules
    from workflows.crm_sync import CrmWrites
    from workflows.handling import cause_of, refuse, swallow
    from workflows.search_attributes import attributes_of

STEP_TIMEOUT = timedelta(seconds=30)
KEEP_TRYING = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)
ENRICH_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500),
    maximum_interval=timedelta(seconds=4),
    maximum_attempts=5,
)
NOTIFY_TIMEOUT = timedelta(seconds=15)
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(seconds=60),
    maximum_attempts=8,
)
NOTIFY_GRACE = timedelta(seconds=30)
SUPPRESS_PATCH = "suppress-outcome"  # deprecated: a suppressed lead makes no assignment
FEEDBACK_PATCH = "rep-feedback"  # a rep's `misrouted` routes the lead again


@workflow.defn
class LeadRoutingWorkflow:
    @workflow.init
    def __init__(self, submission: Submission) -> None:
        self._life = LeadLife(
            lead=submission.lead,
            submitted_at=submission.received_at or workflow.info().start_time,
            crm=submission.crm,
        )
        self._crm = CrmWrites()
        self._inbox: list[Submission] = []
        self._seen_submissions = {submission.submission_id}
        self._manual: ReassignRequest | None = None
        self._manual_done = 0
        self._away: OwnerUnavailable | Misroute | None = None  # either takes it from the owner
        self._handovers = 0
        self._trial_activated = False
        self._deadline_moved = False
        self._idle = False  # parked in _wait, nothing in flight
        self._outcome: Outcome | None = None
        self._notes: list[Any] = []

    # The run

    @workflow.run
    async def run(self, submission: Submission) -> Outcome:
        self._publish()
        lead = submission.lead
        self._life.arrived_at = lead.submitted_at or submission.received_at or workflow.now()
        rules, enrichment = await asyncio.gather(self._load_rules(), self._enrich())
        first = lead_life.route(self._life, rules, enrichment)
        assert self._life.plan is not None
        # the decision, as it was made, where backtests (and people, in the UI's Memo) read it
        workflow.upsert_memo({"routing": self._life.plan.model_dump(mode="json")})
        if self._life.plan.suppressed:  # no history from before `suppress` can be here:
            workflow.deprecate_patch(SUPPRESS_PATCH)  # its marker replays, present or not
            # no owner, no SLA: the lead is recorded on its nurture track and ends here
            self._outcome = lead_life.suppress(self._life, workflow.now())
            self._publish()
            return self._outcome
        assignment = await self._assign(first)
        self._handed_over(lead_life.first_assigned(self._life, assignment, workflow.now()))
        while self._life.action is None:
            await self._next_event()
        return await self._finish()

    async def _next_event(self) -> None:
        if self._manual is not None:
            await self._apply_manual(self._manual)
            return
        if self._away is not None:
            await self._apply_away(self._away)
            return
        if self._trial_pending():
            await self._apply_trial_activation()
            return
        if self._inbox:
            self._apply_resubmission(self._inbox.pop(0))
            return
        self._deadline_moved = False
        remaining = lead_life.seconds_left(self._life, workflow.now())
        if remaining is None:
            await self._wait(None)
            return
        if remaining > 0:
            try:
                await self._wait(remaining)
                return
            except TimeoutError:
                pass
        await self._escalate()

    async def _wait(self, timeout: float | None) -> None:
        """Wait for the next message or the deadline. Owners' actions and manual
        reassigns are only accepted while the lead is parked here (`domain.acceptance`)."""
        life = self._life
        self._idle = True
        try:
            await workflow.wait_condition(
                self._has_event,
                timeout=timeout,
                timeout_summary=(
                    texts.wait_summary(life.owner, life.deadline, life.sla_seconds, life.level)
                    if timeout is not None and life.deadline is not None
                    else None
                ),
            )
        finally:
            self._idle = False

    def _has_event(self) -> bool:
        return (
            self._life.action is not None
            or self._manual is not None
            or self._away is not None
            or self._trial_pending()
            or bool(self._inbox)
            or self._deadline_moved
        )

    def _trial_pending(self) -> bool:
        return self._trial_activated and lead_life.is_trial_signup(self._life)

    # Events

    async def _escalate(self) -> None:
        missed_by = lead_life.miss_deadline(self._life)
        await self._release()
        while (attempt := lead_life.next_escalation(self._life, missed_by)) is not None:
            assignment = await self._assign(attempt.ask)
            if assignment.owner is None:
                continue
            assigned, alert = lead_life.escalated(
                self._life, attempt, assignment, missed_by, workflow.now()
            )
            self._handed_over(assigned)
            if alert is not None:
                self._notify(alert)
            return
        self._handed_over(lead_life.exhausted(self._life, missed_by, workflow.now()))

    async def _apply_manual(self, request: ReassignRequest) -> None:
        await self._release()
        ask = lead_life.reassign_manually(self._life, request)
        assignment = await self._record_manual(ask)
        self._handed_over(lead_life.manually_assigned(self._life, ask, assignment, workflow.now()))
        self._manual = None
        self._manual_done += 1

    async def _apply_away(self, away: OwnerUnavailable | Misroute) -> None:
        self._away = None
        new_path = not isinstance(away, Misroute) or workflow.patched(FEEDBACK_PATCH)
        if not new_path or not lead_life.owner_away(self._life, away):
            return
        await self._release()
        assignment = await self._assign(lead_life.reassign_away(self._life, away))
        self._handed_over(lead_life.away_assigned(self._life, away, assignment, workflow.now()))

    async def _apply_trial_activation(self) -> None:
        self._trial_activated = False
        lead_life.activate_trial(self._life)
        await self._release()
        assignment = await self._assign(lead_life.route_trial(self._life))
        self._handed_over(lead_life.trial_assigned(self._life, assignment, workflow.now()))

    def _apply_resubmission(self, submission: Submission) -> None:
        if lead_life.resubmitted(self._life, submission, workflow.now()):
            self._deadline_moved = True  # wake _wait: the timer must restart sooner
            self._publish()
        else:
            workflow.set_current_details(self._details())

    async def _finish(self) -> Outcome:
        await self._release()
        self._outcome = lead_life.actioned(self._life, workflow.info().start_time, workflow.now())
        self._publish()
        await workflow.wait_condition(workflow.all_handlers_finished)
        await workflow.wait_condition(self._crm.idle)  # the CRM must hear of every owner
        if any(not note.done() for note in self._notes):
            # let notifications in flight land, but never hold the lead open for Slack
            try:
                await workflow.wait_condition(
                    lambda: all(note.done() for note in self._notes),
                    timeout=NOTIFY_GRACE,
                    timeout_summary=texts.LET_NOTIFICATIONS_FINISH,
                )
            except TimeoutError:
                workflow.logger.warning("notifications still retrying at completion")
        return self._outcome

    def _handed_over(self, notice: NotifyAsk) -> None:
        """Tell whoever the new owner (or the review) concerns, then show the new state."""
        self._handovers += 1
        self._notify(notice)
        if self._life.crm is not None and workflow.patched("crm-sync"):
            self._crm.write(self._life, self._crm_synced)
        self._publish()

    def _crm_synced(self, sync: CrmSync) -> None:
        if (alert := crm_synced(self._life, sync)) is not None:
            self._notify(alert)
        workflow.set_current_details(self._details())

    # Activities: the only place that names them

    async def _load_rules(self) -> RoutingRules:
        rules = await workflow.execute_local_activity_method(
            RulesActivities.load_rules,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=KEEP_TRYING,
            summary=texts.LOAD_RULES,
        )
        # the holidays library reads its translations when it builds a calendar: done
        # here, unrestricted, so no deadline builds one inside the sandbox (no command)
        with workflow.unsafe.sandbox_unrestricted():
            build_calendars(rules.holiday_calendars())
        return rules

    async def _enrich(self) -> Enrichment:
        lead = self._life.lead
        try:
            return await workflow.execute_local_activity_method(
                EnrichmentActivities.enrich_lead,
                lead,
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=ENRICH_RETRY,
                summary=texts.enrich_summary(lead),
            )
        except FailureError as exc:  # local activities fail with the cause itself
            # never a stuck lead: route on what the form says, and say so
            fallback = enrich(lead, None, None)
            fallback.warnings.append(texts.enrichment_unavailable(cause_of(exc)))
            return fallback

    async def _assign(self, ask: AssignAsk) -> Assignment:
        # the pinned rules travel as an argument of their own: the converter decodes
        # them once per distinct rule set (starter.runtime.codec)
        return await workflow.execute_activity_method(
            AssignmentActivities.assign_owner,
            args=[ask.request, self._life.rules],
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=KEEP_TRYING,
            summary=ask.summary,
        )

    async def _record_manual(self, ask: ManualAsk) -> Assignment:
        return await workflow.execute_activity_method(
            AssignmentActivities.record_manual_assignment,
            ask.request,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=KEEP_TRYING,
            summary=ask.summary,
        )

    async def _release(self) -> None:
        ask = release(self._life, workflow.now())
        if ask is None:
            return
        await workflow.execute_activity_method(
            AssignmentActivities.release_assignment,
            ask.request,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=KEEP_TRYING,
            summary=ask.summary,
        )

    def _notify(self, ask: NotifyAsk) -> None:
        """Fire and forget: a slow or failing Slack never holds up routing."""
        handle = workflow.start_activity_method(
            NotificationActivities.notify,
            ask.notification,
            start_to_close_timeout=NOTIFY_TIMEOUT,
            retry_policy=NOTIFY_RETRY,
            summary=ask.summary,
        )
        handle.add_done_callback(swallow)
        self._notes = [n for n in self._notes if not n.done()] + [handle]

    # Messages

    @workflow.update
    async def record_first_action(self, action: FirstAction) -> Outcome:
        self._life.action = action
        await workflow.wait_condition(lambda: self._outcome is not None)
        assert self._outcome is not None
        return self._outcome

    @record_first_action.validator
    def _check_first_action(self, action: FirstAction) -> None:
        refuse(first_action_refusal(self._life, action, workflow.now(), parked=self._parked()))

    @workflow.update
    async def reassign(self, request: ReassignRequest) -> LeadState:
        done = self._manual_done
        self._manual = request
        await workflow.wait_condition(lambda: self._manual_done > done)
        return self.status()

    @reassign.validator
    def _check_reassign(self, request: ReassignRequest) -> None:
        busy, now, parked = self._manual is not None, workflow.now(), self._parked()
        refuse(reassign_refusal(self._life, request, now, parked=parked, reassigning=busy))

    @workflow.update
    async def report_misrouted(self, misroute: Misroute) -> LeadState:
        done = self._handovers
        self._away = misroute
        await workflow.wait_condition(lambda: self._handovers > done)
        return self.status()

    @report_misrouted.validator
    def _check_misroute(self, misroute: Misroute) -> None:
        busy, parked = self._manual is not None or self._away is not None, self._parked()
        refuse(misroute_refusal(self._life, misroute, workflow.now(), parked=parked, pending=busy))

    def _parked(self) -> bool:
        """Waiting in _wait with nothing else pending: validators run only when a message
        first arrives, never on replay, so only then is accepting one safe."""
        return self._idle and not self._has_event()

    @workflow.signal
    def owner_unavailable(self, away: OwnerUnavailable) -> None:
        if away.owner_id == self._life.owner and self._life.action is None:
            # a misroute accepted, not yet applied, takes the lead from them already
            self._away = self._away if isinstance(self._away, Misroute) else away

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
        return lead_life.lead_state(self._life)

    @workflow.update
    async def routed(self) -> LeadState:
        """The lead once routing decided: the form's instant answer waits on it."""
        await workflow.wait_condition(lambda: bool(self._life.decisions))
        return self.status()

    def _publish(self) -> None:
        """Show the live state: search attributes to find the lead, details to read it."""
        workflow.upsert_search_attributes(attributes_of(self._life))
        workflow.set_current_details(self._details())

    def _details(self) -> str:
        return texts.details(self._life)
