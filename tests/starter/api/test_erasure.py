"""Erasure on request, end to end: two leads through the webhook, the intake, the worker
and the embedded Temporal; one erased through the API; then neither the app database
(SQLite and PostgreSQL), nor `history export`, nor any history payload (raw, or opened
with the codec keys) yields its email or name, while the other lead keeps its data and
the erased lead's routing facts stay in analytics."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import inspect, text
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from typer.testing import CliRunner

from activities.database import Database
from activities.database.migrate import upgrade
from activities.lead_activities import LeadActivities
from starter.cli.main import app
from starter.runtime.codec import EncryptionCodec, new_key
from starter.runtime.lead_codec import ENCODING, LeadErased, lead_data_converter
from starter.runtime.settings import SAMPLE_COMPANIES
from tests.activities.conftest import empty_postgres
from tests.starter.api.conftest import (
    BEARER,
    ID_KEY,
    ApiFactory,
    lead_id_of,
    unique_email,
)
from tests.workflows.conftest import LabFactory
from worker import build_worker

pytestmark = pytest.mark.asyncio(loop_scope="session")

CODEC_KEYS = {"k1": base64.b64decode(new_key())}


async def _store(dialect: str, tmp_path: Path) -> Database:
    if dialect == "sqlite":
        return await Database(tmp_path / "erasure.db", CODEC_KEYS).init()
    url = await empty_postgres()
    await upgrade(url)
    return await Database(url, CODEC_KEYS).init()


async def _every_cell(store: Database) -> str:
    """Every row of every table of the app database, as one text."""
    async with store.engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        out = []
        for name in names:
            rows = (await conn.execute(text(f'SELECT * FROM "{name}"'))).all()
            out.extend(f"{name}: {tuple(row)}" for row in rows)
    return "\n".join(out)


def _payloads(node: Any) -> list[dict[str, Any]]:
    """Every payload ({"metadata", "data"}) anywhere in a history's JSON."""
    if isinstance(node, dict):
        if "data" in node and "metadata" in node and isinstance(node["metadata"], dict):
            return [node]
        return [p for value in node.values() for p in _payloads(value)]
    if isinstance(node, list):
        return [p for value in node for p in _payloads(value)]
    return []


def _as_payload(found: dict[str, Any]) -> Payload:
    from google.protobuf import json_format

    return json_format.ParseDict(found, Payload())


async def _facts_recorded(store: Database, lead_id: str, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (facts := await store.analytics.facts_of(lead_id)) is None or facts.team is None:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no analytics facts with a team for {lead_id} in {timeout} s")
        await asyncio.sleep(0.05)


def _cli(args: list[str], database_url: str) -> Result:
    """`lead-router ARGS` as a person runs it, on this app database with the codec keys."""
    env = {
        "LEAD_ROUTER_DATABASE_URL": database_url,
        "LEAD_ROUTER_CODEC_KEYS": ",".join(
            f"{k}:{base64.b64encode(v).decode()}" for k, v in CODEC_KEYS.items()
        ),
        "LEAD_ROUTER_ID_KEY": ID_KEY,
    }
    return CliRunner().invoke(app, args, env=env)


def _export(address: str, lead: str, database_url: str, out: Path) -> str:
    """`lead-router history export LEAD`, to stdout and to a file."""
    printed = _cli(["history", "export", lead, "--address", address], database_url)
    assert printed.exit_code == 0, printed.output
    written = _cli(
        ["history", "export", lead, "--address", address, "--out", str(out)], database_url
    )
    assert written.exit_code == 0, written.output
    return printed.stdout


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
async def test_an_erased_lead_leaves_no_email_or_name_anywhere(
    dialect: str, lab: LabFactory, api: ApiFactory, tmp_path: Path
) -> None:
    lab_ = await lab(start_worker=False)
    await lab_.store.close()
    store = lab_.store = await _store(dialect, tmp_path)  # the lab closes it at the end
    acts = LeadActivities(store, rules_path=lab_.rules_path, companies_path=SAMPLE_COMPANIES)
    config = lab_.client.config()
    config["data_converter"] = lead_data_converter(store.lead_keys, CODEC_KEYS)
    client = lab_.client = Client(**config)
    service = await api(lab_, codec_keys=CODEC_KEYS, codec_token="codec-token")
    tag = uuid.uuid4().hex[:8]
    gone = {"email": unique_email("erasmus"), "first_name": f"Erasmus{tag}",
            "last_name": f"Vanish{tag}", "message": f"call me {tag}", "country": "US",
            "company_size": 800}  # fmt: skip
    kept = {"email": unique_email("keeper"), "first_name": f"Kept{tag}", "country": "US",
            "company_size": 800}  # fmt: skip
    personal = [gone["email"], gone["first_name"], gone["last_name"], gone["message"]]
    gone_id, kept_id = lead_id_of(gone["email"]), lead_id_of(kept["email"])

    async with build_worker(client, acts, lab_.task_queue):
        for lead in (gone, kept):
            assert (await service.forms(lead)).status_code == 202
        for lead_id in (gone_id, kept_id):
            await service.routed(lead_id)
            await _facts_recorded(store, lead_id)
        team = (await store.analytics.facts_of(gone_id)).team  # type: ignore[union-attr]

        refused = await service.http.post(f"/leads/{gone['email']}/erase")
        assert refused.status_code == 401
        erased = await service.http.post(
            f"/leads/{gone['email']}/erase?by=dpo",
            headers=BEARER,
        )
        assert erased.status_code == 200, erased.text
        assert erased.json()["lead_id"] == gone_id
        assert erased.json()["erased_by"] == "api:dpo"
        assert erased.json()["workflow"] == "terminated"

        # the API says what happened and what was kept; the other lead answers as before
        answer = await service.lead(gone_id)
        assert answer.status_code == 410
        assert "erased on request" in answer.json()["detail"] and team in answer.json()["detail"]
        assert (await service.lead(kept_id)).json()["lead_id"] == kept_id

    # no table holds the erased person; the other lead's data and the routing facts stay
    cells = await _every_cell(store)
    assert [p for p in personal if p in cells] == []
    assert kept["email"] in cells and kept["first_name"] in cells
    facts = await store.analytics.facts_of(gone_id)
    assert facts is not None and facts.team == team and facts.assigned_at is not None
    assert "erasures: " in cells and gone_id in cells

    # the history, raw, through `history export`, and opened with the codec keys
    raw = await lab_.env.client.get_workflow_handle(gone_id).fetch_history()
    raw_json = json.dumps(raw.to_json_dict())
    address = lab_.env.client.service_client.config.target_host
    gone_file, kept_file = tmp_path / "gone.json", tmp_path / "kept.json"
    exported = await asyncio.to_thread(_export, address, gone["email"], store.url, gone_file)
    await asyncio.to_thread(_export, address, kept["email"], store.url, kept_file)
    with_codec_keys = await EncryptionCodec(CODEC_KEYS).decode(
        [_as_payload(p) for p in _payloads(raw.to_json_dict())]
    )
    opened = b"".join(p.SerializeToString() for p in with_codec_keys)
    for text_seen in (raw_json, exported, gone_file.read_text()):
        assert [p for p in personal if p in text_seen] == []
    assert [p for p in personal if p.encode() in opened] == []
    encodings = [
        base64.b64decode(p["metadata"].get("encoding", "")) for p in _payloads(raw.to_json_dict())
    ]
    assert encodings.count(ENCODING) >= 5, encodings  # sealed with the lead's key
    with pytest.raises(LeadErased, match=gone_id):
        await client.data_converter.payload_codec.decode(  # type: ignore[union-attr]
            [_as_payload(_payloads(raw.to_json_dict())[0])]
        )

    # replay and backtest say the erased lead was erased, and go on with the other one
    replayed = await asyncio.to_thread(_cli, ["replay", str(gone_file), str(kept_file)], store.url)
    assert replayed.exit_code == 1, replayed.output
    [gone_line] = [line for line in replayed.stdout.splitlines() if str(gone_file) in line]
    [kept_line] = [line for line in replayed.stdout.splitlines() if str(kept_file) in line]
    assert gone_line.startswith("FAIL") and "erased on request" in gone_line, gone_line
    assert kept_line.startswith("ok"), kept_line
    backtested = await asyncio.to_thread(
        _cli,
        ["backtest", str(gone_file), str(kept_file), "--rules", str(lab_.rules_path), "--json"],
        store.url,
    )
    assert backtested.exit_code == 1, backtested.output
    report = json.loads(backtested.stdout)
    assert report["leads"] == 1, report
    assert [s for s in report["skipped"] if gone_id in s and "erased on request" in s], report

    backfilled = await asyncio.to_thread(
        _cli, ["analytics", "backfill", str(gone_file), str(kept_file)], store.url
    )
    assert backfilled.exit_code == 1, backfilled.output
    assert "backfilled 1 leads (1 skipped)" in backfilled.stdout
    assert "erased on request" in backfilled.output, backfilled.output

    # the other lead's history still opens, with its key, from the app database
    other = await lab_.env.client.get_workflow_handle(kept_id).fetch_history()
    other_payloads = [_as_payload(p) for p in _payloads(other.to_json_dict())]
    assert kept["email"] not in json.dumps(other.to_json_dict())
    decoded = await client.data_converter.payload_codec.decode(other_payloads)  # type: ignore[union-attr]
    assert kept["email"].encode() in b"".join(p.data for p in decoded)

    # the Web UI's codec server opens the other lead's payloads, leaves the erased one's sealed
    from google.protobuf import json_format

    gone_start = _payloads(raw.to_json_dict())[0]
    kept_start = json_format.MessageToDict(other_payloads[0])
    answer = await service.http.post(
        "/codec/decode", json={"payloads": [gone_start, kept_start]},
        headers={"Authorization": "Bearer codec-token"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    gone_seen, kept_seen = (base64.b64decode(p["data"]) for p in answer.json()["payloads"])
    assert kept["email"].encode() in kept_seen
    assert answer.json()["payloads"][0] == gone_start and gone["email"].encode() not in gone_seen

    # the command line: `erase` asks before it acts, then `status` and `act` say it was erased
    unasked = await asyncio.to_thread(
        _cli, ["erase", kept["email"], "--address", address], store.url
    )
    assert unasked.exit_code == 2 and "add --yes" in unasked.output
    by_cli = await asyncio.to_thread(
        _cli, ["erase", kept["email"], "--yes", "--json", "--by", "dpo", "--address", address],
        store.url,
    )  # fmt: skip
    assert by_cli.exit_code == 0, by_cli.output
    assert json.loads(by_cli.stdout)["erased_by"] == "dpo"
    for command in (["status", kept_id], ["act", kept_id, "--owner", "gita.berg"]):
        refused = await asyncio.to_thread(_cli, [*command, "--address", address], store.url)
        assert refused.exit_code == 1 and "erased on request" in refused.output, refused.output
    acted = await service.http.post(
        f"/leads/{kept_id}/actions", json={"owner_id": "gita.berg", "action": "first_touch"},
        headers=BEARER,
    )  # fmt: skip
    assert acted.status_code == 410 and "erased on request" in acted.json()["detail"]
