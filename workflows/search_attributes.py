"""The custom search attributes that make leads findable in the Temporal Web UI.

No personal data here: ids, statuses, teams, owners' roster ids and company domains
(never a free-mail domain, never an email or a name).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeKey, SearchAttributeUpdate
from temporalio.service import RPCError, RPCStatusCode

from domain.lifecycle import LeadLife, LeadStatus

LEAD_STATUS = SearchAttributeKey.for_keyword("LeadStatus")
LEAD_TIER = SearchAttributeKey.for_keyword("LeadTier")
LEAD_TEAM = SearchAttributeKey.for_keyword("LeadTeam")
LEAD_OWNER = SearchAttributeKey.for_keyword("LeadOwner")
LEAD_TYPE = SearchAttributeKey.for_keyword("LeadType")
LEAD_SOURCE = SearchAttributeKey.for_keyword("LeadSource")
COMPANY_DOMAIN = SearchAttributeKey.for_keyword("CompanyDomain")
SLA_DUE_AT = SearchAttributeKey.for_datetime("SlaDueAt")
ESCALATION_LEVEL = SearchAttributeKey.for_int("EscalationLevel")

ALL = (
    LEAD_STATUS,
    LEAD_TIER,
    LEAD_TEAM,
    LEAD_OWNER,
    LEAD_TYPE,
    LEAD_SOURCE,
    COMPANY_DOMAIN,
    SLA_DUE_AT,
    ESCALATION_LEVEL,
)

_CLI_TYPES = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "INT": "Int"}


def dev_server_flags() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    flags = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={_cli_type(key)}"]
    return flags


def lead_attributes(
    *,
    status: str,
    lead_type: str,
    source: str,
    tier: str | None,
    team: str | None,
    owner: str | None,
    company_domain: str | None,
    sla_due_at: datetime | None,
    escalation_level: int,
) -> list[SearchAttributeUpdate[Any]]:
    """Every attribute at its current value; an unknown value is unset, not left stale."""
    keywords = (
        (LEAD_STATUS, status),
        (LEAD_TYPE, lead_type),
        (LEAD_SOURCE, source),
        (LEAD_TIER, tier),
        (LEAD_TEAM, team),
        (LEAD_OWNER, owner),
        (COMPANY_DOMAIN, company_domain),
    )
    updates: list[SearchAttributeUpdate[Any]] = [
        key.value_set(value) if value else key.value_unset() for key, value in keywords
    ]
    updates.append(SLA_DUE_AT.value_set(sla_due_at) if sla_due_at else SLA_DUE_AT.value_unset())
    updates.append(ESCALATION_LEVEL.value_set(escalation_level))
    return updates


def attributes_of(life: LeadLife) -> list[SearchAttributeUpdate[Any]]:
    """A lead's attributes as its life stands; the SLA deadline only while it waits."""
    cls = life.classification
    waiting = life.status is LeadStatus.waiting_first_action
    return lead_attributes(
        status=life.status.value,
        lead_type=life.lead.lead_type.value,
        source=life.lead.source,
        tier=cls.tier.value if cls and cls.tier else None,
        team=life.team,
        owner=life.owner,
        company_domain=life.enrichment.company_domain if life.enrichment else None,
        sla_due_at=life.deadline if waiting else None,
        escalation_level=life.level,
    )


async def ensure_registered(client: Client) -> list[str]:
    """Add whichever of our attributes the namespace lacks; returns the names added.

    Idempotent: it lists first and adds only what is missing, so every worker may
    call it at start. An attribute registered with another type is an error a person
    must fix, since Temporal cannot change a type.
    """
    namespace = client.namespace
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
    except RPCError as exc:
        raise RuntimeError(
            f"cannot list the search attributes of namespace {namespace}: {exc.message}"
        ) from None
    have = {**listed.system_attributes, **listed.custom_attributes}
    missing = [key for key in ALL if key.name not in have]
    for key in ALL:
        if key.name in have and have[key.name] != _proto_type(key):
            found = IndexedValueType.Name(have[key.name]).removeprefix("INDEXED_VALUE_TYPE_")
            raise RuntimeError(
                f"search attribute {key.name} in namespace {namespace} is {found}, but "
                f"lead-router needs {key.indexed_value_type.name}: remove it or use another namespace"
            )
    if not missing:
        return []
    try:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=namespace, search_attributes={k.name: _proto_type(k) for k in missing}
            )
        )
    except RPCError as exc:
        if exc.status is not RPCStatusCode.ALREADY_EXISTS:  # else another worker won the race
            flags = " ".join(f"--name {k.name} --type {_cli_type(k)}" for k in missing)
            raise RuntimeError(
                f"cannot add search attributes to namespace {namespace}: {exc.message}. "
                f"Ask an admin to run `temporal operator search-attribute create "
                f"--namespace {namespace} {flags}` (tcld on Temporal Cloud)"
            ) from None
    return [k.name for k in missing]


def _proto_type(key: SearchAttributeKey[Any]) -> IndexedValueType.ValueType:
    return IndexedValueType.Value(f"INDEXED_VALUE_TYPE_{key.indexed_value_type.name}")


def _cli_type(key: SearchAttributeKey[Any]) -> str:
    return _CLI_TYPES[key.indexed_value_type.name]
