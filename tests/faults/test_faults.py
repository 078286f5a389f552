"""Faults that happen in production, each on real processes: every lead finishes its
path, none is lost, no step is assigned twice, and open-lead counts stay exact."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client

from tests.faults.harness import Cluster, assert_replays, audit, drive_to_the_end, report, submit

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(900)]


def assert_clean(counts: dict[str, object], leads: int) -> None:
    assert counts["leads"] == leads
    assert counts["completed"] == leads and counts["lost"] == 0
    assert counts["double_assigned"] == 0 and counts["ledger_mismatch"] == 0
    assert counts["open_lead_counts_match"] is True


async def settle(cluster: Cluster, client: Client, ids: list[str], keep: Path) -> dict[str, Any]:
    """After the fault: every lead driven to its end, the counts audited, and every
    history written meanwhile replayed."""
    states = await drive_to_the_end(client, ids, keep=keep)
    counts = await audit(cluster.database, states)
    await assert_replays(client, ids, cluster.database, keep / "histories")
    return counts


async def test_worker_killed_with_200_leads_in_flight(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path)
    client = await cluster.start_server()
    try:
        first = cluster.start_worker()
        ids = await submit(client, cluster.task_queue, 200, uuid.uuid4().hex[:6])
        await asyncio.sleep(4)  # some in activities, some on SLA timers, some escalating
        cluster.kill(first)
        cluster.start_worker()
        counts = await settle(cluster, client, ids, tmp_path)
    finally:
        cluster.stop_all()
    report("worker SIGKILL", counts)
    assert_clean(counts, 200)
    assert counts["actioned"] > 0 and counts["unowned_review"] > 0


async def test_server_restarted_on_its_data_file_mid_run(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path)
    client = await cluster.start_server()
    try:
        cluster.start_worker()
        ids = await submit(client, cluster.task_queue, 100, uuid.uuid4().hex[:6])
        await asyncio.sleep(3)
        cluster.stop_server()
        await asyncio.sleep(2)
        client = await cluster.start_server()  # same data file, same port
        counts = await settle(cluster, client, ids, tmp_path)
    finally:
        cluster.stop_all()
    report("server restart", counts)
    assert_clean(counts, 100)


async def test_two_workers_one_killed_the_other_finishes(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path)
    client = await cluster.start_server()
    try:
        doomed = cluster.start_worker()
        cluster.start_worker()
        ids = await submit(client, cluster.task_queue, 100, uuid.uuid4().hex[:6])
        await asyncio.sleep(3)
        cluster.kill(doomed)
        counts = await settle(cluster, client, ids, tmp_path)
    finally:
        cluster.stop_all()
    report("two workers, one killed", counts)
    assert_clean(counts, 100)
