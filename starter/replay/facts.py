"""Analytics facts of leads routed before the facts were recorded: each history is
replayed through today's workflow code, which builds the same facts the live workflow
hands its notification and release activities; an interceptor keeps them. So the
backfill and the live table agree for the same lead by construction."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import (
    Interceptor,
    StartActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

from domain.analytics.facts import LeadFacts
from starter.replay.history import HistoryFileError, read_history
from starter.replay.replayer import make_replayer
from starter.runtime.lead_codec import LeadKeySource

# what the replays produced, by workflow id (one replay at a time per process)
_SEEN: dict[str, LeadFacts] = {}


def _keep(facts: LeadFacts) -> None:
    workflow_id = workflow.info().workflow_id
    seen = _SEEN.get(workflow_id)
    if seen is None or facts.revision >= seen.revision:
        _SEEN[workflow_id] = facts


class _Outbound(WorkflowOutboundInterceptor):
    def start_activity(self, input: StartActivityInput) -> Any:
        for arg in input.args:
            facts = getattr(arg, "facts", None)
            if isinstance(facts, LeadFacts):
                _keep(facts)
        return super().start_activity(input)


class _Inbound(WorkflowInboundInterceptor):
    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        super().init(_Outbound(outbound))


class FactsInterceptor(Interceptor):
    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        return _Inbound


async def facts_of_histories(
    histories: Sequence[WorkflowHistory],
    names: Sequence[str],
    lead_keys: LeadKeySource | None = None,
) -> tuple[list[LeadFacts], list[str]]:
    """The latest facts of each history's lead; a problem line for each history that
    gave none (not routed yet, erased, or it no longer replays), named by `names`. The app
    database's `lead_keys` open the leads' payloads."""
    replayer = make_replayer(interceptors=[FactsInterceptor()], lead_keys=lead_keys)
    found: list[LeadFacts] = []
    problems: list[str] = []
    for history, name in zip(histories, names, strict=True):
        _SEEN.pop(history.workflow_id, None)
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        facts = _SEEN.pop(history.workflow_id, None)
        if result.replay_failure is not None:
            problems.append(f"{name}: does not replay with this code: {result.replay_failure}")
        elif facts is None:
            problems.append(f"{name}: no handover yet (the lead is still being routed)")
        else:
            found.append(facts)
    return found, problems


async def facts_of_files(
    paths: Sequence[Path], lead_keys: LeadKeySource | None = None
) -> tuple[list[LeadFacts], list[str]]:
    histories: list[WorkflowHistory] = []
    names: list[str] = []
    problems: list[str] = []
    for path in paths:
        try:
            histories.append(read_history(path))
            names.append(str(path))
        except HistoryFileError as exc:
            problems.append(str(exc))
    found, more = await facts_of_histories(histories, names, lead_keys)
    return found, problems + more
