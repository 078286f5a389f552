"""Random and malformed deliveries to the three webhooks (in-process through the ASGI
transport, with a real worker and store): never a 5xx, and a correctly signed JSON
delivery is either accepted with a delivery row or rejected into the dead-letter table."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from tests.starter.api.conftest import (
    Api,
    ApiFactory,
    now_ms,
    sign_hubspot,
    sign_ours,
    sign_typeform,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

RUN = uuid.uuid4().hex[:8]  # this run's addresses: no open lead from elsewhere is joined
PATHS = {"forms": "/webhooks/forms", "hubspot": "/webhooks/hubspot",
         "typeform": "/webhooks/typeform"}  # fmt: skip

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False), st.text(max_size=20),
)  # fmt: skip
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)  # fmt: skip


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Four parts plausible to one part anything: enough deliveries get through to routing."""
    return st.integers(0, 4).flatmap(lambda roll: bad if roll == 4 else good)


VALID_EMAILS = st.from_regex(r"[a-z][a-z0-9._-]{0,10}", fullmatch=True).map(
    lambda local: f"{local}@fuzz-{RUN}.io"
)
EMAILS = mostly(
    VALID_EMAILS,
    st.one_of(st.sampled_from(["", " ", "no-at-sign", "a@b", "@x.io", f"UP@FUZZ-{RUN}.IO"]), SCALARS),
)  # fmt: skip
MILLIS = st.one_of(  # epoch milliseconds: plausible, at the edges, and past year 9999
    st.sampled_from([1_790_000_000_000, 0, -1, 10**15, -(10**15), 2**64]), st.integers(), SCALARS
)
OUR_FIELDS = ["company_size", "country", "state", "lead_type", "company", "industry",
              "first_name", "submitted_at", "honeypot", "message"]  # fmt: skip
FIELD_VALUES = st.one_of(
    SCALARS, st.sampled_from(["201-500", "5000+", "1,000", "US", "Germany", "CA", "demo_request",
                              "trial_signup", "2026-11-23T10:00:00Z", "x" * 2500]),
)  # fmt: skip


def forms_payloads() -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {"email": EMAILS},
        optional={
            **{f: FIELD_VALUES for f in OUR_FIELDS},
            "form_id": mostly(st.text(max_size=8), SCALARS),
        },
    )


def hubspot_payloads() -> st.SearchStrategy[Any]:
    email = st.fixed_dictionaries({"name": st.just("email"), "value": EMAILS})
    pair = mostly(
        st.fixed_dictionaries(
            {"name": st.sampled_from(["numemployees", "country", "firstname", "lead_type", "x"]),
             "value": FIELD_VALUES}),
        JSON,
    )  # fmt: skip
    fields = mostly(
        st.builds(lambda first, rest: [first, *rest], email, st.lists(pair, max_size=4)),
        st.one_of(st.lists(pair, max_size=4), JSON),
    )
    return st.fixed_dictionaries(
        {"fields": fields},
        optional={"submissionId": SCALARS, "formId": SCALARS, "submittedAt": MILLIS,
                  "pageUrl": SCALARS, "context": JSON},
    )  # fmt: skip


def typeform_payloads() -> st.SearchStrategy[Any]:
    email = st.builds(
        lambda value, ref: {"type": "email", "email": value,
                            "field": {"id": "e", "type": "email", "ref": ref}},
        EMAILS, st.sampled_from(["email", "work_email"]),
    )  # fmt: skip
    typed = st.builds(
        lambda kind, value, ref: {"type": kind, kind: value,
                                  "field": {"id": "f", "type": kind, "ref": ref}},
        st.sampled_from(["email", "text", "number", "boolean"]),
        st.one_of(EMAILS, FIELD_VALUES),
        st.sampled_from(["email", "company_size", "country", "lead_type", "other"]),
    )  # fmt: skip
    choice = st.builds(
        lambda label: {"type": "choice", "choice": {"label": label}, "field": {"ref": "country"}},
        FIELD_VALUES,
    )
    answer = mostly(st.one_of(typed, choice), JSON)
    answers = mostly(
        st.builds(lambda first, rest: [first, *rest], email, st.lists(answer, max_size=3)),
        st.one_of(st.lists(answer, max_size=4), JSON),
    )
    response = st.fixed_dictionaries(
        {"answers": answers},
        optional={"form_id": SCALARS, "token": SCALARS, "hidden": JSON, "submitted_at": SCALARS},
    )
    return st.fixed_dictionaries(
        {"form_response": mostly(response, JSON)},
        optional={"event_id": SCALARS, "event_type": st.just("form_response")},
    )


@st.composite
def bodies(draw: st.DrawFn, endpoint: str) -> bytes:
    shaped = {"forms": forms_payloads, "hubspot": hubspot_payloads, "typeform": typeform_payloads}
    kind = draw(st.sampled_from(["shaped"] * 6 + ["json", "bytes", "truncated"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    text = json.dumps(draw(shaped[endpoint]() if kind != "json" else JSON))
    if kind == "truncated":
        return text[: draw(st.integers(0, max(0, len(text) - 1)))].encode()
    return text.encode()


@dataclass
class Delivery:
    endpoint: str
    body: bytes
    content_type: str | None
    signature: str  # good, missing, wrong, stale (HubSpot), garbled
    idempotency_key: str | None
    extra: dict[str, str]

    @property
    def authenticated(self) -> bool:
        """Signed as the provider signs: a stale timestamp only matters to HubSpot."""
        return self.signature == "good" or (
            self.signature == "stale" and self.endpoint != "hubspot"
        )

    @property
    def json_typed(self) -> bool:
        main = (self.content_type or "").split(";")[0].strip().lower()
        return main == "application/json"


@st.composite
def deliveries(draw: st.DrawFn) -> Delivery:
    endpoint = draw(st.sampled_from(sorted(PATHS)))
    return Delivery(
        endpoint=endpoint,
        body=draw(bodies(endpoint)),
        content_type=draw(st.sampled_from(
            ["application/json"] * 6 + ["application/json; charset=utf-8", "APPLICATION/JSON",
             "text/plain", "application/jsonx", None])),
        signature=draw(st.sampled_from(["good"] * 7 + ["missing", "wrong", "stale", "garbled"])),
        idempotency_key=draw(st.none() | st.text(
            st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12)),
        extra=draw(st.dictionaries(
            st.from_regex(r"x-[a-z]{1,8}", fullmatch=True),
            st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
            max_size=2)),
    )  # fmt: skip


def headers_for(app: Api, d: Delivery) -> dict[str, str]:
    headers = dict(d.extra)
    if d.content_type is not None:
        headers["content-type"] = d.content_type
    if d.idempotency_key is not None:
        headers["idempotency-key"] = d.idempotency_key
    stamp = str(now_ms() - (6 * 60 * 1000 if d.signature == "stale" else 0))
    good = {
        "forms": lambda: sign_ours(d.body),
        "typeform": lambda: sign_typeform(d.body),
        "hubspot": lambda: sign_hubspot(f"{app.base_url}/webhooks/hubspot", d.body, stamp),
    }[d.endpoint]()
    wrong = good[:-5] + ("1" if good[-5] == "0" else "0") + good[-4:]  # hex and base64 alike
    value = {"good": good, "stale": good, "wrong": wrong, "garbled": "sha256=not a signature"}
    if d.signature != "missing":
        name = {"forms": "x-lead-router-signature", "typeform": "typeform-signature",
                "hubspot": "x-hubspot-signature-v3"}[d.endpoint]  # fmt: skip
        headers[name] = value[d.signature]
    if d.endpoint == "hubspot":
        headers["x-hubspot-request-timestamp"] = stamp
    return headers


PAST_YEAR_9999 = Delivery(
    endpoint="hubspot",
    body=json.dumps(
        {"submittedAt": 10**15, "fields": [{"name": "email", "value": f"edge@fuzz-{RUN}.io"}]}
    ).encode(),
    content_type="application/json",
    signature="good",
    idempotency_key=None,
    extra={},
)


@pytest_asyncio.fixture(loop_scope="session")
async def fuzz_app(api: ApiFactory) -> Api:
    # the per-address rate limit (tested on its own) would answer 429s to this many posts
    return await api(transport="asgi", rate_limit_per_minute=0)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(d=deliveries())
@example(d=PAST_YEAR_9999)  # found by this test; random search hits it rarely
async def test_no_delivery_is_a_5xx_or_lost(fuzz_app: Api, d: Delivery) -> None:
    app = fuzz_app
    letters_before = len(await app.lab.store.dead_letters.all(include_retried=True))
    response = await app.http.post(PATHS[d.endpoint], content=d.body, headers=headers_for(app, d))
    code = response.status_code
    assert code < 500, response.text
    event(f"{d.endpoint} -> {code}")
    letters = await app.lab.store.dead_letters.all(include_retried=True)
    if not d.json_typed:
        assert code == 415, response.text
    elif not d.authenticated:
        assert code == 401, response.text
    elif code in (200, 202):
        answer = response.json()
        assert answer["duplicate"] is (code == 200)
        delivery = await app.lab.store.deliveries.latest_for(answer["lead_id"])
        assert delivery is not None, answer
        if code == 202:
            assert answer["status"] == "started" and delivery.status == "started"
    else:
        assert code == 422, response.text
        letter = await app.lab.store.dead_letters.get(response.json()["dead_letter_id"])
        assert letter is not None and letter.source == d.endpoint
        assert letter.raw_body == d.body.decode("utf-8", "replace")
        assert len(letters) == letters_before + 1
        return
    assert len(letters) == letters_before, "only a rejected signed submission is dead-lettered"
