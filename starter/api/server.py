"""Serving the app with uvicorn, with one limit uvicorn lacks: a request must arrive whole
(its headers and its body) within `request_timeout` seconds of its first byte, or of the
connection when nothing comes. uvicorn's own keep-alive timeout only starts after a
response, so a client that never finishes its headers, or sends headers and never the
body, would otherwise hold a connection for good.

The cut is quiet (an INFO line, no traceback): a slow client is not a server error.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from starter.api.config import ApiConfig

log = logging.getLogger("lead_router.api")

_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
    b"connection: close\r\ncontent-length: 62\r\n\r\n"
    b'{"detail": "the request did not arrive whole in time; resend"}'
)
_WHOLE = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR)


class BoundedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline on each incoming request."""

    request_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self.conn.their_state is h11.IDLE:
            self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state in _WHOLE:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.conn.their_state in _WHOLE:
            return
        idle = self.conn.their_state is h11.IDLE and self.conn.our_state is h11.IDLE
        if idle and (self.cycle is None or self.cycle.response_complete):
            self.transport.write(_TIMED_OUT)  # no request in flight: say why
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        log.info("closed %s: its request did not arrive within %g s", client, self.request_timeout)
        self.transport.close()


def uvicorn_config(app: FastAPI, config: ApiConfig, host: str, port: int) -> uvicorn.Config:
    """How lead-router serves its app, wherever it runs (`api`, `up`, the tests)."""
    protocol = type(
        "BoundedH11Protocol", (BoundedH11Protocol,), {"request_timeout": config.request_timeout}
    )
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=5,
        access_log=False,
    )
