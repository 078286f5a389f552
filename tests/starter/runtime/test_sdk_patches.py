"""starter/runtime/runner.py replaces or wraps private parts of the Temporal SDK, measured
on one minor version, which pyproject.toml pins. An upgrade that removes or changes
any of them must fail here, by name, before it silently changes what the worker does."""

from __future__ import annotations

import inspect
import re
from importlib.metadata import version
from pathlib import Path

import temporalio.bridge.worker
import temporalio.converter._extstore
import temporalio.worker._command_aware_visitor
from temporalio.worker import WorkflowInstance
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from starter.runtime.runner import _OneContextInstance

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"
ADVICE = (
    "starter/runtime/runner.py patches it: re-measure the patch on this SDK "
    "(bench/README.md), update or drop it, then move the pin in pyproject.toml"
)


def test_the_installed_sdk_is_the_pinned_minor_version() -> None:
    pin = re.search(r'"temporalio>=(\d+)\.(\d+)[^,]*,<(\d+)\.(\d+)"', PYPROJECT.read_text())
    assert pin, "pyproject.toml must pin temporalio to one minor version (>=X.Y,<X.Y+1)"
    low, high = (int(pin[1]), int(pin[2])), (int(pin[3]), int(pin[4]))
    assert high == (low[0], low[1] + 1), "the pin must span one minor version"
    installed = tuple(int(p) for p in version("temporalio").split(".")[:2])
    assert installed == low, f"temporalio {version('temporalio')} is installed; {ADVICE}"


def _parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


def test_the_payload_passes_we_skip_are_where_we_skip_them() -> None:
    bridge = temporalio.bridge.worker
    expected = {
        "encode_completion": ["completion", "data_converter", "encode_headers"],
        "decode_activation": ["activation", "data_converter", "decode_headers"],
    }
    for name, leading in expected.items():
        found = getattr(bridge, name, None)
        assert found is not None, f"temporalio.bridge.worker.{name} is gone; {ADVICE}"
        function = inspect.unwrap(found)  # the SDK's own, under our wrapper if installed
        assert inspect.iscoroutinefunction(function), f"{name} is no longer async; {ADVICE}"
        assert _parameters(function)[:3] == leading, f"{name}'s parameters changed; {ADVICE}"
    metrics = temporalio.converter._extstore.StorageOperationMetrics()
    assert metrics.payload_count == 0, f"StorageOperationMetrics changed; {ADVICE}"


def test_the_workflow_instance_we_wrap_has_the_methods_we_answer() -> None:
    abstract = set(WorkflowInstance.__abstractmethods__)
    assert abstract <= set(vars(_OneContextInstance)), (
        f"WorkflowInstance now needs {sorted(abstract - set(vars(_OneContextInstance)))}; " + ADVICE
    )
    for name in ("get_serialization_context", "get_external_store_context"):
        assert _parameters(getattr(WorkflowInstance, name)) == ["self", "command_info"], (
            f"WorkflowInstance.{name} changed; {ADVICE}"
        )
    assert hasattr(temporalio.worker._command_aware_visitor, "CommandInfo"), ADVICE
    assert _parameters(SandboxedWorkflowRunner.create_instance) == ["self", "det"], ADVICE
