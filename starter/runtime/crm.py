"""The CRM client the settings name (None when no CRM is configured): shared by the
worker, which writes owners, and `lead-router crm owners`, which reads users."""

from __future__ import annotations

from activities.crm.hubspot import HubSpotClient
from activities.crm.salesforce import SalesforceClient
from activities.crm.salesforce_auth import SalesforceLogin
from activities.crm.sync import CrmClient
from domain.crm import Crm
from domain.crm_events import STATUS_DEFAULTS
from domain.lifecycle import FirstActionKind
from starter.runtime.settings import CrmSettings


def crm_client(settings: CrmSettings) -> CrmClient | None:
    if settings.hubspot_token:
        return HubSpotClient(
            settings.hubspot_token, settings.hubspot_api_url, tasks=settings.hubspot_tasks
        )
    if settings.salesforce_client_id and settings.salesforce_instance_url:
        login = SalesforceLogin(
            client_id=settings.salesforce_client_id,
            client_secret=settings.salesforce_client_secret,
            username=settings.salesforce_username,
            private_key=settings.salesforce_private_key_file,
            audience=settings.salesforce_login_url,
        )
        return SalesforceClient(
            login,
            settings.salesforce_instance_url,
            tasks=settings.salesforce_tasks,
            api_reserve=settings.salesforce_api_reserve,
        )
    return None


def status_actions(settings: CrmSettings, crm: Crm) -> dict[str, FirstActionKind]:
    """LEAD_ROUTER_<CRM>_LEAD_STATUS_ACTIONS, `VALUE=action,...`; raises ValueError
    naming the bad pair."""
    variable = f"LEAD_ROUTER_{crm.upper()}_LEAD_STATUS_ACTIONS"
    text = getattr(settings, f"{crm}_lead_status_actions")
    if not text:
        return dict(STATUS_DEFAULTS[crm])
    mapping = {}
    for pair in (p.strip() for p in text.split(",") if p.strip()):
        value, _, action = pair.partition("=")
        try:
            mapping[value.strip()] = FirstActionKind(action.strip())
        except ValueError:
            allowed = ", ".join(k.value for k in FirstActionKind)
            raise ValueError(
                f"{variable}: {pair!r} is not VALUE=action with action one of {allowed}"
            ) from None
    return mapping
