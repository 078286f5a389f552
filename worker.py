"""The lead-router worker: wiring only. Configured by the environment, through
`starter.runtime.settings` (the README's configuration table lists every variable).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.database import Database
from activities.lead_activities import LeadActivities
from activities.rules_file import refuse_invalid_rules
from starter.runtime.channels import notification_channels, ops_channels
from starter.runtime.codec import configured_keys
from starter.runtime.crm import crm_client
from starter.runtime.runner import SANDBOX, skip_idle_payload_passes
from starter.runtime.settings import DEFAULT_MAX_CACHED_WORKFLOWS, Settings
from starter.runtime.temporal import connect
from workflows.lead_routing import LeadRoutingWorkflow
from workflows.qa_sample import QaSampleWorkflow
from workflows.routing_health import RoutingHealthWorkflow
from workflows.schedules import ensure_schedules
from workflows.search_attributes import ensure_registered

WORKFLOWS: Sequence[type] = (LeadRoutingWorkflow, RoutingHealthWorkflow, QaSampleWorkflow)


def build_worker(
    client: Client,
    acts: LeadActivities,
    task_queue: str,
    max_cached_workflows: int = DEFAULT_MAX_CACHED_WORKFLOWS,
    *,
    extra_workflows: Sequence[type] = (),
    extra_activities: Sequence[Any] = (),
) -> Worker:
    """The worker as deployed; the extras let the benchmark run its floor beside it."""
    skip_idle_payload_passes()
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[*WORKFLOWS, *extra_workflows],
        activities=[*acts.all(), *extra_activities],
        workflow_runner=SANDBOX,
        graceful_shutdown_timeout=timedelta(seconds=10),
        max_cached_workflows=max_cached_workflows,
    )


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    refuse_invalid_rules(settings.routing.rules_path)  # before anything else starts
    database = await Database(settings.database.url, configured_keys(settings.codec)).init()
    client = await connect(settings.temporal, database.lead_keys)
    added = await ensure_registered(client)  # idempotent: lists first, adds what is missing
    if added:
        logging.info("registered search attributes %s", ", ".join(added))
    acts = LeadActivities(
        database,
        rules_path=settings.routing.rules_path,
        companies_path=settings.routing.companies_path,
        crm=crm_client(settings.crm),
        channels=notification_channels(settings),
        ops=ops_channels(settings),
        qa_dir=settings.paths.data_dir / "qa-samples",
    )
    acts.rules.check()  # primes the last valid version new leads fall back on
    await ensure_schedules(client, settings.temporal.task_queue)  # idempotent
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    temporal = settings.temporal
    worker = build_worker(client, acts, temporal.task_queue, temporal.max_cached_workflows)
    logging.info("worker polling %s on %s", temporal.task_queue, temporal.address)
    try:
        async with worker:
            await stop.wait()
    finally:
        await database.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(run_worker(Settings()))


if __name__ == "__main__":
    main()
