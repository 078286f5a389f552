"""Every class of bad input: 422 with one entry per bad field (and a dead letter), 401
for a bad signature (no dead letter), 413 over 64 KiB, 415 for another content type."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.starter.api.conftest import Api, ApiFactory, as_body, sign_ours, unique_email

pytestmark = pytest.mark.asyncio(loop_scope="session")

KIB_64 = 64 * 1024


def answers(email: Any) -> list[dict[str, Any]]:
    return [{"type": "email", "email": email, "field": {"id": "e", "type": "email", "ref": "e"}}]


# (endpoint, body, the bad fields named in the answer, words the message must contain)
REJECTIONS = [
    ("forms", {"company": "Initech", "first_name": "Peter"}, ["email"], "required"),
    ("forms", {"email": "peter at initech"}, ["email"], "not a valid email"),
    ("forms", {"email": ""}, ["email"], "required"),
    ("forms", {"email": 42}, ["email"], "string"),
    ("forms", b'{"email": "a@b.io",', None, "JSON"),
    ("forms", b"email=a@b.io&company=Initech", None, "JSON"),
    ("forms", [{"email": "a@b.io"}], ["body"], "JSON object"),
    ("forms", {"email": "a@b.io", "form_id": 7}, ["form_id"], "string"),
    ("forms", b"\xff\xfe{}", None, "UTF-8"),
    ("hubspot", {"formId": "f", "fields": {"email": "a@b.io"}}, ["fields"], "list"),
    ("hubspot", {"formId": "f"}, ["fields"], "list"),
    ("hubspot", {"fields": [{"name": "email", "value": "nope"}]}, ["email"], "not a valid email"),
    ("hubspot", {"fields": [{"value": "a@b.io"}, {"name": "company", "value": "X"}, 3]},
     ["fields[0]", "fields[2]"], "name"),
    ("hubspot", [1, 2], ["body"], "JSON object"),
    ("typeform", {"event_id": "e1", "event_type": "ping"}, ["form_response"], "form_response"),
    ("typeform", {"form_response": {"answers": "a@b.io"}}, ["form_response.answers"], "list"),
    ("typeform", {"form_response": {"answers": answers(None)}}, ["email"], "required"),
    ("typeform", {"form_response": {"answers": [{"type": "text", "text": "x"}, {"field": {}}]}},
     ["form_response.answers[0].field.ref", "form_response.answers[1].field.ref"], "missing"),
    ("typeform", "just a string", ["body"], "JSON object"),
]  # fmt: skip


async def post(app: Api, endpoint: str, body: bytes) -> Any:
    return await getattr(app, endpoint)(body)


@pytest.mark.parametrize(
    ("endpoint", "payload", "fields", "words"),
    REJECTIONS,
    ids=[f"{r[0]}-{i}" for i, r in enumerate(REJECTIONS)],
)
async def test_a_rejected_submission_is_a_422_and_a_dead_letter(
    api: ApiFactory, endpoint: str, payload: Any, fields: list[str] | None, words: str
) -> None:
    app = await api(transport="asgi")
    body = as_body(payload)
    response = await post(app, endpoint, body)
    assert response.status_code == 422, response.text
    answer = response.json()
    problems = answer["detail"]
    if fields is None:  # the body itself is unreadable: exactly one entry says so
        assert len(problems) == 1, problems
    else:
        assert [p["field"] for p in problems] == fields
    assert all(words.lower() in p["message"].lower() for p in problems), problems
    letters = await app.lab.store.dead_letters.all()
    assert [letter.id for letter in letters] == [answer["dead_letter_id"]]
    letter = letters[0]
    assert letter.source == endpoint
    assert letter.raw_body == body.decode("utf-8", "replace")
    assert letter.retried_at is None and letter.lead_id is None
    for problem in problems:
        assert problem["field"] in letter.reason


async def test_bad_or_missing_signatures_are_401_and_never_dead_lettered(api: ApiFactory) -> None:
    app = await api(transport="asgi")
    body = as_body({"company": "no email here"})  # would be a 422 if it were signed
    for endpoint in ("forms", "hubspot", "typeform"):
        for signature in (None, "sha256=deadbeef", "garbage"):
            response = await getattr(app, endpoint)(body, signature=signature)
            assert response.status_code == 401, (endpoint, signature, response.text)
    assert await app.lab.store.dead_letters.all(include_retried=True) == []
    signed = await app.forms(body)
    assert signed.status_code == 422
    assert len(await app.lab.store.dead_letters.all()) == 1


def padded(email: str, size: int) -> bytes:
    """A valid submission padded with an ignored field to exactly `size` bytes."""
    base = {"email": email, "padding": ""}
    filler = size - len(json.dumps(base).encode())
    body = json.dumps({**base, "padding": "x" * filler}).encode()
    assert len(body) == size
    return body


async def test_a_body_over_64_kib_is_413_with_a_content_length(api: ApiFactory) -> None:
    app = await api()
    body = padded(unique_email(), KIB_64 + 1)
    response = await app.forms(body)
    assert response.status_code == 413, response.text
    assert "64 KiB" in response.json()["detail"]
    just_fits = await app.forms(padded(unique_email(), KIB_64))
    assert just_fits.status_code == 202, just_fits.text
    assert await app.lab.store.deliveries.count_by_status() == {"started": 1}


async def test_a_chunked_body_over_64_kib_is_413(api: ApiFactory) -> None:
    app = await api()
    body = padded(unique_email(), 3 * KIB_64)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    request = app.http.build_request(
        "POST",
        "/webhooks/forms",
        content=chunks(),
        headers={"content-type": "application/json", "x-lead-router-signature": sign_ours(body)},
    )
    assert request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in request.headers
    response = await app.http.send(request)
    assert response.status_code == 413, response.text
    assert await app.lab.store.deliveries.count_by_status() == {}

    small = padded(unique_email(), 2000)

    async def small_chunks() -> AsyncIterator[bytes]:
        yield small[:1000]
        yield small[1000:]

    fits = await app.http.post(
        "/webhooks/forms",
        content=small_chunks(),
        headers={"content-type": "application/json", "x-lead-router-signature": sign_ours(small)},
    )
    assert fits.status_code == 202, fits.text


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
async def test_another_content_type_is_415(api: ApiFactory, content_type: str | None) -> None:
    app = await api(transport="asgi")
    body = as_body({"email": unique_email()})
    headers = {"x-lead-router-signature": sign_ours(body)}
    if content_type is not None:
        headers["content-type"] = content_type
    request = app.http.build_request("POST", "/webhooks/forms", content=body, headers=headers)
    assert request.headers.get("content-type") == content_type
    response = await app.http.send(request)
    assert response.status_code == 415, response.text
    assert "application/json" in response.json()["detail"]
    ok = await app.forms(body, headers={"content-type": "Application/JSON; charset=utf-8"})
    assert ok.status_code == 202, ok.text


@pytest.mark.parametrize(
    "millis", [10**15, -(10**15), 2**64], ids=["year-33658", "negative", "2^64"]
)
async def test_an_impossible_hubspot_submitted_at_does_not_lose_the_lead(
    api: ApiFactory, millis: int
) -> None:
    """A bad optional value never loses a lead: it is dropped with a warning (never a 5xx)."""
    app = await api(transport="asgi")
    payload = {"submissionId": f"when-{millis}", "submittedAt": millis,
               "fields": [{"name": "email", "value": unique_email()}]}  # fmt: skip
    response = await app.hubspot(payload)
    assert response.status_code == 202, (response.status_code, response.text)
    assert await app.lab.store.deliveries.count_by_status() == {"started": 1}
