"""Incomplete requests (issue 20, finding 5): a connection that never finishes its headers,
or sends headers and never the body, is closed after the configured request timeout; a
client that leaves mid-body leaves no error in the logs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from tests.starter.api.conftest import Api, ApiFactory, sign_ours

pytestmark = pytest.mark.asyncio(loop_scope="session")

TIMEOUT = 1.0  # the request timeout these tests configure
BOUND = 8.0  # how long a test waits for the server to close, at most


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[Errors]:
    """ERROR records from uvicorn (which does not propagate to the root) and from us."""
    handler = Errors()
    loggers = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.error", "lead_router")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


async def held(app: Api, first: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = app.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(first)
    await writer.drain()
    return reader, writer


async def closed_after(reader: asyncio.StreamReader) -> tuple[bytes, float]:
    """What the server sent until it closed, and when it closed (seconds from now)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    received = await asyncio.wait_for(reader.read(), BOUND)  # to EOF: the server closed
    return received, loop.time() - started


HEADERS_ONLY = (
    b"POST /webhooks/forms HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n"
    b"content-length: 100\r\nx-lead-router-signature: " + sign_ours(b"x" * 100).encode() + b"\r\n"
    b"\r\n" + b'{"email": '
)
STALLS = {
    "nothing sent": b"",
    "headers never finished": b"POST /webhooks/forms HTTP/1.1\r\nhost: t\r\ncontent-",
    "body never finished": HEADERS_ONLY,
}


@pytest.mark.parametrize("first", STALLS.values(), ids=STALLS.keys())
async def test_a_stalled_request_is_closed_after_the_timeout(
    api: ApiFactory, errors: Errors, first: bytes
) -> None:
    app = await api(request_timeout=TIMEOUT)
    reader, writer = await held(app, first)
    try:
        received, after = await closed_after(reader)
    finally:
        writer.close()
    assert TIMEOUT * 0.8 <= after < TIMEOUT + 5, after
    if first != HEADERS_ONLY:  # no request in flight: the server says why it closed
        assert received.startswith(b"HTTP/1.1 408"), received
    assert errors.records == []


async def test_twenty_stalled_connections_are_all_closed(api: ApiFactory) -> None:
    app = await api(request_timeout=TIMEOUT)
    connections = [await held(app, STALLS["headers never finished"]) for _ in range(20)]
    try:
        results = await asyncio.gather(*(closed_after(r) for r, _ in connections))
    finally:
        for _, writer in connections:
            writer.close()
    assert all(after < TIMEOUT + 5 for _, after in results)
    healthy = await app.http.get("/healthz")  # and the service still answers
    assert healthy.status_code == 200


async def test_a_client_gone_mid_body_logs_no_error(api: ApiFactory, errors: Errors) -> None:
    app = await api()
    chunked = (
        b"POST /webhooks/forms HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n"
        b"transfer-encoding: chunked\r\n\r\n" + b"4000\r\n" + b" " * 9000
    )
    for path, first in (("/webhooks/forms", HEADERS_ONLY), ("/leads/lead-x/actions", HEADERS_ONLY),
                        ("/webhooks/forms", chunked), ("/leads/lead-x/actions", chunked)):  # fmt: skip
        head = first.replace(b"/webhooks/forms", path.encode())
        _, writer = await held(app, head)
        await asyncio.sleep(0.2)  # the route is waiting for the rest of the body
        writer.close()
        await writer.wait_closed()
    await asyncio.sleep(0.3)  # let the server notice the disconnects
    assert errors.records == [], [r.getMessage() for r in errors.records]
    healthy = await app.http.get("/healthz")
    assert healthy.status_code == 200


async def test_a_slow_request_within_the_timeout_is_served(api: ApiFactory) -> None:
    app = await api(request_timeout=3.0)
    body = b'{"email": "slow@example.com"}'
    head = (
        b"POST /webhooks/forms HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n"
        b"x-lead-router-signature: " + sign_ours(body).encode() + b"\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    reader, writer = await held(app, head)
    try:
        await asyncio.sleep(0.5)
        writer.write(body)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(4096), BOUND)
    finally:
        writer.close()
    assert answer.startswith((b"HTTP/1.1 202", b"HTTP/1.1 200")), answer
