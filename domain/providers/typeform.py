"""Typeform `form_response` events (answers keyed by field ref, or by the ref the form's
definition gives the answer's field id), signed with
`Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>`."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping
from typing import Any

from domain.providers import base

NAME = "typeform"
TITLE = "Typeform form_response event"
SECRET_SETTING = "typeform_secret"
SECRET_ENV = "LEAD_ROUTER_TYPEFORM_SECRET"
SIGNATURE_HEADERS = ("Typeform-Signature",)

HEADER = "typeform-signature"
_ANSWER_KEYS = ("text", "email", "number", "boolean", "date", "url", "phone_number", "file_url")


def sign_typeform(secret: str, body: bytes) -> str:
    return "sha256=" + base64.b64encode(base.hmac_sha256(secret, body)).decode()


def verify_typeform(secret: str, body: bytes, header: str | None) -> None:
    if not header:
        raise base.SignatureError("missing Typeform-Signature header")
    if not hmac.compare_digest(sign_typeform(secret, body), header.strip()):
        raise base.SignatureError("Typeform-Signature does not match the body")


def verify(secret: str, request: base.SignedRequest) -> None:
    verify_typeform(secret, request.body, request.headers.get(HEADER))


def _answer_value(answer: Mapping[str, Any]) -> Any:
    kind = answer.get("type")
    if kind == "choice":
        choice = answer.get("choice")
        return (choice.get("label") or choice.get("other")) if isinstance(choice, dict) else None
    if kind == "choices":
        choices = answer.get("choices")
        labels = choices.get("labels") if isinstance(choices, dict) else None
        if not isinstance(labels, list):
            return None
        return ", ".join(str(label) for label in labels if isinstance(label, str | int | float))
    if isinstance(kind, str) and kind in answer:
        return answer[kind]
    for key in _ANSWER_KEYS:
        if key in answer:
            return answer[key]
    return None


def _definition_refs(response: Mapping[str, Any]) -> dict[str, str]:
    """Field id -> ref from `definition.fields`: Typeform's published example gives each
    answer's field only its id and type; the refs are in the definition."""
    definition = response.get("definition")
    fields = definition.get("fields") if isinstance(definition, dict) else None
    refs: dict[str, str] = {}
    for field in fields if isinstance(fields, list) else []:
        if isinstance(field, dict) and isinstance(field.get("id"), str):
            ref = field.get("ref")
            refs[field["id"]] = ref if isinstance(ref, str) else field["id"]
    return refs


def _ref(answer: Any, refs: Mapping[str, str]) -> str | None:
    """The answer's field ref, else the definition's ref for its field id, else that id."""
    field = answer.get("field") if isinstance(answer, dict) else None
    if not isinstance(field, dict):
        return None
    ref, field_id = field.get("ref"), field.get("id")
    if isinstance(ref, str):
        return ref
    return refs.get(field_id, field_id) if isinstance(field_id, str) else None


def parse(payload: Any, mappings: base.FormMappings) -> base.ProviderSubmission:
    payload = base.require_object(payload)
    response = payload.get("form_response")
    if not isinstance(response, dict):
        raise base.PayloadError([("form_response", "missing: only form_response events are taken")])
    answers = response.get("answers", [])
    if not isinstance(answers, list):
        raise base.PayloadError([("form_response.answers", "must be a list")])
    form_id = base.as_text(response.get("form_id"))
    mapping = mappings.for_form(NAME, form_id)
    raw: dict[str, Any] = {}
    hidden = response.get("hidden")
    if isinstance(hidden, dict):
        raw.update(hidden)
    problems = []
    first_email = None
    refs = _definition_refs(response)
    for i, answer in enumerate(answers):
        ref = _ref(answer, refs)
        if ref is None:
            problems.append(
                (f"form_response.answers[{i}].field.ref", "missing, and no field id either")
            )
            continue
        value = _answer_value(answer)
        raw[ref] = value
        if answer.get("type") == "email" and first_email is None:
            first_email = value
    if problems:
        raise base.PayloadError(problems)
    out = base.apply_mapping(raw, mapping)
    if "email" not in out and first_email is not None:
        out["email"] = first_email  # an unmapped form still has its email question
    if response.get("submitted_at") and "submitted_at" not in out:
        out["submitted_at"] = response["submitted_at"]
    delivery = base.as_text(payload.get("event_id") or response.get("token"))
    return base.ProviderSubmission(out, delivery, form_id)
