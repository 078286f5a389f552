"""Form providers' payloads -> our form submission (a plain dict for `parse_submission`).

Generic JSON, HubSpot form submissions (fields as name/value pairs) and Typeform
`form_response` events (answers keyed by field ref). A mapping file renames a
custom form's fields onto ours; no I/O here: the caller reads that file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from domain.intake import TEXT_FIELDS

OUR_FIELDS = frozenset(
    (*TEXT_FIELDS, "email", "company_size", "country", "state", "lead_type", "submitted_at")
)

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


class PayloadError(ValueError):
    """A payload that is not what its provider sends; `problems` lists each bad field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems


class FormMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    fields: dict[str, str] = Field(default_factory=dict)
    defaults: dict[str, str] = Field(default_factory=dict)

    @field_validator("fields")
    @classmethod
    def _targets_are_ours(cls, value: dict[str, str]) -> dict[str, str]:
        bad = sorted(t for t in value.values() if t not in OUR_FIELDS)
        if bad:
            raise ValueError(f"not lead-router fields: {', '.join(bad)}")
        return value


class FormMappings(BaseModel):
    """The mapping file: per form id, for each provider."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    forms: dict[str, FormMapping] = Field(default_factory=dict)
    hubspot: dict[str, FormMapping] = Field(default_factory=dict)
    typeform: dict[str, FormMapping] = Field(default_factory=dict)


def load_mappings_text(text: str, source: str = "mappings") -> FormMappings:
    try:
        data = yaml.safe_load(text) or {}
        return FormMappings.model_validate(data)
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        lines = [
            f"{source}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        ]
        raise ValueError("\n".join(lines)) from None


@dataclass
class ProviderSubmission:
    submission: dict[str, Any]
    delivery_id: str | None = None
    form_id: str | None = None
    notes: list[str] = field(default_factory=list)


def _apply(raw: Mapping[str, Any], mapping: FormMapping | None) -> dict[str, Any]:
    out: dict[str, Any] = dict(mapping.defaults) if mapping else {}
    renames = mapping.fields if mapping else {}
    for key, value in raw.items():
        out[renames.get(key, key)] = value
    return out


def from_generic(payload: Any, mappings: FormMappings) -> ProviderSubmission:
    if not isinstance(payload, dict):
        raise PayloadError([("body", "must be a JSON object")])
    form_id = payload.get("form_id")
    if form_id is not None and not isinstance(form_id, str):
        raise PayloadError([("form_id", "must be a string")])
    raw = {k: v for k, v in payload.items() if k != "form_id"}
    mapping = mappings.forms.get(form_id) if form_id else None
    notes = (
        [f"form_id {form_id!r} has no mapping; fields taken as named"]
        if form_id and not mapping
        else []
    )
    return ProviderSubmission(_apply(raw, mapping), None, form_id, notes)


def from_hubspot(payload: Any, mappings: FormMappings) -> ProviderSubmission:
    if not isinstance(payload, dict):
        raise PayloadError([("body", "must be a JSON object")])
    fields = payload.get("fields")
    if not isinstance(fields, list):
        raise PayloadError([("fields", "must be a list of {name, value} pairs")])
    raw: dict[str, Any] = {}
    problems = []
    for i, pair in enumerate(fields):
        if not isinstance(pair, dict) or not isinstance(pair.get("name"), str):
            problems.append((f"fields[{i}]", "must be an object with a string name and a value"))
            continue
        raw[pair["name"]] = pair.get("value")
    if problems:
        raise PayloadError(problems)
    form_id = _str(payload.get("formId") or payload.get("formGuid"))
    mapping = mappings.hubspot.get(form_id) if form_id else None
    renames = {**HUBSPOT_DEFAULTS, **(mapping.fields if mapping else {})}
    out = _apply(
        raw,
        FormMapping(
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
    delivery = _str(payload.get("submissionId") or payload.get("conversionId"))
    return ProviderSubmission(out, delivery, form_id, notes)


_ANSWER_KEYS = ("text", "email", "number", "boolean", "date", "url", "phone_number", "file_url")


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


def from_typeform(payload: Any, mappings: FormMappings) -> ProviderSubmission:
    if not isinstance(payload, dict):
        raise PayloadError([("body", "must be a JSON object")])
    response = payload.get("form_response")
    if not isinstance(response, dict):
        raise PayloadError([("form_response", "missing: only form_response events are taken")])
    answers = response.get("answers", [])
    if not isinstance(answers, list):
        raise PayloadError([("form_response.answers", "must be a list")])
    form_id = _str(response.get("form_id"))
    mapping = mappings.typeform.get(form_id) if form_id else None
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
    out = _apply(raw, mapping)
    if "email" not in out and first_email is not None:
        out["email"] = first_email  # an unmapped form still has its email question
    if response.get("submitted_at") and "submitted_at" not in out:
        out["submitted_at"] = response["submitted_at"]
    delivery = _str(payload.get("event_id") or response.get("token"))
    return ProviderSubmission(out, delivery, form_id)


def _str(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None
