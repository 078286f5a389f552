"""Tracing is on only when spans go somewhere."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from temporalio.contrib.opentelemetry import TracingInterceptor

from starter.runtime import telemetry


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telemetry, "_interceptors", None)
    monkeypatch.setattr(trace, "set_tracer_provider", lambda provider: None)


def test_no_exporter_no_interceptor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEAD_ROUTER_OTEL_EXPORTER", raising=False)
    assert telemetry.tracing_interceptors() == []


def test_console_exporter_traces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAD_ROUTER_OTEL_EXPORTER", "console")
    interceptors = telemetry.tracing_interceptors()
    assert len(interceptors) == 1 and isinstance(interceptors[0], TracingInterceptor)
    assert telemetry.tracing_interceptors() is interceptors  # set up once per process


def test_unknown_exporter_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAD_ROUTER_OTEL_EXPORTER", "jaeger")
    with pytest.raises(SystemExit, match="'jaeger'"):
        telemetry.tracing_interceptors()
