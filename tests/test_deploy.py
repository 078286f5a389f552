"""docker-compose.yml and the Dockerfile, checked statically (no Docker engine runs here):
services, dependencies, health checks, pinned images, and the environment the code reads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from starter.devserver import SERVER_RATES
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
OURS = ("worker", "api")


def code_env_vars() -> set[str]:
    """Every environment variable the application code reads."""
    names: set[str] = set()
    for folder in ("starter", "activities", "workflows", "domain"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            names |= set(
                re.findall(r"""["']((?:LEAD_ROUTER|TEMPORAL)_[A-Z_]+|DATABASE_URL)["']""", text)
            )
    names |= set(re.findall(r"[A-Z_]{6,}", (ROOT / "worker.py").read_text().split('"""')[1]))
    return names


def test_every_service_the_deployment_needs_is_there() -> None:
    assert set(SERVICES) == {
        "postgresql", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui",
        "migrate", "worker", "api",
    }  # fmt: skip
    assert "pgdata" in COMPOSE["volumes"]
    assert any("pgdata:" in v for v in SERVICES["postgresql"]["volumes"])


def test_dependencies_exist_and_wait_for_the_right_condition() -> None:
    for name, service in SERVICES.items():
        for dep, how in (service.get("depends_on") or {}).items():
            assert dep in SERVICES, f"{name} depends on unknown {dep}"
            condition = how["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in SERVICES[dep], f"{name} waits for {dep}'s health check"
            elif condition == "service_completed_successfully":
                assert SERVICES[dep].get("restart") == "no", f"{dep} is a one-shot job"
            else:
                pytest.fail(f"{name}: unexpected condition {condition}")
    assert SERVICES["temporal"]["depends_on"]["temporal-schema"]["condition"] == (
        "service_completed_successfully"
    )
    for ours in OURS:
        assert "temporal-namespace" in SERVICES[ours]["depends_on"]
        assert "postgresql" in SERVICES[ours]["depends_on"]


def test_the_schema_is_migrated_once_before_the_services_start() -> None:
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"  # a one-shot job
    assert migrate["image"] == SERVICES["worker"]["image"] == SERVICES["api"]["image"]
    assert migrate["depends_on"]["postgresql"]["condition"] == "service_healthy"
    url = migrate["environment"]["LEAD_ROUTER_DATABASE_URL"]
    for ours in OURS:
        assert migrate["depends_on"].keys() <= SERVICES[ours]["depends_on"].keys()
        assert SERVICES[ours]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert SERVICES[ours]["environment"]["LEAD_ROUTER_DATABASE_URL"] == url


def test_health_checks_and_pinned_images() -> None:
    for name in ("postgresql", "temporal", "api"):
        assert SERVICES[name]["healthcheck"]["test"], name
    for name, service in SERVICES.items():
        image = service.get("image", "")
        if "build" in service:
            continue
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", image), f"{name}: image {image!r} is not pinned"
        assert not image.endswith(":latest")


def test_workers_scale_out() -> None:
    worker = SERVICES["worker"]
    assert "container_name" not in worker and "ports" not in worker  # --scale worker=N works
    assert worker["command"] == ["worker"]
    assert SERVICES["api"]["command"][0] == "api"


def test_our_services_set_only_variables_the_code_reads() -> None:
    read = code_env_vars()
    for name in OURS:
        env = SERVICES[name]["environment"]
        unknown = sorted(k for k in env if k != "<<" and k not in read)
        assert not unknown, f"{name} sets variables nothing reads: {unknown}"
        assert env.get("TEMPORAL_NAMESPACE") == "lead-router"
        assert env["LEAD_ROUTER_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert env["LEAD_ROUTER_CODEC_KEYS"], "encryption is on in the deployment"
    api = SERVICES["api"]["environment"]
    for secret in ("LEAD_ROUTER_WEBHOOK_SECRET", "LEAD_ROUTER_HUBSPOT_SECRET",
                   "LEAD_ROUTER_TYPEFORM_SECRET", "LEAD_ROUTER_CODEC_TOKEN"):  # fmt: skip
        assert api.get(secret), secret
    ui = SERVICES["temporal-ui"]["environment"]
    assert api["LEAD_ROUTER_CODEC_CORS_ORIGIN"] == "http://localhost:8080"
    assert ui["TEMPORAL_CODEC_ENDPOINT"] == "http://localhost:8000/codec"


def test_namespace_job_creates_every_search_attribute() -> None:
    command = " ".join(SERVICES["temporal-namespace"]["command"])
    assert "--retention" in command
    for key in SEARCH_ATTRIBUTES:
        kind = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "INT": "Int"}[
            key.indexed_value_type.name
        ]
        assert f"--name {key.name} --type {kind}" in command, key.name


def test_dockerfile_is_multi_stage_and_runs_the_cli() -> None:
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", text, flags=re.M)
    assert len(stages) >= 2 and all(":" in s and "latest" not in s for s in stages)
    assert "COPY --from=build" in text
    assert 'ENTRYPOINT ["lead-router"]' in text
    assert "USER " in text  # not root
    for package in ("domain", "activities", "workflows", "starter"):
        assert f"COPY {package} " in text


def test_the_server_reads_its_queues_as_fast_as_the_embedded_one() -> None:
    temporal = SERVICES["temporal"]
    path = temporal["environment"]["DYNAMIC_CONFIG_FILE_PATH"]
    mounts = dict(v.rsplit(":", 1)[0].split(":", 1) for v in temporal["volumes"])
    local = next(src for src, dst in mounts.items() if dst == f"/etc/temporal/{path}")
    config = yaml.safe_load((ROOT / local).read_text())
    assert {key: values[0]["value"] for key, values in config.items()} == SERVER_RATES
