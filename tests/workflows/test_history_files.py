"""`history export` writes what the Temporal CLI writes; both replay. Encrypted
histories replay and backtest with the keys that sealed them, and say so without."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import uuid
from pathlib import Path

import pytest
from temporalio.client import Client
from typer.testing import CliRunner, Result

from domain.intake import parse_submission
from domain.lifecycle import FirstAction
from starter.cli.main import app
from starter.replay.history import HistoryFileError, read_history, recorded_lead, write_history
from starter.replay.replayer import replay_files
from starter.runtime.binaries import temporal_cli
from starter.runtime.codec import data_converter, new_key
from tests.workflows.conftest import LabFactory
from worker import build_worker
from workflows.client import lead_status, start_lead
from workflows.lead_routing import LeadRoutingWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def cli(*args: str) -> Result:
    """The CLI runs its own event loop: give it a thread."""
    return await asyncio.to_thread(CliRunner().invoke, app, list(args))


async def test_export_writes_what_the_temporal_cli_writes_and_both_replay(
    lab: LabFactory, tmp_path: Path
) -> None:
    lab_ = await lab()
    handle = await lab_.submit({"email": "buyer@northwind.io", "lead_type": "pricing"})
    state = await lab_.routed(handle)
    assert state.owner is not None
    await handle.execute_update(
        LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=state.owner)
    )
    await handle.result()
    address = lab_.client.service_client.config.target_host

    ours = tmp_path / "ours.json"
    exported = await cli("history", "export", handle.id, "--out", str(ours), "--address", address)
    assert exported.exit_code == 0, exported.output
    email = f"buyer+{lab_.task_queue}@northwind.io"
    to_stdout = await cli("history", "export", email, "--address", address)
    assert to_stdout.exit_code == 0, to_stdout.output
    (tmp_path / "stdout.json").write_text(to_stdout.stdout)
    assert read_history(tmp_path / "stdout.json").events == read_history(ours).events

    theirs = tmp_path / "temporal-cli.json"
    shown = subprocess.run(
        [temporal_cli(), "workflow", "show", "--workflow-id", handle.id,
         "--address", address, "--output", "json"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    theirs.write_text(shown.stdout)
    assert len(read_history(theirs).events) == len(read_history(ours).events)
    outcomes = await replay_files([ours, theirs])
    assert [o.line() for o in outcomes if not o.ok] == []

    missing = await cli("history", "export", "lead-000000000000000000000000", "--address", address)
    assert missing.exit_code == 2 and "no lead lead-000000000000000000000000" in missing.stderr


async def test_an_encrypted_history_needs_its_keys(
    lab: LabFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_key()
    lab_ = await lab(start_worker=False)
    config = lab_.client.config()
    config["data_converter"] = data_converter({"k1": base64.b64decode(key)})
    client = Client(**config)
    async with build_worker(client, lab_.acts, lab_.task_queue):
        lead = parse_submission({"email": f"cto+{uuid.uuid4().hex[:6]}@acme-robotics.com"})
        handle = await start_lead(client, lead, lab_.task_queue)
        for _ in range(200):
            if (await lead_status(client, handle.id)).owner:
                break
            await asyncio.sleep(0.05)
        path = tmp_path / "sealed.json.gz"
        write_history(await handle.fetch_history(), path)

    monkeypatch.delenv("LEAD_ROUTER_CODEC_KEYS", raising=False)
    monkeypatch.delenv("LEAD_ROUTER_CODEC_KEY_FILE", raising=False)
    [blind] = await replay_files([path])
    assert not blind.ok and "set LEAD_ROUTER_CODEC_KEYS" in (blind.error or "")
    with pytest.raises(HistoryFileError, match="encrypted: set LEAD_ROUTER_CODEC_KEYS"):
        await recorded_lead(path, read_history(path))

    monkeypatch.setenv("LEAD_ROUTER_CODEC_KEYS", f"k1:{key}")
    [opened] = await replay_files([path])
    assert opened.ok, opened.line()
    recorded = await recorded_lead(path, read_history(path))
    assert recorded.lead_id == lead.lead_id and recorded.plan is not None
    assert (
        recorded.enrichment is not None
        and recorded.enrichment.company_domain == "acme-robotics.com"
    )
