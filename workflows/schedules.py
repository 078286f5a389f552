"""The schedules the worker ensures at start: the routing-health check every 5 minutes
and the weekly QA sample. Created once, brought up to date on each start:
several workers starting at once all end with the same one schedule."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from domain.qa_sample import DEFAULT_SIZE
from workflows.qa_sample import QaSampleWorkflow
from workflows.routing_health import RoutingHealthWorkflow

HEALTH_EVERY = timedelta(minutes=5)
QA_SAMPLE_AT = ScheduleCalendarSpec(  # Mondays 08:00 UTC, before the weekly review
    day_of_week=(ScheduleRange(1),), hour=(ScheduleRange(8),), minute=(ScheduleRange(0),)
)


def health_schedule_id(task_queue: str) -> str:
    return f"routing-health-{task_queue}"


def qa_sample_schedule_id(task_queue: str) -> str:
    return f"qa-sample-{task_queue}"


def _schedule(
    run: ScheduleActionStartWorkflow, spec: ScheduleSpec
) -> Schedule:  # a run still going when the next is due: the next is skipped
    return Schedule(
        action=run, spec=spec, policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP)
    )


def _wanted(task_queue: str) -> dict[str, Schedule]:
    health = ScheduleActionStartWorkflow(
        RoutingHealthWorkflow.run,
        id=health_schedule_id(task_queue),
        task_queue=task_queue,
        execution_timeout=timedelta(minutes=4),
    )
    qa = ScheduleActionStartWorkflow(
        QaSampleWorkflow.run,
        DEFAULT_SIZE,
        id=qa_sample_schedule_id(task_queue),
        task_queue=task_queue,
        execution_timeout=timedelta(hours=6),
    )
    return {
        health_schedule_id(task_queue): _schedule(
            health, ScheduleSpec(intervals=[ScheduleIntervalSpec(every=HEALTH_EVERY)])
        ),
        qa_sample_schedule_id(task_queue): _schedule(qa, ScheduleSpec(calendars=[QA_SAMPLE_AT])),
    }


async def ensure_schedules(client: Client, task_queue: str) -> list[str]:
    """Create each schedule, or update it to what this code says; returns their ids."""
    wanted = _wanted(task_queue)
    for schedule_id, schedule in wanted.items():
        try:
            await client.create_schedule(schedule_id, schedule)
        except ScheduleAlreadyRunningError:

            def update(_: ScheduleUpdateInput, new: Schedule = schedule) -> ScheduleUpdate:
                return ScheduleUpdate(schedule=new)

            await client.get_schedule_handle(schedule_id).update(update)
    return list(wanted)
