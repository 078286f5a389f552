"""A submission, its workflow and its activities share one OpenTelemetry trace."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor

from domain.intake import parse_submission
from domain.lifecycle import FirstAction
from tests.workflows.conftest import LabFactory
from worker import build_worker
from workflows.client import start_lead
from workflows.lead_routing import LeadRoutingWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_one_trace_from_submission_to_activities(lab: LabFactory) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    lab_ = await lab(start_worker=False)
    config = lab_.client.config()
    config["interceptors"] = [*config["interceptors"], TracingInterceptor(provider.get_tracer("t"))]
    client = Client(**config)
    async with build_worker(client, lab_.acts, lab_.task_queue):
        lead = parse_submission({"email": f"cio+{lab_.task_queue}@acme-robotics.com"})
        handle = await start_lead(client, lead, lab_.task_queue)
        state = await lab_.until(handle, lambda s: s.owner is not None)
        await handle.execute_update(
            LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=state.owner or "")
        )
        await handle.result()
    spans = exporter.get_finished_spans()
    by_trace: dict[int, set[str]] = {}
    for span in spans:
        assert span.context is not None
        by_trace.setdefault(span.context.trace_id, set()).add(span.name)
    submission = next(
        n for n in by_trace.values() if "SignalWithStartWorkflow:LeadRoutingWorkflow" in n
    )
    for name in (
        "RunWorkflow:LeadRoutingWorkflow",
        "RunActivity:load_rules",
        "RunActivity:enrich_lead",
        "RunActivity:assign_owner",
        "RunActivity:notify",
    ):
        assert name in submission, (name, by_trace)
    # the owner's action is its own request, traced on its own
    assert any("StartWorkflowUpdate:record_first_action" in n for n in by_trace.values())
