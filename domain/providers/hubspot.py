"""HubSpot form submissions (fields as name/value pairs), signed with HubSpot's v3
scheme: base64 HMAC-SHA256 of method + URI + body + timestamp, stale after 5 minutes."""

from __future__ import annotations

import base64
import hmac
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from domain.providers import base

NAME = "hubspot"
TITLE = "HubSpot form submission"
SECRET_SETTING = "hubspot_secret"
SECRET_ENV = "LEAD_ROUTER_HUBSPOT_SECRET"
SIGNATURE_HEADERS = ("X-HubSpot-Signature-v3", "X-HubSpot-Request-Timestamp")

MAX_AGE_MS = 5 * 60 * 1000
SIGNATURE = "x-hubspot-signature-v3"
TIMESTAMP = "x-hubspot-request-timestamp"
_MILLIS = re.compile(r"[0-9]{1,16}")  # ASCII only: str.isdigit() also takes "²" and "١"

# HubSpot's standard contact properties, as its forms name them.
HUBSPOT_DEFAULTS = {
    "email": "email",
    "firstname": "first_name",
    "lastname": "last_name",
    "company": "company",
    "numemployees": "company_size",
    "company_size": "company_size",
    "industry": "industry",
    "country": "country",
    "state": "state",
    "jobtitle": "job_title",
    "message": "message",
    "lead_type": "lead_type",
    "product_interest": "product_interest",
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
}
# HubSpot signs the URI with these URL-encoded characters decoded.
_DECODED_IN_URI = (
    "%3A",
    "%2F",
    "%3F",
    "%40",
    "%21",
    "%24",
    "%27",
    "%28",
    "%29",
    "%2A",
    "%2C",
    "%3B",
)


def sign_hubspot_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    message = method.upper().encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(base.hmac_sha256(secret, message)).decode()


def hubspot_uri(uri: str) -> str:
    for encoded in _DECODED_IN_URI:
        uri = uri.replace(encoded, unquote(encoded)).replace(encoded.lower(), unquote(encoded))
    return uri


def verify_hubspot_v3(
    secret: str,
    method: str,
    uri: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    now_ms: int,
) -> None:
    if not signature or not timestamp:
        raise base.SignatureError("missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp")
    if not _MILLIS.fullmatch(timestamp.strip()):
        raise base.SignatureError(
            "X-HubSpot-Request-Timestamp is not milliseconds since the epoch (ASCII digits)"
        )
    age = now_ms - int(timestamp)
    if age > MAX_AGE_MS:
        raise base.SignatureError("X-HubSpot-Request-Timestamp is older than 5 minutes")
    if age < -MAX_AGE_MS:
        raise base.SignatureError("X-HubSpot-Request-Timestamp is in the future")
    expected = sign_hubspot_v3(secret, method, hubspot_uri(uri), body, timestamp.strip())
    if not hmac.compare_digest(expected, signature.strip()):
        raise base.SignatureError("X-HubSpot-Signature-v3 does not match the request")


def verify(secret: str, request: base.SignedRequest) -> None:
    verify_hubspot_v3(
        secret,
        request.method,
        request.url,
        request.body,
        request.headers.get(SIGNATURE),
        request.headers.get(TIMESTAMP),
        request.now_ms,
    )


def parse(payload: Any, mappings: base.FormMappings) -> base.ProviderSubmission:
    payload = base.require_object(payload)
    fields = payload.get("fields")
    if not isinstance(fields, list):
        raise base.PayloadError([("fields", "must be a list of {name, value} pairs")])
    raw: dict[str, Any] = {}
    problems = []
    for i, pair in enumerate(fields):
        if not isinstance(pair, dict) or not isinstance(pair.get("name"), str):
            problems.append((f"fields[{i}]", "must be an object with a string name and a value"))
            continue
        raw[pair["name"]] = pair.get("value")
    if problems:
        raise base.PayloadError(problems)
    form_id = base.as_text(payload.get("formId") or payload.get("formGuid"))
    mapping = mappings.for_form(NAME, form_id)
    renames = {**HUBSPOT_DEFAULTS, **(mapping.fields if mapping else {})}
    out = base.apply_mapping(
        raw,
        base.FormMapping(
            fields={k: v for k, v in renames.items() if k in raw},
            defaults=mapping.defaults if mapping else {},
        ),
    )
    context = payload.get("context") if isinstance(payload.get("context"), dict) else {}
    page = payload.get("pageUrl") or (context or {}).get("pageUri")
    if page and "page_url" not in out:
        out["page_url"] = page
    submitted = payload.get("submittedAt")
    notes = []
    if isinstance(submitted, int) and not isinstance(submitted, bool) and "submitted_at" not in out:
        try:
            out["submitted_at"] = datetime.fromtimestamp(submitted / 1000, UTC).isoformat()
        except (ValueError, OSError, OverflowError):
            notes.append(f"submittedAt {submitted} is not a time; ignored")
    delivery = base.as_text(payload.get("submissionId") or payload.get("conversionId"))
    return base.ProviderSubmission(out, delivery, form_id, notes)
