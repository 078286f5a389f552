"""Connecting to Temporal with the project's data converter, tracing and TLS."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.service import TLSConfig

from starter.runtime.lead_codec import LeadKeySource, converter_for
from starter.runtime.settings import TemporalSettings
from starter.runtime.telemetry import tracing_interceptors


def _tls(settings: TemporalSettings) -> TLSConfig | bool:
    """Temporal Cloud or any TLS server: an API key, or mTLS with PEM files."""
    if settings.tls_cert and settings.tls_key:
        return TLSConfig(
            client_cert=settings.tls_cert.read_bytes(),
            client_private_key=settings.tls_key.read_bytes(),
        )
    return bool(settings.api_key)


async def connect(settings: TemporalSettings, lead_keys: LeadKeySource | None = None) -> Client:
    """A client with the project's data converter and tracing; says what to do on failure.
    With `lead_keys` (the app database's), each lead's payloads are sealed with its key."""
    try:
        return await Client.connect(
            settings.address,
            namespace=settings.namespace,
            data_converter=converter_for(lead_keys),
            interceptors=tracing_interceptors(),
            tls=_tls(settings),
            api_key=settings.api_key,
        )
    except RuntimeError as exc:
        raise ConnectionError(
            f"cannot reach Temporal at {settings.address} (namespace {settings.namespace}): "
            f"{exc}. Start it with `lead-router up`, or pass --address / set TEMPORAL_ADDRESS."
        ) from None


class ClientProvider:
    """One shared client, connected on first use and again after a failed connect,
    so a service can start (and queue leads) while Temporal is down."""

    def __init__(self, settings: TemporalSettings, lead_keys: LeadKeySource | None = None) -> None:
        self.settings = settings
        self.lead_keys = lead_keys
        self._client: Client | None = None

    async def __call__(self) -> Client:
        if self._client is None:
            self._client = await connect(self.settings, self.lead_keys)
        return self._client
