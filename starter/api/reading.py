"""How every request is read, before any route sees it: one rule for the headers
lead-router reads (ASCII only, else 400 naming the header) and one body reader that
stops at the size limit whatever the framing (`Content-Length` or chunked), so an
unauthenticated sender can never make the service hold more than the limit.

A pure ASGI middleware: it reads the body itself (at most `MAX_BODY` bytes) and hands the
route the bytes it read. A client gone mid-body is not an error: nothing is answered.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.providers import PROVIDERS

MAX_BODY = 64 * 1024

log = logging.getLogger("lead_router.api")

# every header a route reads; a value outside ASCII cannot be a signature, a token or a key
READ_HEADERS = frozenset(
    {
        "authorization",
        "content-type",
        "idempotency-key",
        *(h.lower() for p in PROVIDERS.values() for h in p.signature_headers),
    }
)


def _header_problem(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    for raw_name, value in headers:
        name = raw_name.decode("latin-1").lower()
        if name in READ_HEADERS and not value.isascii():
            return f"header {name}: only ASCII characters are allowed; send it as the provider documents it"
    return None


async def _answer(send: Send, status: int, detail: str) -> None:
    """A JSON error, sent at once. The rest of a refused body is discarded as it arrives
    (never kept), so a client that sends it all still reads this answer; one that never
    finishes is cut off by the server's request timeout (`starter/api/server.py`)."""
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestReader:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _header_problem(scope["headers"])
        if problem:
            await _answer(send, 400, problem)
            return
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        too_big = f"body over {self.max_body // 1024} KiB"
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body:
            await _answer(send, 413, too_big)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                log.info("%s: the client left before sending the whole body", scope["path"])
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _answer(send, 413, too_big)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    given = False

    async def replayed() -> Message:
        nonlocal given
        if given:
            return await receive()  # after the body: only the disconnect is left to wait for
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
