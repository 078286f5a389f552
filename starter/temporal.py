"""Connecting to Temporal, and the names lead workflows go by."""

from __future__ import annotations

import os
from pathlib import Path

from temporalio.client import Client
from temporalio.service import TLSConfig

from starter.codec import data_converter
from starter.telemetry import tracing_interceptors


def _tls() -> tuple[TLSConfig | bool, str | None]:
    """Temporal Cloud or any TLS server: TEMPORAL_API_KEY, or mTLS with
    TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (PEM files)."""
    api_key = os.environ.get("TEMPORAL_API_KEY") or None
    cert, key = os.environ.get("TEMPORAL_TLS_CERT"), os.environ.get("TEMPORAL_TLS_KEY")
    if cert and key:
        return TLSConfig(
            client_cert=Path(cert).read_bytes(), client_private_key=Path(key).read_bytes()
        ), api_key
    return bool(api_key), api_key


async def connect(address: str, namespace: str = "default") -> Client:
    """A client with the project's data converter and tracing; says what to do on failure."""
    tls, api_key = _tls()
    try:
        return await Client.connect(
            address,
            namespace=namespace,
            data_converter=data_converter(),
            interceptors=tracing_interceptors(),
            tls=tls,
            api_key=api_key,
        )
    except RuntimeError as exc:
        raise ConnectionError(
            f"cannot reach Temporal at {address} (namespace {namespace}): {exc}. "
            "Start it with `lead-router up`, or pass --address / set TEMPORAL_ADDRESS."
        ) from None


class ClientProvider:
    """One shared client, connected on first use and again after a failed connect,
    so a service can start (and queue leads) while Temporal is down."""

    def __init__(self, address: str, namespace: str = "default") -> None:
        self.address = address
        self.namespace = namespace
        self._client: Client | None = None

    async def __call__(self) -> Client:
        if self._client is None:
            self._client = await connect(self.address, self.namespace)
        return self._client
