"""The HTTP service for real: the FastAPI app served by uvicorn on loopback (or in-process
through httpx's ASGI transport), a lab's SQLite store and worker on the session's Temporal.

Signatures here are computed from the providers' documented schemes, not with the code
under test, so a test that signs with them checks `domain/signatures.py` too.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest_asyncio
import uvicorn
from fastapi import FastAPI
from temporalio.client import Client

from activities.database.tables import AssignmentRow
from starter.api.app import create_app
from starter.api.config import ApiConfig
from starter.api.server import uvicorn_config
from starter.intake import ClientSource
from tests.workflows.conftest import Lab, LabFactory, env, lab  # noqa: F401

WEBHOOK_SECRET = "generic-webhook-secret-for-tests"
HUBSPOT_SECRET = "hubspot-app-client-secret-for-tests"
TYPEFORM_SECRET = "typeform-webhook-secret-for-tests"
API_TOKEN = "owner-actions-token-for-tests"
BEARER = {"authorization": f"Bearer {API_TOKEN}"}  # what scripts send
ID_KEY = "api-tests-id-key"
UI_URL = "http://127.0.0.1:8233"

ENTERPRISE_US_EAST = {"wen.fischer", "xavier.nakamura", "yara.moreau"}
ENTERPRISE_EMEA = {"zane.ivanova", "aiko.kim"}
MM_US_WEST = {"diego.novak", "esme.okafor"}
MM_US_EAST = {"felix.alvarez", "gita.berg", "hana.schmidt"}


def lead_id_of(email: str, key: str = ID_KEY) -> str:
    """A lead's id as documented: a keyed SHA-256 of the normalized email, 24 hex digits."""
    digest = hmac.new(key.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()
    return f"lead-{digest[:24]}"


def unique_email(local: str = "buyer", domain: str = "northbeam-systems.com") -> str:
    """An address no other test uses: every lead's workflow id derives from its email."""
    return f"{local}.{uuid.uuid4().hex[:10]}@{domain}"


def sign_ours(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign_typeform(body: bytes, secret: str = TYPEFORM_SECRET) -> str:
    mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode()


def sign_hubspot(uri: str, body: bytes, timestamp: str, secret: str = HUBSPOT_SECRET) -> str:
    message = b"POST" + uri.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def now_ms() -> int:
    return int(time.time() * 1000)


def as_body(payload: Any) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


class _QuietServer(uvicorn.Server):
    """uvicorn without its signal handlers: the test run owns Ctrl-C."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Api:
    """One app under test: its config, its lab, and an HTTP client pointed at it."""

    lab: Lab
    app: FastAPI
    config: ApiConfig
    http: httpx.AsyncClient
    base_url: str
    server: _QuietServer | None = None
    task: asyncio.Task[None] | None = None

    async def post(
        self, path: str, body: bytes, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        sent = {"content-type": "application/json", **(headers or {})}
        return await self.http.post(path, content=body, headers=sent)

    async def forms(
        self,
        payload: Any,
        *,
        signature: str | None = "good",
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body = as_body(payload)
        sent: dict[str, str] = {}
        if signature is not None:
            sent["x-lead-router-signature"] = sign_ours(body) if signature == "good" else signature
        if idempotency_key is not None:
            sent["idempotency-key"] = idempotency_key
        return await self.post("/webhooks/forms", body, {**sent, **(headers or {})})

    async def hubspot(
        self,
        payload: Any,
        *,
        timestamp: int | None = None,
        signed_uri: str | None = None,
        path: str = "/webhooks/hubspot",
        signature: str | None = "good",
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        body = as_body(payload)
        stamp = str(now_ms() if timestamp is None else timestamp)
        uri = signed_uri or f"{self.base_url}{path}"
        sent = {"x-hubspot-request-timestamp": stamp}
        if signature is not None:
            sent["x-hubspot-signature-v3"] = (
                sign_hubspot(uri, body, stamp) if signature == "good" else signature
            )
        if idempotency_key is not None:
            sent["idempotency-key"] = idempotency_key
        return await self.post(path, body, sent)

    async def typeform(
        self, payload: Any, *, signature: str | None = "good", idempotency_key: str | None = None
    ) -> httpx.Response:
        body = as_body(payload)
        sent: dict[str, str] = {}
        if signature is not None:
            sent["typeform-signature"] = sign_typeform(body) if signature == "good" else signature
        if idempotency_key is not None:
            sent["idempotency-key"] = idempotency_key
        return await self.post("/webhooks/typeform", body, sent)

    async def lead(self, lead_id: str) -> httpx.Response:
        return await self.http.get(f"/leads/{lead_id}")

    async def until(
        self, lead_id: str, check: Callable[[dict[str, Any]], bool], timeout: float = 20.0
    ) -> dict[str, Any]:
        """Poll GET /leads/{id} until `check` holds; fail with the last answer."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            answer = await self.lead(lead_id)
            state = answer.json() if answer.status_code == 200 else {}
            if check(state):
                return state
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(
                    f"{lead_id}: condition not reached; last answer: {answer.text}"
                )
            await asyncio.sleep(0.05)

    async def routed(self, lead_id: str, timeout: float = 20.0) -> dict[str, Any]:
        return await self.until(
            lead_id,
            lambda s: (
                s.get("status") not in (None, "routing", "queued") and bool(s.get("decisions"))
            ),
            timeout,
        )

    async def first_assignments(self, lead_id: str) -> list[AssignmentRow]:
        return [
            row for row in await self.lab.store.roster.assignments_for(lead_id) if row.step == 0
        ]


ApiFactory = Callable[..., Awaitable[Api]]


def base_config(lab_: Lab, **changes: Any) -> ApiConfig:
    config = ApiConfig(
        task_queue=lab_.task_queue,
        id_key=ID_KEY,
        webhook_secret=WEBHOOK_SECRET,
        hubspot_secret=HUBSPOT_SECRET,
        typeform_secret=TYPEFORM_SECRET,
        api_token=API_TOKEN,
        ui_url=UI_URL,
    )
    return replace(config, **changes)


async def serve(app: FastAPI, config: ApiConfig) -> tuple[_QuietServer, asyncio.Task[None], str]:
    """Run uvicorn as lead-router configures it, in this event loop, on a loopback port
    the kernel picked."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = _QuietServer(uvicorn_config(app, config, "127.0.0.1", port))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    deadline = asyncio.get_running_loop().time() + 10
    while not server.started:
        if task.done():
            task.result()
            raise AssertionError("uvicorn exited before it started")
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("uvicorn did not start within 10 s")
        await asyncio.sleep(0.01)
    return server, task, f"http://127.0.0.1:{port}"


@pytest_asyncio.fixture(loop_scope="session")
async def api(lab: LabFactory) -> AsyncIterator[ApiFactory]:  # noqa: F811
    """Build the app for a lab (a new one unless given) and serve it.

    `transport="uvicorn"` (default) serves over real HTTP on loopback with the app's
    lifespan (and so its outbox drainer); `transport="asgi"` calls the app in-process.
    """
    made: list[Api] = []

    async def make(
        lab_: Lab | None = None,
        *,
        transport: str = "uvicorn",
        client_source: ClientSource | None = None,
        **changes: Any,
    ) -> Api:
        the_lab = lab_ or await lab()

        async def lab_client() -> Client:
            return the_lab.client

        config = base_config(the_lab, **changes)
        app = create_app(config, the_lab.store, client_source or lab_client)
        if transport == "asgi":
            base = "http://testserver"
            http = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                base_url=base,
                timeout=60,
            )
            one = Api(the_lab, app, config, http, base)
        else:
            server, task, base = await serve(app, config)
            http = httpx.AsyncClient(base_url=base, timeout=60)
            one = Api(the_lab, app, config, http, base, server, task)
        made.append(one)
        return one

    yield make
    for one in reversed(made):
        await one.http.aclose()
        if one.server is not None and one.task is not None:
            one.server.should_exit = True
            await one.task
