"""The weekly QA sample the schedule starts: the past week's submissions, N drawn with a
seed from the workflow's own random (recorded, so a replay draws the same)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.qa_sample import QaSampleActivities
    from domain.qa_sample import DEFAULT_SIZE, QaSample, QaSampleRequest

WEEK = timedelta(days=7)


@workflow.defn
class QaSampleWorkflow:
    @workflow.run
    async def run(self, size: int = DEFAULT_SIZE) -> QaSample:
        until = workflow.now()
        seed = workflow.random().randint(0, 2**31 - 1)
        request = QaSampleRequest(since=until - WEEK, until=until, size=size, seed=seed)
        return await workflow.execute_activity_method(
            QaSampleActivities.draw_qa_sample,
            request,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(maximum_attempts=10, maximum_interval=timedelta(minutes=5)),
            summary=f"draw {size} submissions of the past week for the QA review",
        )
