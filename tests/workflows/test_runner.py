"""The worker's sandbox answers the workflow's serialization context for every payload,
an activity's too (starter.runtime.runner.LeadSandbox): safe while our converters read
nothing of the context but the workflow id. The codec-keys converter ignores it (these
tests), the lead codec keys on the workflow id (tests/starter/api/test_erasure.py: an
activity's input is sealed with the lead's key). And without a codec the SDK's payload
passes are skipped, with one the passes still run."""

from __future__ import annotations

import os
from typing import Any

import pytest
import temporalio.bridge.worker
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.converter import (
    ActivitySerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)
from temporalio.worker._command_aware_visitor import CommandAwarePayloadVisitor

from domain.intake import parse_submission
from starter.runtime.codec import data_converter
from starter.runtime.runner import skip_idle_payload_passes
from tests.workflows.conftest import LabFactory

CONTEXTS = [
    ActivitySerializationContext(
        namespace="default",
        workflow_id="lead-1",
        workflow_type="LeadRoutingWorkflow",
        activity_type="assign_owner",
        activity_id="3",
        activity_task_queue="lead-router",
        is_local=False,
    ),
    WorkflowSerializationContext(namespace="default", workflow_id="lead-1"),
]


def test_payloads_are_the_same_with_or_without_a_context() -> None:
    converter = data_converter({})
    lead = parse_submission({"email": "cio@acme-robotics.com", "company": "Acme Robotics"})
    plain = converter.payload_converter.to_payloads([lead])
    for context in CONTEXTS:
        with_context = converter.with_context(context)
        assert with_context.payload_converter.to_payloads([lead]) == plain
        assert with_context.failure_converter is converter.failure_converter


def test_the_codec_ignores_the_context() -> None:
    converter = data_converter({"k1": os.urandom(32)})
    assert converter.payload_codec is not None
    assert not isinstance(converter.payload_codec, WithSerializationContext)
    for context in CONTEXTS:
        assert converter.with_context(context).payload_codec is converter.payload_codec


def _completion(data: bytes) -> WorkflowActivationCompletion:
    completion = WorkflowActivationCompletion(run_id="r1")
    command = completion.successful.commands.add()
    command.complete_workflow_execution.result.metadata["encoding"] = b"json/plain"
    command.complete_workflow_execution.result.data = data
    return completion


@pytest.fixture
def visits(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every payload walk the SDK starts, from now to the end of the test."""
    walked: list[object] = []
    visit = CommandAwarePayloadVisitor.visit

    async def counted(self: CommandAwarePayloadVisitor, fs: Any, root: Any) -> None:
        walked.append(root)
        await visit(self, fs, root)

    monkeypatch.setattr(CommandAwarePayloadVisitor, "visit", counted)
    return walked


async def test_idle_payload_passes_are_skipped_and_codec_passes_still_run(
    visits: list[object],
) -> None:
    skip_idle_payload_passes()
    skip_idle_payload_passes()  # idempotent: one wrapper, not two
    encode = temporalio.bridge.worker.encode_completion
    plain = _completion(b'{"owner": "ana"}')
    await encode(plain, data_converter({}), encode_headers=False, storage_concurrency_limit=1)
    assert visits == []
    assert plain == _completion(b'{"owner": "ana"}')

    sealed = _completion(b'{"owner": "ana"}')
    codec = data_converter({"k1": os.urandom(32)})
    await encode(sealed, codec, encode_headers=False, storage_concurrency_limit=1)
    assert len(visits) == 3
    result = sealed.successful.commands[0].complete_workflow_execution.result
    assert b"ana" not in result.data
    assert result.metadata["encoding"] != b"json/plain"


@pytest.mark.asyncio(loop_scope="session")
async def test_a_worker_routes_a_lead_without_walking_its_payloads(
    lab: LabFactory, visits: list[object]
) -> None:
    """Fails if the SDK stops going through the functions we wrap (the skip would be
    silently lost) or if a plain worker (no lead keys, no codec keys) walks payloads again."""
    lab_ = await lab(sealed=False)
    state = await lab_.routed(
        await lab_.submit({"email": "cio@acme-robotics.com", "company": "Acme Robotics"})
    )
    assert state.owner is not None
    assert visits == []
