"""Form providers: each module holds its signature check, its payload parser and the name
of its secret; a new provider is one new module and one line here."""

from __future__ import annotations

from domain.providers import forms, hubspot, typeform
from domain.providers.base import (
    FormMapping,
    FormMappings,
    PayloadError,
    Provider,
    ProviderSubmission,
    SignatureError,
    SignedRequest,
)

PROVIDERS: dict[str, Provider] = {p.name: p for p in map(Provider.of, (forms, hubspot, typeform))}

__all__ = [
    "PROVIDERS",
    "FormMapping",
    "FormMappings",
    "PayloadError",
    "Provider",
    "ProviderSubmission",
    "SignatureError",
    "SignedRequest",
]
