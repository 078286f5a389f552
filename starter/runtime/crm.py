"""The CRM client the settings name (None when no CRM is configured): shared by the
worker, which writes owners, and `lead-router crm owners`, which reads users."""

from __future__ import annotations

from activities.crm.hubspot import HubSpotClient
from activities.crm.sync import CrmClient
from domain.crm_events import DEFAULT_STATUS_ACTIONS
from domain.lifecycle import FirstActionKind
from starter.runtime.settings import CrmSettings


def crm_client(settings: CrmSettings) -> CrmClient | None:
    if settings.hubspot_token:
        return HubSpotClient(
            settings.hubspot_token, settings.hubspot_api_url, tasks=settings.hubspot_tasks
        )
    return None


def status_actions(settings: CrmSettings) -> dict[str, FirstActionKind]:
    """LEAD_ROUTER_HUBSPOT_LEAD_STATUS_ACTIONS, `VALUE=action,...`; raises ValueError
    naming the bad pair."""
    text = settings.hubspot_lead_status_actions
    if not text:
        return dict(DEFAULT_STATUS_ACTIONS)
    mapping = {}
    for pair in (p.strip() for p in text.split(",") if p.strip()):
        value, _, action = pair.partition("=")
        try:
            mapping[value.strip()] = FirstActionKind(action.strip())
        except ValueError:
            allowed = ", ".join(k.value for k in FirstActionKind)
            raise ValueError(
                f"LEAD_ROUTER_HUBSPOT_LEAD_STATUS_ACTIONS: {pair!r} is not VALUE=action "
                f"with action one of {allowed}"
            ) from None
    return mapping
