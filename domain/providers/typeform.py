"""Typeform `form_response` events (answers keyed by field ref), signed with
`Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>`."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping
from typing import Any

from domain.providers.base import (
    FormMappings,
    PayloadError,
    Provider,
    ProviderSubmission,
    SignatureError,
    SignedRequest,
    apply_mapping,
    as_text,
    hmac_sha256,
    require_object,
)

HEADER = "typeform-signature"
_ANSWER_KEYS = ("text", "email", "number", "boolean", "date", "url", "phone_number", "file_url")


def sign_typeform(secret: str, body: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac_sha256(secret, body)).decode()


def verify_typeform(secret: str, body: bytes, header: str | None) -> None:
    if not header:
        raise SignatureError("missing Typeform-Signature header")
    if not hmac.compare_digest(sign_typeform(secret, body), header.strip()):
        raise SignatureError("Typeform-Signature does not match the body")


def verify(secret: str, request: SignedRequest) -> None:
    verify_typeform(secret, request.body, request.headers.get(HEADER))


def _answer_value(answer: Mapping[str, Any]) -> Any:
    kind = answer.get("type")
    if kind == "choice" and isinstance(answer.get("choice"), dict):
        return answer["choice"].get("label") or answer["choice"].get("other")
    if kind == "choices" and isinstance(answer.get("choices"), dict):
        labels = answer["choices"].get("labels") or []
        return ", ".join(str(label) for label in labels)
    if isinstance(kind, str) and kind in answer:
        return answer[kind]
    for key in _ANSWER_KEYS:
        if key in answer:
            return answer[key]
    return None


def parse(payload: Any, mappings: FormMappings) -> ProviderSubmission:
    payload = require_object(payload)
    response = payload.get("form_response")
    if not isinstance(response, dict):
        raise PayloadError([("form_response", "missing: only form_response events are taken")])
    answers = response.get("answers", [])
    if not isinstance(answers, list):
        raise PayloadError([("form_response.answers", "must be a list")])
    form_id = as_text(response.get("form_id"))
    mapping = mappings.for_form(PROVIDER.name, form_id)
    raw: dict[str, Any] = {}
    hidden = response.get("hidden")
    if isinstance(hidden, dict):
        raw.update(hidden)
    problems = []
    first_email = None
    for i, answer in enumerate(answers):
        ref = answer.get("field", {}).get("ref") if isinstance(answer, dict) else None
        if not isinstance(ref, str):
            problems.append((f"form_response.answers[{i}].field.ref", "missing"))
            continue
        value = _answer_value(answer)
        raw[ref] = value
        if answer.get("type") == "email" and first_email is None:
            first_email = value
    if problems:
        raise PayloadError(problems)
    out = apply_mapping(raw, mapping)
    if "email" not in out and first_email is not None:
        out["email"] = first_email  # an unmapped form still has its email question
    if response.get("submitted_at") and "submitted_at" not in out:
        out["submitted_at"] = response["submitted_at"]
    delivery = as_text(payload.get("event_id") or response.get("token"))
    return ProviderSubmission(out, delivery, form_id)


PROVIDER = Provider(
    name="typeform",
    title="Typeform form_response event",
    secret_setting="typeform_secret",
    secret_env="LEAD_ROUTER_TYPEFORM_SECRET",
    signature_headers=("Typeform-Signature",),
    verify=verify,
    parse=parse,
    description="Typeform's `form_response` event, answers keyed by field `ref` (map refs "
    "to our fields in the mapping file). Signed with Typeform-Signature: "
    "sha256=<base64 HMAC-SHA256 of the raw body>.",
)
