"""The worker's sandbox answers "no serialization context" (worker.LeadSandbox): safe
only while our data converter ignores the context. These tests fail if it starts to."""

from __future__ import annotations

import os

from temporalio.converter import (
    ActivitySerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)

from domain.intake import parse_submission
from starter.codec import data_converter

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
