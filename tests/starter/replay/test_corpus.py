"""The committed corpus replays against today's workflow code; a changed command
sequence does not, unless it is behind `workflow.patched`.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from starter.cli.main import app
from starter.replay import replayer as replay
from starter.replay.history import history_files, read_history
from starter.replay.replayer import replay_files
from tests.starter.replay.variants import PatchedPause, Reworded, UnguardedPause
from workflows.qa_sample import QaSampleWorkflow
from workflows.routing_health import RoutingHealthWorkflow

SCHEDULED = [RoutingHealthWorkflow, QaSampleWorkflow]  # beside each lead-workflow variant

CORPUS = Path(__file__).parents[2] / "histories"
FILES = history_files([CORPUS])
# every event of each file is replayed, however short its path (a suppressed lead: 13)
EVENTS = {path: len(read_history(path).events) for path in FILES}
PATHS_OF_THE_WORKFLOW = {
    "first-action-in-time", "escalation-level-1", "escalation-level-2", "escalation-level-3",
    "unowned-review", "manual-reassign", "owner-away", "duplicate-join", "trial-activation",
    "after-hours-arrival", "crm-hubspot-escalation", "crm-hubspot-no-owner-id",
    "crm-salesforce-escalation",
    "routing-health-alert", "qa-sample",
}  # fmt: skip
SCHEDULED_FILES = [f for f in FILES if f.parent.name == "schedules"]


def load(name: str) -> dict[str, Any]:
    return json.loads(gzip.decompress((CORPUS / f"{name}.json.gz").read_bytes()))  # type: ignore[no-any-return]


def local_activity_markers(history: dict[str, Any], activity: str) -> list[dict[str, Any]]:
    def kind(event: dict[str, Any]) -> str:
        data = event["markerRecordedEventAttributes"]["details"]["data"]["payloads"][0]["data"]
        return str(json.loads(base64.b64decode(data))["activity_type"])

    return [
        e
        for e in history["events"]
        if e["eventType"] == "EVENT_TYPE_MARKER_RECORDED" and kind(e) == activity
    ]


def patch_ids(history: dict[str, Any]) -> list[str]:
    return [
        json.loads(base64.b64decode(p["data"]))["id"]
        for e in history["events"]
        if e["eventType"] == "EVENT_TYPE_MARKER_RECORDED"
        and e["markerRecordedEventAttributes"]["markerName"] == "core_patch"
        for p in e["markerRecordedEventAttributes"]["details"]["patch-data"]["payloads"]
    ]


def activity_events(history: dict[str, Any], activity: str) -> list[dict[str, Any]]:
    return [
        e
        for e in history["events"]
        if e["eventType"] == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED"
        and e["activityTaskScheduledEventAttributes"]["activityType"]["name"] == activity
    ]


def test_the_corpus_has_a_history_for_every_path() -> None:
    names = {f.name.removesuffix(".json.gz") for f in FILES}
    assert names >= PATHS_OF_THE_WORKFLOW
    assert sum(f.stat().st_size for f in FILES) < 500_000  # 30 paths, ~16 KB each


def test_the_crm_histories_write_each_owner_behind_the_patch() -> None:
    escalated = load("crm-hubspot-escalation")
    assert len(activity_events(escalated, "write_owner")) == 2  # routed, then escalated
    assert patch_ids(escalated) == ["crm-sync"]
    refused = load("crm-hubspot-no-owner-id")
    kinds = [json.dumps(e) for e in activity_events(refused, "notify")]
    assert len(kinds) == 2 and len(activity_events(refused, "write_owner")) == 1
    assert not any("write_owner" in json.dumps(e) for e in load("first-action-in-time")["events"])


def test_the_salesforce_history_writes_each_owner_to_salesforce() -> None:
    writes = activity_events(load("crm-salesforce-escalation"), "write_owner")
    inputs = [
        json.loads(
            base64.b64decode(
                e["activityTaskScheduledEventAttributes"]["input"]["payloads"][0]["data"]
            )
        )
        for e in writes
    ]
    assert [(w["crm"], w["step"]) for w in inputs] == [("salesforce", 0), ("salesforce", 1)]
    assert all(w["owner_crm_id"].startswith("005") for w in inputs)
    history = load("crm-salesforce-escalation")
    memos = [e for e in history["events"]
             if e["eventType"] == "EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED"]  # fmt: skip
    assert len(memos) == 2  # the routing, then the Lead's id once (the escalation kept it)
    assert patch_ids(history) == ["crm-sync", "crm-record-memo"]
    # the HubSpot histories are the path before the memo, and still replay


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
async def test_every_history_replays(path: Path) -> None:
    [outcome] = await replay_files([path])
    assert outcome.ok, outcome.line()
    assert outcome.events == EVENTS[path] > 10


async def test_a_tampered_activity_type_fails_at_that_event(tmp_path: Path) -> None:
    history = load("escalation-level-1")
    release = activity_events(history, "notify")[1]
    release["activityTaskScheduledEventAttributes"]["activityType"]["name"] = "free_the_owner"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(history))

    [outcome] = await replay_files([tampered])
    assert outcome.nondeterministic
    assert outcome.diverging_event == (
        f"event {release['eventId']} ActivityTaskScheduled free_the_owner"
    )
    assert "free_the_owner" in (outcome.error or "")


async def test_a_new_timer_fails_replay_and_the_same_change_patched_passes() -> None:
    unguarded = await replay_files(FILES, workflows=[UnguardedPause, *SCHEDULED])
    assert [
        o.path for o in unguarded if o.ok
    ] == SCHEDULED_FILES  # only the lead's workflow changed
    enrich = local_activity_markers(load("first-action-in-time"), "enrich_lead")[0]
    first = next(o for o in unguarded if o.path.name == "first-action-in-time.json.gz")
    assert first.diverging_event == f"event {enrich['eventId']} MarkerRecorded enrich_lead"

    patched = await replay_files(FILES, workflows=[PatchedPause, *SCHEDULED])
    assert [o.line() for o in patched if not o.ok] == []


async def test_reworded_summaries_and_details_still_replay() -> None:
    outcomes = await replay_files(FILES, workflows=[Reworded, *SCHEDULED])
    assert [o.line() for o in outcomes if not o.ok] == []


def test_replay_command_names_the_history_and_the_event(tmp_path: Path) -> None:
    history = load("owner-away")
    assign = activity_events(history, "notify")[1]
    assign["activityTaskScheduledEventAttributes"]["activityType"]["name"] = "assign_someone"
    (tmp_path / "owner-away-edited.json").write_text(json.dumps(history))
    good = CORPUS / "manual-reassign.json.gz"

    result = CliRunner().invoke(app, ["replay", str(good), str(tmp_path)])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"ok    {good} (")
    assert lines[1].startswith(f"FAIL  {tmp_path / 'owner-away-edited.json'}: non-deterministic")
    assert f"at event {assign['eventId']} ActivityTaskScheduled assign_someone" in lines[1]
    assert "1 of 2 histories replay; 1 fail" in result.stderr


def test_replay_command_names_a_broken_file_by_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"events": [\n  {"eventId": "1",,}\n]}\n')
    result = CliRunner().invoke(app, ["replay", str(broken)])
    assert result.exit_code == 1
    assert f"FAIL  {broken}:2:" in result.stdout and "not valid JSON" in result.stdout

    missing = CliRunner().invoke(app, ["replay", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such file or folder" in missing.stderr


def renamed_notify(tmp_path: Path) -> Path:
    """escalation-level-1 with its second notify renamed: it no longer replays."""
    history = load("escalation-level-1")
    scheduled = activity_events(history, "notify")[1]["activityTaskScheduledEventAttributes"]
    scheduled["activityType"]["name"] = "free_the_owner"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(history))
    return tampered


@pytest.mark.parametrize("replayers", [1, 3, 8])
async def test_outcomes_come_in_the_files_order_whatever_the_replayers(
    tmp_path: Path, replayers: int
) -> None:
    tampered = renamed_notify(tmp_path)
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    files = [*FILES[:4], tampered, *FILES[4:7], broken, *FILES[7:]]
    told: list[Path] = []

    outcomes = await replay_files(
        files, on_outcome=lambda o: told.append(o.path), replayers=replayers
    )
    assert told == files
    assert [o.path for o in outcomes] == files
    assert [o.path for o in outcomes if not o.ok] == [tampered, broken]
    assert outcomes[4].nondeterministic and "free_the_owner" in (outcomes[4].diverging_event or "")
    assert "not valid JSON" in (outcomes[8].error or "")
    assert all(o.events == EVENTS[o.path] for o in outcomes if o.ok)


async def test_a_large_corpus_is_shared_with_another_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process here is slowed down, so the other process takes chunks; outcomes
    still come in the files' order, failures named as in one process."""
    tampered = renamed_notify(tmp_path)
    files = [*FILES[:4], tampered, *FILES[4:]]
    here = replay._replay_here
    chunks_here = 0

    async def slow_here(*args: Any) -> None:
        nonlocal chunks_here
        chunks_here += 1
        await asyncio.sleep(1.0)
        await here(*args)

    monkeypatch.setattr(replay, "CHUNK", 3)
    monkeypatch.setattr(replay, "_replay_here", slow_here)
    told: list[Path] = []
    outcomes = await replay_files(files, on_outcome=lambda o: told.append(o.path), processes=2)
    assert told == files == [o.path for o in outcomes]
    assert [o.path for o in outcomes if not o.ok] == [tampered]
    assert outcomes[4].nondeterministic and "free_the_owner" in (outcomes[4].diverging_event or "")
    assert all(o.events == EVENTS.get(o.path, o.events) > 10 for o in outcomes)
    assert 0 < chunks_here < -(-len(files) // 3)  # some chunks here, the rest elsewhere
