"""Replaying lead histories against the current workflow code.

A history replays when today's code makes the same commands, in the same order, as
the code that wrote it. When it does not, we find the first event it diverges at by
replaying ever shorter prefixes of the history (a handful of replays, failures only).
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import json
import os
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.worker import Interceptor, Replayer
from temporalio.workflow import NondeterminismError

from activities.database import Database
from starter.replay.history import (
    HistoryFileError,
    event_name,
    history_cache_dir,
    local_activity_type,
    read_history,
)
from starter.runtime.codec import ENCODING, configured_keys
from starter.runtime.lead_codec import LEAD_SEALED_HINT, LeadKeySource, converter_for
from starter.runtime.runner import SANDBOX, skip_idle_payload_passes
from starter.runtime.stdio import private_stdout
from workflows.lead_routing import LeadRoutingWorkflow
from workflows.qa_sample import QaSampleWorkflow
from workflows.routing_health import RoutingHealthWorkflow

WORKFLOWS: Sequence[type] = (LeadRoutingWorkflow, RoutingHealthWorkflow, QaSampleWorkflow)
_TASK_STARTED = EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED


@dataclass
class ReplayOutcome:
    path: Path
    events: int = 0
    error: str | None = None  # None: the history replays
    nondeterministic: bool = False
    diverging_event: str | None = None  # "event 39 ActivityTaskScheduled release_assignment"

    @property
    def ok(self) -> bool:
        return self.error is None

    def line(self) -> str:
        if self.error is None:
            return f"ok    {self.path} ({self.events} events)"
        if self.nondeterministic:
            at = f" at {self.diverging_event}" if self.diverging_event else ""
            return f"FAIL  {self.path}: non-deterministic{at}: {self.error}"
        if self.error.startswith(str(self.path)):  # a file error names the file itself
            return f"FAIL  {self.error}"
        return f"FAIL  {self.path}: {self.error}"


@cache
def _quiet_runtime() -> Runtime:
    """Core logs each failed workflow task as a warning; we report it ourselves."""
    quiet = TelemetryFilter(core_level="ERROR", other_level="ERROR")
    return Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(filter=quiet)))


def make_replayer(
    workflows: Sequence[type] = WORKFLOWS,
    interceptors: Sequence[Interceptor] = (),
    lead_keys: LeadKeySource | None = None,
) -> Replayer:
    """Set up as the worker is: the project's data converter (with the payload codec
    when keys are configured, and each lead's key from the app database when given its
    `lead_keys`) and the same sandbox."""
    skip_idle_payload_passes()
    return Replayer(
        workflows=list(workflows),
        interceptors=interceptors,
        data_converter=converter_for(lead_keys),
        workflow_runner=SANDBOX,
        runtime=_quiet_runtime(),
    )


REPLAYERS = 4  # concurrent replayers: each waits on the SDK's core between activations
FILES_PER_PROCESS = 200  # a process starts in ~1-1.5 s, as long as ~150 histories take
CHUNK = 50  # files handed out at a time to whichever process is free


async def replay_files(
    paths: Sequence[Path],
    workflows: Sequence[type] = WORKFLOWS,
    on_outcome: Callable[[ReplayOutcome], None] = lambda outcome: None,
    replayers: int = REPLAYERS,
    processes: int | None = None,
    data_dir: Path | None = None,
    database: Database | None = None,
) -> list[ReplayOutcome]:
    """Replay every file; each outcome also goes to `on_outcome`, in the files' order.

    Within a process the files are dealt to `replayers` replayers that run at once (a
    replayer spends much of its time waiting for the SDK's core: four gave ~15% more
    histories a second than one). A corpus of `FILES_PER_PROCESS` files or more is also
    shared with other processes, up to one per core (`processes`, by default from the
    corpus's size), in chunks to whichever is free: replaying is CPU-bound in Python.
    Parsed files are cached in `data_dir`'s history cache (`history_cache_dir`). The app
    `database` holds the leads' own keys their payloads are sealed with."""
    keys = database.lead_keys if database is not None else None
    cache = history_cache_dir(data_dir)
    outcomes = [ReplayOutcome(path) for path in paths]
    finished = [False] * len(outcomes)
    told = 0

    def done(index: int) -> None:
        nonlocal told
        finished[index] = True
        while told < len(outcomes) and finished[told]:
            on_outcome(outcomes[told])
            told += 1

    if processes is None:
        processes = min(os.cpu_count() or 1, len(paths) // FILES_PER_PROCESS)
    if processes <= 1:
        await _replay_here(range(len(outcomes)), outcomes, workflows, replayers, done, cache, keys)
        return outcomes
    chunks = iter([range(i, min(i + CHUNK, len(paths))) for i in range(0, len(paths), CHUNK)])
    refs = [[w.__module__, w.__qualname__] for w in workflows]

    async def here() -> None:
        for chunk in chunks:
            await _replay_here(chunk, outcomes, workflows, replayers, done, cache, keys)

    async def elsewhere() -> None:
        # a fresh interpreter, not multiprocessing: that would re-import the caller's
        # main module, and forking a process that runs Temporal's core is unsafe
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from starter.replay.replayer import serve_chunks; serve_chunks()",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )  # fmt: skip
        assert child.stdin is not None and child.stdout is not None
        try:
            for chunk in chunks:
                request = {
                    "paths": [str(outcomes[i].path) for i in chunk],
                    "workflows": refs,
                    "replayers": replayers,
                    "cache": str(cache) if cache else None,
                    "database": database.url if database is not None else None,
                }
                child.stdin.write(json.dumps(request).encode() + b"\n")
                await child.stdin.drain()
                answer = await child.stdout.readline()
                if not answer:  # the child died: this chunk here, the rest to `here`
                    await _replay_here(chunk, outcomes, workflows, replayers, done, cache, keys)
                    return
                for index, fields in zip(chunk, json.loads(answer), strict=True):
                    outcomes[index] = ReplayOutcome(**{**fields, "path": outcomes[index].path})
                    done(index)
        finally:
            child.stdin.close()
            await child.wait()

    await asyncio.gather(here(), *(elsewhere() for _ in range(processes - 1)))
    return outcomes


def serve_chunks() -> None:
    """The other end of `replay_files`, in another process: a JSON request a line in
    (files, workflows, replayers), the outcomes as a JSON line out."""
    answers = private_stdout()  # stray prints never reach the parent
    for line in sys.stdin:
        request = json.loads(line)
        workflows = [_named(module, name) for module, name in request["workflows"]]
        paths = [Path(p) for p in request["paths"]]
        cache = request["cache"]
        replayed = asyncio.run(
            _replay_chunk(
                paths,
                workflows,
                request["replayers"],
                Path(cache) if cache else None,
                request.get("database"),
            )
        )
        fields = [{k: v for k, v in dataclasses.asdict(o).items() if k != "path"} for o in replayed]
        print(json.dumps(fields), file=answers, flush=True)


async def _replay_chunk(
    paths: list[Path],
    workflows: Sequence[type],
    replayers: int,
    cache: Path | None,
    database_url: str | None,
) -> list[ReplayOutcome]:
    outcomes = [ReplayOutcome(path) for path in paths]
    database = Database(database_url, configured_keys()) if database_url else None
    keys = database.lead_keys if database is not None else None
    try:
        await _replay_here(
            range(len(paths)), outcomes, workflows, replayers, lambda i: None, cache, keys
        )
    finally:
        if database is not None:
            await database.close()
    return outcomes


def _named(module: str, name: str) -> type:
    found: Any = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return found  # type: ignore[no-any-return]


async def _replay_here(
    indexes: range,
    outcomes: list[ReplayOutcome],
    workflows: Sequence[type],
    replayers: int,
    done: Callable[[int], None],
    cache: Path | None,
    keys: LeadKeySource | None = None,
) -> None:
    lanes = max(1, min(replayers, len(indexes)))
    await asyncio.gather(
        *(
            _replay_lane(indexes[lane::lanes], outcomes, workflows, cache, done, keys)
            for lane in range(lanes)
        )
    )


async def _replay_lane(
    indexes: range,
    outcomes: list[ReplayOutcome],
    workflows: Sequence[type],
    cache: Path | None,
    done: Callable[[int], None],
    keys: LeadKeySource | None,
) -> None:
    replayer = make_replayer(workflows, lead_keys=keys)
    replayed: list[tuple[int, WorkflowHistory]] = []

    async def histories() -> AsyncIterator[WorkflowHistory]:
        for index in indexes:
            outcome = outcomes[index]
            try:
                history = read_history(outcome.path, cache)
            except HistoryFileError as exc:
                outcome.error = str(exc)
                done(index)
                continue
            outcome.events = len(history.events)
            replayed.append((index, history))
            yield history

    async with replayer.workflow_replay_iterator(histories()) as results:
        async for result in results:
            index, history = replayed[-1]  # the replayer takes one history at a time
            outcome = outcomes[index]
            failure = result.replay_failure
            if failure is not None:
                outcome.error = _message(failure)
                if isinstance(failure, NondeterminismError):
                    outcome.nondeterministic = True
                    outcome.diverging_event = await first_diverging_event(replayer, history)
                elif _sealed_without_keys(history):
                    outcome.error += (
                        " (encrypted: set LEAD_ROUTER_CODEC_KEYS to the keys that sealed it)"
                    )
                elif LEAD_SEALED_HINT[0] in outcome.error:
                    outcome.error += LEAD_SEALED_HINT[1]
            done(index)


async def first_diverging_event(replayer: Replayer, history: WorkflowHistory) -> str | None:
    """Bisect on history prefixes: the shortest prefix that fails ends at the culprit."""
    events = list(history.events)
    # a prefix must reach the first workflow task, or there is nothing to replay
    passes = next(
        (i for i, e in enumerate(events, 1) if e.event_type == _TASK_STARTED), len(events)
    )
    fails = len(events)  # a prefix of `passes` events replays; one of `fails` does not
    if await _fails(replayer, history.workflow_id, events[:passes]):
        return _describe(events[passes - 1])
    while fails - passes > 1:
        middle = (passes + fails) // 2
        if await _fails(replayer, history.workflow_id, events[:middle]):
            fails = middle
        else:
            passes = middle
    return _describe(events[fails - 1])


async def _fails(replayer: Replayer, workflow_id: str, events: list[HistoryEvent]) -> bool:
    result = await replayer.replay_workflow(
        WorkflowHistory(workflow_id, events), raise_on_replay_failure=False
    )
    return result.replay_failure is not None


def _describe(event: HistoryEvent) -> str:
    what = f"event {event.event_id} {event_name(event.event_type)}"
    if event.HasField("activity_task_scheduled_event_attributes"):
        what += f" {event.activity_task_scheduled_event_attributes.activity_type.name}"
    elif event.HasField("marker_recorded_event_attributes"):
        what += f" {local_activity_type(event.marker_recorded_event_attributes) or ''}".rstrip()
    return what


def _message(failure: Exception) -> str:
    """Core wraps its reason in a debug dump; keep the sentence a person reads."""
    text = str(failure)
    start = text.find('message: "')
    if start >= 0:
        start += len('message: "')
        end = text.find('", ', start)
        return text[start : end if end > 0 else None]
    return text


def _sealed_without_keys(history: WorkflowHistory) -> bool:
    start = history.events[0].workflow_execution_started_event_attributes
    sealed = any(p.metadata.get("encoding") == ENCODING for p in start.input.payloads)
    return sealed and configured_keys() is None
