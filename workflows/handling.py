"""What the lead's workflow does with a refusal and a failure: small helpers kept out of
`lead_routing.py` so it stays orchestration only."""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, FailureError


def refuse(reason: str | None) -> None:
    """An update validator's refusal: the caller reads the reason."""
    if reason is not None:
        raise ValueError(reason)


def cause_of(exc: FailureError) -> str:
    return str(exc.cause or exc) if isinstance(exc, ActivityError) else str(exc)


def swallow(task: Any) -> None:
    """Read a finished notification's error so a failed Slack post only logs."""
    if not task.cancelled() and task.exception() is not None:
        workflow.logger.warning("notification failed: %s", task.exception())
