"""The lead-router worker: wiring only. Configured by the environment:

TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, LEAD_ROUTER_TASK_QUEUE, LEAD_ROUTER_DATABASE_URL,
LEAD_ROUTER_RULES, LEAD_ROUTER_COMPANIES, LEAD_ROUTER_SLACK_WEBHOOK_URL,
LEAD_ROUTER_MAX_CACHED_WORKFLOWS.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.client import Client
from temporalio.converter import StorageDriverStoreContext
from temporalio.worker import Worker, WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.lead_activities import LeadActivities
from activities.store import Store
from starter.config import DEFAULT_MAX_CACHED_WORKFLOWS, Settings
from starter.temporal import connect
from workflows.lead_routing import LeadRoutingWorkflow
from workflows.search_attributes import ensure_registered

if TYPE_CHECKING:
    from temporalio.worker._command_aware_visitor import CommandInfo

WORKFLOWS: Sequence[type] = (LeadRoutingWorkflow,)


def activity_list(acts: LeadActivities) -> list[Any]:
    return [
        acts.load_rules,
        acts.enrich_lead,
        acts.assign_owner,
        acts.record_manual_assignment,
        acts.release_assignment,
        acts.notify,
    ]


class _ContextFreeInstance(WorkflowInstance):
    """A sandboxed lead, minus a cost our data converter never needed.

    For every payload of every activation and completion (three passes each way) the
    SDK asks the workflow, inside the sandbox, for a serialization context and a storage
    context; each ask compiles and runs code in the sandbox, and an activity's context
    builds a new data converter. Our converter (pydantic JSON, optionally AES-GCM) does
    not read the context, so we answer "no context": the same bytes, checked in
    tests/workflows/test_runner.py. Storage contexts are pure functions of the workflow's
    state, which only changes in `activate`: kept between activations, cleared in it."""

    def __init__(self, inner: WorkflowInstance) -> None:
        self._inner = inner
        self._stores: dict[CommandInfo | None, StorageDriverStoreContext] = {}

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        self._stores.clear()
        try:
            return self._inner.activate(act)
        finally:
            self._stores.clear()

    def get_serialization_context(self, command_info: CommandInfo | None) -> None:
        return None

    def get_external_store_context(
        self, command_info: CommandInfo | None
    ) -> StorageDriverStoreContext:
        found = self._stores.get(command_info)
        if found is None:
            found = self._stores[command_info] = self._inner.get_external_store_context(
                command_info
            )
        return found

    def get_info(self) -> workflow.Info:
        return self._inner.get_info()

    def get_thread_id(self) -> int | None:
        return self._inner.get_thread_id()


class LeadSandbox(SandboxedWorkflowRunner):
    """The SDK's sandbox, with every already-imported module passed through and
    context-free payload conversion (see `_ContextFreeInstance`)."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _ContextFreeInstance(super().create_instance(det))


# The sandbox still guards determinism (no I/O, clock or randomness from workflow code),
# but re-importing every module per lead cost ~20 ms of CPU each: share the modules
# already imported (ours are deterministic and side-effect free). Replay uses the same.
SANDBOX = LeadSandbox(restrictions=SandboxRestrictions.default.with_passthrough_all_modules())


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
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[*WORKFLOWS, *extra_workflows],
        activities=[*activity_list(acts), *extra_activities],
        workflow_runner=SANDBOX,
        graceful_shutdown_timeout=timedelta(seconds=10),
        max_cached_workflows=max_cached_workflows,
    )


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    client = await connect(settings.temporal_address, settings.temporal_namespace)
    added = await ensure_registered(client)  # idempotent: lists first, adds what is missing
    if added:
        logging.info("registered search attributes %s", ", ".join(added))
    store = await Store(settings.database_url).init()
    acts = LeadActivities(
        store,
        rules_path=settings.rules_path,
        companies_path=settings.companies_path,
        slack_webhook_url=settings.slack_webhook_url,
    )
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    worker = build_worker(client, acts, settings.task_queue, settings.max_cached_workflows)
    logging.info("worker polling %s on %s", settings.task_queue, settings.temporal_address)
    try:
        async with worker:
            await stop.wait()
    finally:
        await store.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(run_worker(Settings()))


if __name__ == "__main__":
    main()
