"""The client helpers' own behaviour: a status query that meets a nondeterminism error on
the worker's replay is asked again; any other failure, or one that stays, is raised."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from temporalio.client import WorkflowQueryFailedError

import workflows.client
from workflows.client import QUERY_REPLAY_RETRIES, lead_status

REPLAY_FAILED = (
    "[TMPRL1100] Nondeterminism error: Update machine does not handle this event: "
    "HistoryEvent(id: 66, ActivityTaskScheduled)"
)
ANSWER = object()


class FlakyHandle:
    """A workflow handle whose query fails with the given messages, then answers."""

    def __init__(self, failures: list[str]) -> None:
        self.failures = failures
        self.calls = 0

    async def query(self, *_: Any) -> object:
        self.calls += 1
        if self.failures:
            raise WorkflowQueryFailedError(self.failures.pop(0))
        return ANSWER


def use(monkeypatch: pytest.MonkeyPatch, handle: FlakyHandle) -> None:
    monkeypatch.setattr(workflows.client, "handle_for", lambda client, lead_id: handle)


async def test_a_query_that_failed_on_replay_is_asked_again(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    handle = FlakyHandle([REPLAY_FAILED])
    use(monkeypatch, handle)
    with caplog.at_level(logging.WARNING, logger="workflows.client"):
        assert await lead_status(None, "lead-1") is ANSWER  # type: ignore[arg-type]
    assert handle.calls == 2
    assert "query on lead-1 failed on replay, asking again" in caplog.text


async def test_a_replay_failure_that_stays_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    handle = FlakyHandle([REPLAY_FAILED] * (QUERY_REPLAY_RETRIES + 1))
    use(monkeypatch, handle)
    with pytest.raises(WorkflowQueryFailedError, match=r"\[TMPRL1100\]"):
        await lead_status(None, "lead-1")  # type: ignore[arg-type]
    assert handle.calls == QUERY_REPLAY_RETRIES + 1


async def test_any_other_query_failure_is_raised_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    handle = FlakyHandle(["Query handler for 'status' not found"])
    use(monkeypatch, handle)
    with pytest.raises(WorkflowQueryFailedError, match="not found"):
        await lead_status(None, "lead-1")  # type: ignore[arg-type]
    assert handle.calls == 1
