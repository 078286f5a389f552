"""What every form provider shares: the mapping file, the parsed submission, the signed
request and the provider's description. Pure: no I/O (the caller reads the files).

A provider is one module of this package (its signature check, its payload parser and
the name of its secret) and one line of the registry in `domain.providers`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, field_validator

from domain.intake import TEXT_FIELDS

OUR_FIELDS = frozenset(
    (*TEXT_FIELDS, "email", "company_size", "country", "state", "lead_type", "submitted_at")
)


class PayloadError(ValueError):
    """A payload that is not what its provider sends; `problems` lists each bad field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems


class SignatureError(ValueError):
    """Why a request's signature does not verify (never says what was expected)."""


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


class FormMappings(RootModel[dict[str, dict[str, FormMapping]]]):
    """The mapping file: for each provider, a mapping per form id."""

    model_config = ConfigDict(frozen=True)
    root: dict[str, dict[str, FormMapping]] = Field(default_factory=dict)

    def for_form(self, provider: str, form_id: str | None) -> FormMapping | None:
        return self.root.get(provider, {}).get(form_id) if form_id else None


def load_mappings_text(
    text: str, source: str = "mappings", providers: Collection[str] = ()
) -> FormMappings:
    """The mapping file's text; `providers` are the names it may use as top-level keys."""
    try:
        data = yaml.safe_load(text) or {}
        mappings = FormMappings.model_validate(data)
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        lines = [
            f"{source}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        ]
        raise ValueError("\n".join(lines)) from None
    unknown = sorted(set(mappings.root) - set(providers)) if providers else []
    if unknown:
        raise ValueError(
            f"{source}: {', '.join(unknown)}: not a provider (use {', '.join(sorted(providers))})"
        )
    return mappings


@dataclass
class ProviderSubmission:
    submission: dict[str, Any]
    delivery_id: str | None = None
    form_id: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SignedRequest:
    """What a signature may cover: the method, the URL the provider called, the raw body,
    the headers (lower-case names) and the time it arrived."""

    method: str
    url: str
    body: bytes
    headers: Mapping[str, str]
    now_ms: int


@dataclass(frozen=True)
class Provider:
    """A provider module, as the webhook route and the intake use it."""

    name: str  # the webhook's path (/webhooks/NAME) and the source recorded on the lead
    title: str
    secret_setting: str  # the field of the API settings that holds its secret
    secret_env: str  # the environment variable that sets it
    signature_headers: tuple[str, ...]
    verify: Callable[[str, SignedRequest], None]
    parse: Callable[[Any, FormMappings], ProviderSubmission]
    description: str  # the module's docstring, shown in the API's docs

    @classmethod
    def of(cls, module: ModuleType) -> Provider:
        """From a provider module: its NAME, TITLE, SECRET_SETTING, SECRET_ENV,
        SIGNATURE_HEADERS, `verify` and `parse`."""
        named = ("name", "title", "secret_setting", "secret_env", "signature_headers")
        return cls(
            **{field: getattr(module, field.upper()) for field in named},
            verify=module.verify,
            parse=module.parse,
            description=" ".join((module.__doc__ or "").split()),
        )


def hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def apply_mapping(raw: Mapping[str, Any], mapping: FormMapping | None) -> dict[str, Any]:
    out: dict[str, Any] = dict(mapping.defaults) if mapping else {}
    renames = mapping.fields if mapping else {}
    for key, value in raw.items():
        out[renames.get(key, key)] = value
    return out


def as_text(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def require_object(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise PayloadError([("body", "must be a JSON object")])
    return payload
