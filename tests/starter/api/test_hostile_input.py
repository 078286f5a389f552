"""Hostile and odd input (issue 20, findings 1-4 and 6-7): bytes no client library would
send, written on a raw socket to the app served by uvicorn, and deliveries shaped as the
providers document them. Never a 5xx; every authenticated delivery that cannot become a
lead is a dead letter; the size limit holds whatever the framing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.starter.api.conftest import (
    Api,
    ApiFactory,
    lead_id_of,
    now_ms,
    sign_hubspot,
    sign_ours,
    unique_email,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

FIXTURES = Path(__file__).parent / "fixtures"


async def raw_exchange(app: Api, request: bytes, *, wait: float = 10.0) -> bytes:
    """Write `request` as is and read the answer until the server closes or `wait` ends."""
    host, port = app.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), wait)
    finally:
        writer.close()


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split(b" ", 2)[1])


def post_bytes(path: str, headers: dict[str, bytes], body: bytes) -> bytes:
    lines = [f"POST {path} HTTP/1.1".encode(), b"host: testserver"]
    sent = {"content-type": b"application/json", "content-length": str(len(body)).encode()}
    for name, value in {**sent, **headers}.items():
        lines.append(name.encode() + b": " + value)
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


NON_ASCII = [  # (path, headers, the header the answer must name)
    ("/webhooks/forms", {"x-lead-router-signature": b"sha256=\xe9"}, "x-lead-router-signature"),
    ("/webhooks/typeform", {"typeform-signature": b"sha256=\xe9"}, "typeform-signature"),
    ("/webhooks/hubspot", {"x-hubspot-signature-v3": b"\xe9",
                           "x-hubspot-request-timestamp": b"TIMESTAMP"}, "x-hubspot-signature-v3"),
    ("/leads/lead-x/actions", {"authorization": b"Bearer \xe9"}, "authorization"),
    ("/webhooks/forms", {"idempotency-key": b"k\xff\xfe", "x-lead-router-signature": b"x"},
     "idempotency-key"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "headers", "named"), NON_ASCII, ids=[n for *_, n in NON_ASCII])
async def test_a_non_ascii_header_is_a_400_naming_it(
    api: ApiFactory, path: str, headers: dict[str, bytes], named: str
) -> None:
    app = await api()
    stamp = str(now_ms()).encode()
    sent = {k: v.replace(b"TIMESTAMP", stamp) for k, v in headers.items()}
    answer = await raw_exchange(app, post_bytes(path, sent, b"{}"))
    assert status_of(answer) == 400, answer
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert named in body["detail"].lower() and "ascii" in body["detail"].lower(), body
    assert await app.lab.store.dead_letters.all(include_retried=True) == []


@pytest.mark.parametrize("stamp", ["²", "١٢٣", "9" * 5000, "-5", " 12"])
async def test_a_hubspot_timestamp_that_is_not_plain_digits_is_refused(
    api: ApiFactory, stamp: str
) -> None:
    app = await api(transport="asgi")
    body = b'{"fields": []}'
    uri = f"{app.base_url}/webhooks/hubspot"
    signature = sign_hubspot(uri, body, stamp)
    response = await app.http.post(
        "/webhooks/hubspot",
        content=body,
        headers={
            "content-type": "application/json",
            "x-hubspot-request-timestamp": stamp.encode(),  # as raw UTF-8 bytes
            "x-hubspot-signature-v3": signature,
        },
    )
    assert response.status_code == (401 if stamp.isascii() else 400), response.text
    assert "x-hubspot-request-timestamp" in response.json()["detail"].lower()


def typeform_answer(field: Any, **extra: Any) -> dict[str, Any]:
    return {"form_response": {"answers": [{"type": "text", "text": "x", "field": field, **extra}]}}


ODD_TYPEFORM = [
    typeform_answer(None),
    typeform_answer(5),
    typeform_answer(["ref"]),
    typeform_answer("ref"),
    typeform_answer({"ref": 7}),
    {"form_response": {"answers": [{"type": "choices", "choices": {"labels": 5},
                                    "field": {"ref": "c"}}]}},
    {"form_response": {"answers": [{"type": "choice", "choice": [1], "field": {"ref": "c"}}]}},
    {"form_response": {"answers": [None, 3, "x"]}},
    {"form_response": {"answers": [], "hidden": [1, 2]}},
    {"form_response": {"answers": [], "definition": {"fields": "nope"}}},
    {"form_response": {"answers": [{"field": {"id": "a"}}], "definition": {"fields": [None, 4]}}},
]  # fmt: skip


@pytest.mark.parametrize("payload", ODD_TYPEFORM, ids=[str(i) for i in range(len(ODD_TYPEFORM))])
async def test_a_signed_typeform_delivery_of_any_shape_is_a_422_and_a_dead_letter(
    api: ApiFactory, payload: dict[str, Any]
) -> None:
    app = await api(transport="asgi")
    response = await app.typeform(payload)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["detail"] and all(p["field"] and p["message"] for p in answer["detail"])
    letters = await app.lab.store.dead_letters.all()
    assert [letter.id for letter in letters] == [answer["dead_letter_id"]]


async def test_a_parser_failure_of_any_kind_is_still_a_dead_letter(api: ApiFactory) -> None:
    """One path dead-letters every authenticated delivery, even one a parser trips on."""
    from domain.providers import PROVIDERS

    app = await api(transport="asgi")
    provider = PROVIDERS["forms"]

    def broken(payload: Any, mappings: Any) -> Any:
        raise KeyError("a parser bug")

    intake = app.app.state.intake
    body = b'{"email": "x@y.io"}'
    with pytest.raises(Exception) as caught:
        await intake.accept(type(provider)(**{**provider.__dict__, "parse": broken}), body)
    assert type(caught.value).__name__ == "Rejected"
    letters = await app.lab.store.dead_letters.all()
    assert len(letters) == 1 and letters[0].source == "forms"
    assert "KeyError" in letters[0].reason and letters[0].raw_body == body.decode()


async def test_typeforms_published_example_payload_is_accepted(api: ApiFactory) -> None:
    app = await api()
    email = unique_email("laura")
    text = (FIXTURES / "typeform_example_payload.json").read_text().replace("EMAIL", email)
    payload = json.loads(text)
    payload.pop("_source")
    payload["event_id"] = f"LtWXD3crgy-{email}"  # a delivery id of this test's own
    response = await app.typeform(payload)
    assert response.status_code == 202, response.text
    state = await app.routed(lead_id_of(email))
    assert state["lead_id"] == lead_id_of(email)


async def test_the_actions_endpoint_answers_401_before_reading_the_body(api: ApiFactory) -> None:
    app = await api()
    empty = await app.http.post("/leads/lead-x/actions", json={})
    assert empty.status_code == 401, empty.text
    # a chunked body far over the limit, never finished: the answer comes before its end
    head = (
        b"POST /leads/lead-x/actions HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n"
        b"transfer-encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * 16384
    chunks = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 8  # 128 KiB, no final chunk
    answer = await raw_exchange(app, head + chunks, wait=5)
    assert status_of(answer) == 413, answer[:300]


async def test_a_chunked_webhook_over_the_limit_is_413_before_its_end(api: ApiFactory) -> None:
    app = await api()
    head = (
        b"POST /webhooks/forms HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n"
        b"x-lead-router-signature: " + sign_ours(b"{}").encode() + b"\r\n"
        b"transfer-encoding: chunked\r\n\r\n"
    )
    chunk = b" " * 16384
    answer = await raw_exchange(app, head + (b"4000\r\n" + chunk + b"\r\n") * 8, wait=5)
    assert status_of(answer) == 413, answer[:300]
    assert b"64 KiB" in answer
