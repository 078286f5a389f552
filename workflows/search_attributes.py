"""The custom search attributes that make leads findable in the Temporal Web UI.

No personal data here: ids, statuses, teams, owners' roster ids and company domains.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

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
        flags += ["--search-attribute", f"{key.name}={_CLI_TYPES[key.indexed_value_type.name]}"]
    return flags
