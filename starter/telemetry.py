"""OpenTelemetry set-up: the exporter is chosen by LEAD_ROUTER_OTEL_EXPORTER."""

from __future__ import annotations

import importlib
import os

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from temporalio.contrib.opentelemetry import TracingInterceptor

_configured = False


def _exporter(kind: str) -> SpanExporter | None:
    if kind == "console":
        return ConsoleSpanExporter()
    if kind == "otlp":
        try:
            module = importlib.import_module(
                "opentelemetry.exporter.otlp.proto.http.trace_exporter"
            )
        except ImportError:
            raise SystemExit(
                "LEAD_ROUTER_OTEL_EXPORTER=otlp needs the OTLP exporter: "
                "pip install opentelemetry-exporter-otlp-proto-http"
            ) from None
        exporter: SpanExporter = module.OTLPSpanExporter()
        return exporter
    if kind in ("", "none"):
        return None
    raise SystemExit(f"LEAD_ROUTER_OTEL_EXPORTER={kind!r}: use none, console or otlp")


def tracing_interceptor(service: str = "lead-router") -> TracingInterceptor:
    """The SDK's tracing interceptor, with a tracer provider set up once per process."""
    global _configured
    if not _configured:
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        exporter = _exporter(os.environ.get("LEAD_ROUTER_OTEL_EXPORTER", "none").lower())
        if exporter is not None:
            provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        _configured = True
    return TracingInterceptor()


def shutdown_tracing() -> None:
    """Flush spans still buffered (the CLI exits without interpreter teardown)."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.shutdown()
