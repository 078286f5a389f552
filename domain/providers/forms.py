"""Our own JSON form webhook: our field names (or a form's, renamed by the mapping file),
signed with `X-Lead-Router-Signature: sha256=<hex HMAC-SHA256 of the raw body>`."""

from __future__ import annotations

import hmac
from typing import Any

from domain.providers import base

NAME = "forms"
TITLE = "Generic JSON form"
SECRET_SETTING = "webhook_secret"
SECRET_ENV = "LEAD_ROUTER_WEBHOOK_SECRET"
SIGNATURE_HEADERS = ("X-Lead-Router-Signature",)

HEADER = "x-lead-router-signature"


def sign_generic(secret: str, body: bytes) -> str:
    return "sha256=" + base.hmac_sha256(secret, body).hex()


def verify_generic(secret: str, body: bytes, header: str | None) -> None:
    if not header:
        raise base.SignatureError("missing X-Lead-Router-Signature header")
    if not hmac.compare_digest(sign_generic(secret, body), header.strip().lower()):
        raise base.SignatureError("X-Lead-Router-Signature does not match the body")


def verify(secret: str, request: base.SignedRequest) -> None:
    verify_generic(secret, request.body, request.headers.get(HEADER))


def parse(payload: Any, mappings: base.FormMappings) -> base.ProviderSubmission:
    payload = base.require_object(payload)
    form_id = payload.get("form_id")
    if form_id is not None and not isinstance(form_id, str):
        raise base.PayloadError([("form_id", "must be a string")])
    raw = {k: v for k, v in payload.items() if k != "form_id"}
    mapping = mappings.for_form(NAME, form_id)
    notes = (
        [f"form_id {form_id!r} has no mapping; fields taken as named"]
        if form_id and not mapping
        else []
    )
    return base.ProviderSubmission(base.apply_mapping(raw, mapping), None, form_id, notes)
