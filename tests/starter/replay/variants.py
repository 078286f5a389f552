"""Changed versions of LeadRoutingWorkflow, as a developer might write them, for the
replay tests. They keep the workflow type name, as a deployed change would.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.enrichment import EnrichmentActivities
    from domain.lifecycle import Outcome, Submission
    from domain.models import Enrichment
    from workflows.lead_routing import ENRICH_RETRY, STEP_TIMEOUT, LeadRoutingWorkflow


@workflow.defn(name="LeadRoutingWorkflow")
class UnguardedPause(LeadRoutingWorkflow):
    """Waits a second before enriching: a new timer in the middle of the command sequence."""

    @workflow.run
    async def run(self, submission: Submission) -> Outcome:
        return await super().run(submission)

    async def _enrich(self) -> Enrichment:
        await workflow.sleep(timedelta(seconds=1), summary="let the CRM sync settle")
        return await super()._enrich()


@workflow.defn(name="LeadRoutingWorkflow")
class PatchedPause(LeadRoutingWorkflow):
    """The same change behind `workflow.patched`: old histories replay without it."""

    @workflow.run
    async def run(self, submission: Submission) -> Outcome:
        return await super().run(submission)

    async def _enrich(self) -> Enrichment:
        if workflow.patched("pause-before-enrich"):
            await workflow.sleep(timedelta(seconds=1), summary="let the CRM sync settle")
        return await super()._enrich()


@workflow.defn(name="LeadRoutingWorkflow")
class Reworded(LeadRoutingWorkflow):
    """Other summary and details text: not part of the command sequence."""

    @workflow.run
    async def run(self, submission: Submission) -> Outcome:
        return await super().run(submission)

    async def _enrich(self) -> Enrichment:
        return await workflow.execute_local_activity_method(
            EnrichmentActivities.enrich_lead,
            self._life.lead,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=ENRICH_RETRY,
            summary="look the company up",
        )

    def _details(self) -> str:
        return "reworded"
