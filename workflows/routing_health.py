"""The routing-health workflow the schedule starts every few minutes: one activity that
counts, judges and alerts (`activities/health.py`), as of the workflow's own time."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.health import HealthActivities
    from domain.health import HealthChange


@workflow.defn
class RoutingHealthWorkflow:
    @workflow.run
    async def run(self) -> HealthChange:
        return await workflow.execute_activity_method(
            HealthActivities.check_routing_health,
            workflow.now(),
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=RetryPolicy(maximum_attempts=5, maximum_interval=timedelta(seconds=30)),
            summary="count dead letters, fallbacks, unowned, CRM failures, waiting leads",
        )
