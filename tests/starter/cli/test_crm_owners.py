"""`lead-router crm owners` against the fake HubSpot's owners API on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import yaml
from typer.testing import CliRunner

from starter.cli.main import app
from starter.runtime.settings import DEFAULT_RULES
from tests.fakes.http import FakeCrm
from tests.fakes.hubspot import TOKEN, FakeHubSpot, give_crm_ids
from tests.fakes.salesforce import CLIENT_ID as SF_CLIENT_ID
from tests.fakes.salesforce import CLIENT_SECRET as SF_CLIENT_SECRET
from tests.fakes.salesforce import FakeSalesforce, give_salesforce_ids
from tests.helpers import set_member

Fake = TypeVar("Fake", bound=FakeCrm)


def in_thread(fake: Fake) -> Iterator[Fake]:
    """The fake on its own event loop in a thread: the command runs its own loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(timeout=10)
    yield fake
    asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)


@pytest.fixture
def hubspot() -> Iterator[FakeHubSpot]:
    yield from in_thread(FakeHubSpot())


def test_owners_lists_the_crm_beside_the_roster_and_flags_bad_ids(
    hubspot: FakeHubSpot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = yaml.safe_load(DEFAULT_RULES.read_text())
    hubspot.owners = give_crm_ids(data)
    set_member(data, "gita.berg", hubspot_owner_id=None)
    set_member(data, "hana.schmidt", hubspot_owner_id="4040")  # deleted in HubSpot
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("LEAD_ROUTER_HUBSPOT_TOKEN", TOKEN)
    monkeypatch.setenv("LEAD_ROUTER_HUBSPOT_API_URL", hubspot.url)
    result = CliRunner().invoke(app, ["crm", "owners", "--rules", str(rules), "--json"])
    assert result.exit_code == 1, result.output
    rows = {r["member"] or r["crm_email"]: r for r in json.loads(result.output)}
    assert rows["gita.berg"]["problem"] == "no hubspot_owner_id"
    assert rows["hana.schmidt"]["problem"] == "hubspot has no active owner 4040"
    assert rows["felix.alvarez"]["problem"] == "" and rows["felix.alvarez"]["crm_name"]
    assert rows["gita.berg@example.com"]["problem"] == "not in the roster"
    assert [r.path.split("?")[0] for r in hubspot.requests] == ["/crm/owners/2026-03/"]
    hubspot.down = True
    down = CliRunner().invoke(app, ["crm", "owners", "--rules", str(rules)])
    assert (
        down.exit_code == 2
        and "cannot list the hubspot owners: hubspot answered 503" in down.output
    )


@pytest.fixture
def salesforce() -> Iterator[FakeSalesforce]:
    yield from in_thread(FakeSalesforce(page_size=3))


def test_owners_lists_the_salesforce_users_by_soql(
    salesforce: FakeSalesforce, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = yaml.safe_load(DEFAULT_RULES.read_text())
    salesforce.users = give_salesforce_ids(data)  # the roster's 15-character ids
    set_member(data, "gita.berg", salesforce_user_id=None)
    set_member(data, "hana.schmidt", salesforce_user_id="005000000000404")  # deactivated
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("LEAD_ROUTER_SALESFORCE_INSTANCE_URL", salesforce.url)
    monkeypatch.setenv("LEAD_ROUTER_SALESFORCE_CLIENT_ID", SF_CLIENT_ID)
    monkeypatch.setenv("LEAD_ROUTER_SALESFORCE_CLIENT_SECRET", SF_CLIENT_SECRET)
    result = CliRunner().invoke(app, ["crm", "owners", "--rules", str(rules), "--json"])
    assert result.exit_code == 1, result.output
    rows = {r["member"] or r["crm_email"]: r for r in json.loads(result.output)}
    assert rows["gita.berg"]["problem"] == "no salesforce_user_id"
    assert rows["hana.schmidt"]["problem"] == "salesforce has no active user 005000000000404"
    assert rows["felix.alvarez"]["problem"] == "" and rows["felix.alvarez"]["crm_name"]
    assert rows["gita.berg@example.com"]["problem"] == "not in the roster"
    queries = [r.path for r in salesforce.requests if "/query" in r.path]
    assert "FROM%20User" in queries[0] and len(queries) > 1  # paged by nextRecordsUrl


def test_two_crms_configured_is_an_error_naming_both_variables() -> None:
    env = {**os.environ, "LEAD_ROUTER_HUBSPOT_TOKEN": TOKEN,
           "LEAD_ROUTER_SALESFORCE_CLIENT_ID": SF_CLIENT_ID,
           "LEAD_ROUTER_SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com"}  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-c", "from starter.cli.main import main; main()", "crm", "owners"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert (
        "LEAD_ROUTER_HUBSPOT_TOKEN and LEAD_ROUTER_SALESFORCE_CLIENT_ID are both set" in run.stderr
    )
    assert "Traceback" not in run.stderr
