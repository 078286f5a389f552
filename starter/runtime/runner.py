"""How workflow code runs in our worker and replayer: the SDK's sandbox and payload
passes, minus costs our data converter never needed. Both trims keep the bytes that
reach the server the same (tests/workflows/test_runner.py)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import temporalio.bridge.worker
from temporalio import workflow
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.converter import (
    DataConverter,
    StorageDriverStoreContext,
    WorkflowSerializationContext,
)
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

if TYPE_CHECKING:
    from temporalio.worker._command_aware_visitor import CommandInfo


class _OneContextInstance(WorkflowInstance):
    """A sandboxed lead, minus a cost our data converter never needed.

    For every payload of every activation and completion (three passes each way) the
    SDK asks the workflow, inside the sandbox, for a serialization context and a storage
    context; each ask compiles and runs code in the sandbox, and an activity's context
    builds a new data converter. Our converter reads one thing of the context, the
    workflow id (a lead's payloads are sealed with the lead's own key,
    starter/runtime/lead_codec.py), and the id is the same for every payload of the
    workflow and its activities: we answer the workflow's context, built once, outside
    the sandbox (tests/workflows/test_runner.py). Storage contexts are pure functions of
    the workflow's state, which only changes in `activate`: kept between activations,
    cleared in it."""

    def __init__(self, inner: WorkflowInstance) -> None:
        self._inner = inner
        self._stores: dict[CommandInfo | None, StorageDriverStoreContext] = {}
        self._context: WorkflowSerializationContext | None = None

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        self._stores.clear()
        try:
            return self._inner.activate(act)
        finally:
            self._stores.clear()

    def get_serialization_context(
        self, command_info: CommandInfo | None
    ) -> WorkflowSerializationContext:
        if self._context is None:
            info = self._inner.get_info()
            self._context = WorkflowSerializationContext(
                namespace=info.namespace, workflow_id=info.workflow_id
            )
        return self._context

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
    one serialization context per workflow (see `_OneContextInstance`)."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _OneContextInstance(super().create_instance(det))


# The sandbox still guards determinism (no I/O, clock or randomness from workflow code),
# but re-importing every module per lead cost ~20 ms of CPU each: share the modules
# already imported (ours are deterministic and side-effect free). Replay uses the same.
SANDBOX = LeadSandbox(restrictions=SandboxRestrictions.default.with_passthrough_all_modules())


def _has_payload_work(converter: DataConverter) -> bool:
    return converter.payload_codec is not None or converter.external_storage is not None


def skip_idle_payload_passes() -> None:
    """Skip the SDK's payload passes over an activation or completion when there is
    nothing for them to do.

    SDK 1.35 walks every payload of every workflow activation three times and of every
    completion three times (codec, external storage, storage references), whether or
    not a codec or external storage is configured; without either, every pass hands
    each payload back unchanged, and they were a fifth of replay's time. With a codec
    (`LEAD_ROUTER_CODEC_KEYS`) the passes run as before. Idempotent."""
    bridge = temporalio.bridge.worker
    if getattr(bridge.encode_completion, "skips_idle_passes", False):
        return
    encode, decode = bridge.encode_completion, bridge.decode_activation

    @functools.wraps(encode)
    async def encode_completion(completion: Any, data_converter: DataConverter, **kw: Any) -> Any:
        if _has_payload_work(data_converter):
            return await encode(completion, data_converter, **kw)
        return temporalio.converter._extstore.StorageOperationMetrics()

    @functools.wraps(decode)
    async def decode_activation(activation: Any, data_converter: DataConverter, **kw: Any) -> Any:
        if _has_payload_work(data_converter):
            return await decode(activation, data_converter, **kw)
        return temporalio.converter._extstore.StorageOperationMetrics()

    encode_completion.skips_idle_passes = True  # type: ignore[attr-defined]
    bridge.encode_completion = encode_completion  # type: ignore[assignment]
    bridge.decode_activation = decode_activation  # type: ignore[assignment]
