"""Lead histories as files, and what a lead's history recorded.

The files are the JSON of the Temporal Web UI's download and of `temporal workflow
show --output json` (optionally gzipped). From a history we read back the inputs
routing used at the time: the submission, the rules the lead pinned, the enrichment
result and each assignment's plan.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import temporalio
from google.protobuf.json_format import ParseError
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import History, HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter

from domain.lifecycle import AssignRequest, Submission
from domain.models import Enrichment, RoutingPlan
from domain.rules import RoutingRules
from starter.runtime.codec import ENCODING, CodecError, data_converter
from starter.runtime.lead_codec import LEAD_SEALED_HINT, LeadKeySource, converter_for
from starter.runtime.settings import DataDirSettings, ReplaySettings
from workflows.lead_routing import LeadRoutingWorkflow

SUFFIXES = (".json.gz", ".json")
WORKFLOW_TYPE = LeadRoutingWorkflow.__name__
ENCRYPTED = ENCODING.decode()
T = TypeVar("T")


class HistoryFileError(ValueError):
    """A path that is not a readable history; the message names the file."""


def history_files(paths: Iterable[Path]) -> list[Path]:
    """The files given, and every *.json / *.json.gz below each folder given, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and _suffix(p))
            if not inside:
                raise HistoryFileError(f"{path}: no history files (*.json, *.json.gz) in it")
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            raise HistoryFileError(f"{path}: no such file or folder")
    return found


def _suffix(path: Path) -> str | None:
    return next((s for s in SUFFIXES if path.name.endswith(s)), None)


def workflow_id_of(path: Path) -> str:
    """A history file carries no workflow id: the file name stands in for it."""
    suffix = _suffix(path)
    return path.name[: -len(suffix)] if suffix else path.stem


def history_cache_dir(data_dir: Path | None = None) -> Path | None:
    """Where parsed histories are kept between runs: `LEAD_ROUTER_HISTORY_CACHE` (a
    folder, or `off`), by default `cache/histories` in the data dir (`data_dir`, else
    `LEAD_ROUTER_DATA_DIR` or `.lead-router`), like everything else lead-router keeps."""
    configured = (ReplaySettings().history_cache or "").strip()
    if configured.lower() in ("off", "0", "none"):
        return None
    if configured:
        return Path(configured)
    return (data_dir or DataDirSettings().data_dir) / "cache" / "histories"


def read_history(path: Path, cache_dir: Path | None = None) -> WorkflowHistory:
    """Read a history file; with `cache_dir`, keep its events in protobuf's binary form
    there, keyed by the file's bytes, so a corpus read again skips the JSON (about 4 ms
    a history, the largest cost of replaying one). A cache that cannot be read or
    written is passed by: the file is always the truth."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise HistoryFileError(f"{path}: cannot read: {exc}") from None
    cached = cache_dir / f"{_cache_key(raw)}.pb" if cache_dir is not None else None
    if cached is not None:
        events = _cached_events(cached)
        if events is not None:
            return WorkflowHistory(workflow_id_of(path), events)
    history = _parse(path, raw)
    if cached is not None:
        _store_events(cached, history)
    return history


def _parse(path: Path, raw: bytes) -> WorkflowHistory:
    try:
        text = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise HistoryFileError(f"{path}: cannot read: {exc}") from None
    try:
        if text.lstrip().startswith("["):  # some UI versions download the bare list of events
            history = WorkflowHistory.from_json(workflow_id_of(path), {"events": json.loads(text)})
        else:  # the text, not a dict: the SDK deep-copies a dict before parsing it
            history = WorkflowHistory.from_json(workflow_id_of(path), text)
    except json.JSONDecodeError as exc:
        raise HistoryFileError(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from None
    except (ValueError, ParseError) as exc:
        raise HistoryFileError(f"{path}: not a Temporal history: {exc}") from None
    if not history.events or history.events[0].event_type != (
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
    ):
        raise HistoryFileError(
            f"{path}: not a complete history: the first event must be WorkflowExecutionStarted"
        )
    return history


def _cache_key(raw: bytes) -> str:
    # the SDK's version too: its protobuf schema is what the cached bytes are read with
    return hashlib.sha256(temporalio.__version__.encode() + b"\0" + raw).hexdigest()


def _cached_events(cached: Path) -> list[HistoryEvent] | None:
    try:
        events = list(History.FromString(cached.read_bytes()).events)
    except (OSError, DecodeError):
        return None
    if not events or events[0].event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        return None
    return events


def _store_events(cached: Path, history: WorkflowHistory) -> None:
    partial = cached.with_name(f".{cached.name}.{os.getpid()}")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(History(events=history.events).SerializeToString())
        os.replace(partial, cached)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def write_history(history: WorkflowHistory, out: Path) -> None:
    """Write the history's JSON; a name ending in .gz is gzipped."""
    text = history.to_json() + "\n"
    data = gzip.compress(text.encode(), mtime=0) if out.name.endswith(".gz") else text.encode()
    out.write_bytes(data)


async def fetch_history(client: Client, lead_id: str, run_id: str | None = None) -> WorkflowHistory:
    return await client.get_workflow_handle(lead_id, run_id=run_id).fetch_history()


def event_name(value: int) -> str:
    """EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> ActivityTaskScheduled, as the Web UI shows it."""
    name = EventType.Name(value).removeprefix("EVENT_TYPE_")  # type: ignore[arg-type]
    return "".join(part.capitalize() for part in name.split("_"))


@dataclass
class RecordedLead:
    """What a lead's history recorded, decoded with the project's data converter."""

    path: Path
    lead_id: str
    submission: Submission
    rules: RoutingRules | None = None
    enrichment: Enrichment | None = None  # None: enrichment failed, routed on form data
    plan: RoutingPlan | None = None  # the first routing decision, as it was made


async def _decode(converter: DataConverter, payloads: Payloads, kind: type[T]) -> T:
    """The first payload (an activity's first argument, a result, a memo field)."""
    values = await converter.decode(list(payloads.payloads[:1]), [kind])
    return values[0]  # type: ignore[no-any-return]


async def recorded_lead(
    path: Path, history: WorkflowHistory, converter: DataConverter | None = None
) -> RecordedLead:
    """The inputs and decisions of a LeadRoutingWorkflow history, as they were then.

    Payloads decode with the project's converter: encrypted ones need the keys
    that sealed them (LEAD_ROUTER_CODEC_KEYS).
    """
    converter = converter or data_converter()
    start = history.events[0].workflow_execution_started_event_attributes
    if start.workflow_type.name != WORKFLOW_TYPE:
        raise HistoryFileError(
            f"{path}: a {start.workflow_type.name} history, not a {WORKFLOW_TYPE} one"
        )
    try:
        submission = await _decode(converter, start.input, Submission)
        lead = RecordedLead(path, submission.lead.lead_id, submission)
        scheduled: dict[int, str] = {}
        for event in history.events:
            if event.HasField("marker_recorded_event_attributes"):
                await _local_activity(converter, event.marker_recorded_event_attributes, lead)
            elif event.HasField("workflow_properties_modified_event_attributes"):
                memo = event.workflow_properties_modified_event_attributes.upserted_memo.fields
                if "routing" in memo and lead.plan is None:
                    routing = Payloads(payloads=[memo["routing"]])
                    lead.plan = await _decode(converter, routing, RoutingPlan)
            elif event.HasField("activity_task_scheduled_event_attributes"):
                attrs = event.activity_task_scheduled_event_attributes
                scheduled[event.event_id] = attrs.activity_type.name
                if attrs.activity_type.name == "assign_owner" and lead.plan is None:
                    # histories from before assignment ran as a local activity
                    request = await _decode(converter, attrs.input, AssignRequest)
                    lead.plan = request.plan
            elif event.HasField("activity_task_completed_event_attributes"):
                done = event.activity_task_completed_event_attributes
                name = scheduled.get(done.scheduled_event_id)
                if name == "load_rules":
                    lead.rules = await _decode(converter, done.result, RoutingRules)
                elif name == "enrich_lead":
                    lead.enrichment = await _decode(converter, done.result, Enrichment)
    except (ValueError, TypeError, KeyError, RuntimeError) as exc:  # pydantic, codec, encoding
        hint = ""
        if isinstance(exc, CodecError) or ENCRYPTED in str(exc):
            hint = " (encrypted: set LEAD_ROUTER_CODEC_KEYS to the keys that sealed it)"
        elif LEAD_SEALED_HINT[0] in str(exc):
            hint = LEAD_SEALED_HINT[1]
        raise HistoryFileError(f"{path}: a payload does not decode: {exc}{hint}") from None
    return lead


def local_activity_type(marker: Any) -> str | None:
    """The activity a local-activity marker records (core writes it as plain JSON)."""
    if marker.marker_name != "core_local_activity" or "data" not in marker.details:
        return None
    payloads = marker.details["data"].payloads
    try:
        meta = json.loads(payloads[0].data) if payloads else {}
    except ValueError:
        return None
    kind = meta.get("activity_type") if isinstance(meta, dict) else None
    return kind if isinstance(kind, str) else None


async def _local_activity(converter: DataConverter, marker: Any, lead: RecordedLead) -> None:
    """A local activity's result, from its marker (its input is not recorded)."""
    kind = local_activity_type(marker)
    result = marker.details.get("result")
    if kind is None or result is None or not result.payloads:
        return
    if kind == "load_rules":
        lead.rules = await _decode(converter, result, RoutingRules)
    elif kind == "enrich_lead":
        lead.enrichment = await _decode(converter, result, Enrichment)


async def recorded_leads(
    paths: Sequence[Path], data_dir: Path | None = None, lead_keys: LeadKeySource | None = None
) -> tuple[list[RecordedLead], list[str]]:
    """Every readable lead history among `paths`, and one problem line per other file (a
    lead erased on request says so: its payloads are sealed with a destroyed key)."""
    converter = converter_for(lead_keys)
    cache = history_cache_dir(data_dir)
    leads: list[RecordedLead] = []
    problems: list[str] = []
    for path in paths:
        try:
            leads.append(await recorded_lead(path, read_history(path, cache), converter))
        except HistoryFileError as exc:
            problems.append(str(exc))
    return leads, problems
