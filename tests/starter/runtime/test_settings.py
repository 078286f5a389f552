"""Settings: one module reads the environment, and the README documents every variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from starter.runtime.settings import DEFAULT_DATABASE, Settings, environment_variables

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = ROOT / "starter" / "runtime" / "settings.py"
# reading a variable, as opposed to handing the environment on to a child process
READS = re.compile(r"os\.environ\.get\(|os\.getenv\(|os\.environ\[|environ\.get\(")


def readme_variables() -> set[str]:
    text = (ROOT / "README.md").read_text()
    table = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            first_column = line.split("|")[1]
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_column))
    return names


def test_the_readme_table_lists_exactly_the_variables_the_settings_read() -> None:
    documented = readme_variables()
    read = environment_variables()
    assert documented - read == set(), "in the README but read by nothing"
    assert read - documented == set(), "read by the settings but not in the README"


def test_nothing_else_reads_the_environment() -> None:
    offenders = []
    for folder in ("domain", "activities", "workflows", "starter"):
        for path in (ROOT / folder).rglob("*.py"):
            if path != SETTINGS and READS.search(path.read_text()):
                offenders.append(str(path.relative_to(ROOT)))
    if READS.search((ROOT / "worker.py").read_text()):
        offenders.append("worker.py")
    assert offenders == []


def test_defaults_work_on_a_fresh_clone(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in environment_variables():
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.temporal.address == "localhost:7233"
    assert settings.temporal.task_queue == "lead-router"
    assert settings.database.url == str(DEFAULT_DATABASE) and not settings.database.configured
    assert settings.routing.rules_path.is_file() and settings.routing.companies_path.is_file()
    assert settings.api.webhook_secret is None and settings.api.dedupe_window_seconds == 600


def test_variables_reach_their_group_and_empty_counts_as_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LEAD_ROUTER_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://x@db/lr")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal:7233")
    monkeypatch.setenv("LEAD_ROUTER_HUBSPOT_SECRET", "")
    monkeypatch.setenv("LEAD_ROUTER_MAX_CACHED_WORKFLOWS", "25")
    settings = Settings()
    assert settings.database.url == "postgresql+asyncpg://x@db/lr" and settings.database.configured
    assert settings.temporal.address == "temporal:7233"
    assert settings.temporal.max_cached_workflows == 25
    assert settings.api.hubspot_secret is None


def test_command_line_options_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal:7233")
    monkeypatch.setenv("TEMPORAL_NAMESPACE", "leads")
    settings = Settings().with_temporal("elsewhere:7233").with_database("/tmp/x.db")
    assert settings.temporal.address == "elsewhere:7233"
    assert settings.temporal.namespace == "leads"  # not given: the environment's
    assert settings.database.url == "/tmp/x.db"
    assert Settings().with_temporal(None).temporal.address == "temporal:7233"


def test_a_bad_value_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAD_ROUTER_DEDUPE_WINDOW_SECONDS", "ten minutes")
    with pytest.raises(ValueError, match="LEAD_ROUTER_DEDUPE_WINDOW_SECONDS"):
        Settings()


def test_one_crm_at_a_time_and_salesforce_needs_its_instance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from starter.runtime.crm import crm_client, status_actions
    from starter.runtime.settings import CrmSettings

    monkeypatch.setenv("LEAD_ROUTER_SALESFORCE_CLIENT_ID", "3MVG9key")
    with pytest.raises(ValueError, match="without LEAD_ROUTER_SALESFORCE_INSTANCE_URL"):
        CrmSettings()
    monkeypatch.setenv("LEAD_ROUTER_SALESFORCE_INSTANCE_URL", "https://acme.my.salesforce.com")
    monkeypatch.setenv("LEAD_ROUTER_SALESFORCE_LEAD_STATUS_ACTIONS", "Working=first_touch")
    crm = CrmSettings()
    client = crm_client(crm)
    assert crm.crm == "salesforce" and client is not None and client.crm == "salesforce"
    assert status_actions(crm, "salesforce") == {"Working": "first_touch"}
    assert "CONNECTED" in status_actions(crm, "hubspot")  # HubSpot's defaults, untouched
    monkeypatch.setenv("LEAD_ROUTER_SALESFORCE_LEAD_STATUS_ACTIONS", "Working=called")
    with pytest.raises(ValueError, match="LEAD_ROUTER_SALESFORCE_LEAD_STATUS_ACTIONS: 'Working"):
        status_actions(CrmSettings(), "salesforce")
    monkeypatch.setenv("LEAD_ROUTER_HUBSPOT_TOKEN", "pat-na1-x")
    with pytest.raises(ValueError, match="both set: lead-router writes owners to one CRM"):
        CrmSettings()
