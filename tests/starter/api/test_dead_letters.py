"""A submission rejected for a missing form mapping is kept; after the mapping is fixed,
the real `lead-router dead-letters retry ID` routes it, once."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from domain.providers import PROVIDERS
from domain.providers.base import load_mappings_text
from tests.starter.api.conftest import ID_KEY, Api, ApiFactory, lead_id_of, unique_email

pytestmark = pytest.mark.asyncio(loop_scope="session")

BIN = Path(sys.executable).parent / "lead-router"
PARTNERSHIPS = {"farid.rossi", "grace.liu"}
MAPPING_YAML = """\
forms:
  partner-portal:
    fields:
      contact_email: email
      org_size: company_size
      hq: country
"""


@dataclass
class Ran:
    code: int
    out: str
    err: str


async def cli(app: Api, *args: str, mappings: Path | None = None) -> Ran:
    """Run the installed CLI against the lab's database and the session's Temporal,
    without blocking this loop (the lab's worker lives in it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAD_ROUTER_")}
    env.update(
        LEAD_ROUTER_DATABASE_URL=app.lab.store.url,
        TEMPORAL_ADDRESS=app.lab.client.service_client.config.target_host,
        LEAD_ROUTER_TASK_QUEUE=app.lab.task_queue,
        LEAD_ROUTER_ID_KEY=ID_KEY,
        DATABASE_URL="",
        COLUMNS="200",
    )
    if mappings is not None:
        env["LEAD_ROUTER_FORM_MAPPINGS"] = str(mappings)
    process = await asyncio.create_subprocess_exec(
        str(BIN), *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


async def test_fix_the_mapping_then_retry_routes_the_lead_once(
    api: ApiFactory, tmp_path: Path
) -> None:
    app = await api()
    email = unique_email("alliances", "channel-partners-co.com")
    payload = {"form_id": "partner-portal", "contact_email": email, "org_size": 1500,
               "hq": "United States", "lead_type": "partner_inquiry"}  # fmt: skip
    rejected = await app.forms(payload)
    assert rejected.status_code == 422, rejected.text
    assert rejected.json()["detail"] == [{"field": "email", "message": "is required"}]
    letter_id = rejected.json()["dead_letter_id"]

    listed = await cli(app, "dead-letters", "list", "--json")
    assert listed.code == 0, listed.err
    rows = json.loads(listed.out)
    assert [(r["id"], r["source"]) for r in rows] == [(letter_id, "forms")]
    assert "email" in rows[0]["reason"] and rows[0]["retried_at"] is None

    still_bad = await cli(app, "dead-letters", "retry", str(letter_id))
    assert still_bad.code == 1, (still_bad.out, still_bad.err)
    assert "still rejected" in still_bad.err and "email" in still_bad.err
    assert [d.id for d in await app.lab.store.dead_letters.all()] == [letter_id]

    mapping_file = tmp_path / "mappings.yaml"
    mapping_file.write_text(MAPPING_YAML)
    retried = await cli(app, "dead-letters", "retry", str(letter_id), mappings=mapping_file)
    assert retried.code == 0, (retried.out, retried.err)
    lead_id = lead_id_of(email)
    assert json.loads(retried.out) == {"lead_id": lead_id, "status": "started"}

    state = await app.routed(lead_id)
    assert state["lead_type"] == "partner_inquiry"
    assert state["team"] == "partnerships" and state["owner"] in PARTNERSHIPS
    assert len(await app.first_assignments(lead_id)) == 1
    letter = await app.lab.store.dead_letters.get(letter_id)
    assert letter is not None and letter.retried_at is not None and letter.lead_id == lead_id
    assert await app.lab.store.dead_letters.all() == []

    again = await cli(app, "dead-letters", "retry", str(letter_id), mappings=mapping_file)
    assert again.code == 2, (again.out, again.err)
    assert "already retried" in again.err and lead_id in again.err
    assert await app.lab.store.deliveries.count_by_status() == {"started": 1}
    assert len(await app.lab.store.roster.assignments_for(lead_id)) == 1
    final = await app.lead(lead_id)
    assert final.json()["resubmissions"] == []

    unknown = await cli(app, "dead-letters", "retry", str(letter_id + 1000))
    assert unknown.code == 2 and f"no dead letter {letter_id + 1000}" in unknown.err


async def test_the_service_with_the_fixed_mapping_takes_the_same_form(api: ApiFactory) -> None:
    """The fix that makes a retry work is the same fix that makes new deliveries work."""
    app = await api(mappings=load_mappings_text(MAPPING_YAML, providers=PROVIDERS))
    email = unique_email("alliances", "channel-partners-co.com")
    payload = {"form_id": "partner-portal", "contact_email": email, "lead_type": "partner_inquiry"}
    accepted = await app.forms(payload)
    assert accepted.status_code == 202, accepted.text
    state = await app.routed(accepted.json()["lead_id"])
    assert state["team"] == "partnerships"
    assert await app.lab.store.dead_letters.all(include_retried=True) == []
