"""The intake service's mapping step, on its own: what a provider's parser notes reaches
the lead, and every provider of the registry is taken by the same path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.providers import PROVIDERS, FormMapping, FormMappings
from starter.intake import OWN_FIELDS, IntakeService, Rejected


async def _no_client() -> Any:
    raise AssertionError("mapping a delivery never needs Temporal")


def intake(mappings: FormMappings | None = None) -> IntakeService:
    return IntakeService(
        None,  # type: ignore[arg-type]  # to_lead never touches the database
        None,  # type: ignore[arg-type]
        _no_client,
        lead_keys=None,  # type: ignore[arg-type]
        task_queue="q",
        id_key="k",
        mappings=mappings or FormMappings(),
    )


def test_a_parser_note_joins_the_lead_warnings() -> None:
    body = json.dumps({"email": "ana@acme-robotics.com", "form_id": "spring-webinar"}).encode()
    lead, mapped = intake().to_lead(PROVIDERS["forms"], body)
    assert mapped.notes == ["form_id 'spring-webinar' has no mapping; fields taken as named"]
    assert lead.warnings[0] == mapped.notes[0]
    assert lead.source == "forms"


def test_a_mapped_form_has_no_note_and_keeps_its_own_warnings() -> None:
    mappings = FormMappings({"forms": {"w": FormMapping(fields={"work_email": "email"})}})
    body = json.dumps({"work_email": "ana@acme-robotics.com", "form_id": "w", "size": "x"})
    lead, mapped = intake(mappings).to_lead(PROVIDERS["forms"], body.encode())
    assert mapped.notes == []
    assert lead.email == "ana@acme-robotics.com"
    assert lead.warnings == ["ignored unknown fields: size"]


def test_the_cli_and_the_demo_name_their_source() -> None:
    body = json.dumps({"email": "ana@acme-robotics.com"}).encode()
    lead, _ = intake().to_lead(OWN_FIELDS, body, "demo")
    assert lead.source == "demo"


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_every_provider_rejects_a_body_that_is_not_an_object(name: str) -> None:
    with pytest.raises(Rejected) as caught:
        intake().to_lead(PROVIDERS[name], b"[1, 2]")
    assert caught.value.problems == [("body", "must be a JSON object")]


def test_the_registry_names_each_provider_once_with_its_secret() -> None:
    assert set(PROVIDERS) == {"forms", "hubspot", "typeform"}
    for name, provider in PROVIDERS.items():
        assert provider.name == name
        assert provider.secret_env.startswith("LEAD_ROUTER_") and provider.signature_headers
