"""What the HTTP service is configured with, built from the settings in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from domain.providers import PROVIDERS, FormMappings, Provider
from starter.intake import load_mappings
from starter.runtime.codec import configured_keys
from starter.runtime.settings import (
    DEFAULT_RULES,
    SAMPLE_COMPANIES,
    ConsoleSettings,
    CrmSettings,
    Settings,
)


@dataclass(frozen=True)
class ApiConfig:
    task_queue: str
    id_key: str
    webhook_secret: str | None = None
    hubspot_secret: str | None = None
    typeform_secret: str | None = None
    product_events_secret: str | None = None
    api_token: str | None = None
    insecure: bool = False
    ui_url: str | None = None
    namespace: str = "default"
    public_url: str | None = None
    mappings: FormMappings = field(default_factory=FormMappings)
    dedupe_window: timedelta = timedelta(minutes=10)
    drain_every: float = 1.0
    rate_limit_per_minute: int = 600
    request_timeout: float = 10.0  # seconds a request may take to arrive whole
    codec_keys: dict[str, bytes] | None = None
    codec_token: str | None = None
    codec_origin: str | None = None
    crm: CrmSettings = field(default_factory=CrmSettings)
    companies_path: Path = SAMPLE_COMPANIES  # the console's rule previews enrich with it
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    rules_path: Path = DEFAULT_RULES  # fairness targets, CRM identities, next steps
    answer_wait: float = 2.0  # the longest bound of a webhook's instant answer (seconds)

    def secret_for(self, provider: Provider) -> str | None:
        secret: str | None = getattr(self, provider.secret_setting)
        return secret

    def unconfigured(self) -> list[Provider]:
        """The providers without a secret: their webhooks answer 404 unless insecure."""
        return [p for p in PROVIDERS.values() if not self.secret_for(p)]


def api_config(settings: Settings, *, insecure: bool, ui_url: str | None) -> ApiConfig:
    api = settings.api
    return ApiConfig(
        task_queue=settings.temporal.task_queue,
        id_key=settings.routing.id_key,
        webhook_secret=api.webhook_secret,
        hubspot_secret=api.hubspot_secret,
        typeform_secret=api.typeform_secret,
        product_events_secret=api.product_events_secret,
        api_token=api.api_token,
        insecure=insecure,
        ui_url=ui_url,
        namespace=settings.temporal.namespace,
        public_url=api.public_url,
        mappings=load_mappings(api.form_mappings),
        dedupe_window=timedelta(seconds=api.dedupe_window_seconds),
        rate_limit_per_minute=api.rate_limit_per_minute,
        request_timeout=api.request_timeout_seconds,
        codec_keys=configured_keys(settings.codec),
        codec_token=settings.codec.token,
        codec_origin=settings.codec.cors_origin,
        crm=settings.crm,
        rules_path=settings.routing.rules_path,
        companies_path=settings.routing.companies_path,
        console=settings.console,
        answer_wait=api.answer_wait_seconds,
    )


def webhooks_note(config: ApiConfig) -> str:
    """What a person starting the service reads about its webhooks."""
    if config.insecure:
        return (
            "[yellow]INSECURE development mode (--insecure-dev): every webhook accepts "
            "unsigned deliveries. Never expose this service.[/yellow]"
        )
    off = config.unconfigured()
    salesforce = (
        "salesforce outbound messages on"
        if config.crm.salesforce_outbound_token
        else "salesforce outbound messages off (set LEAD_ROUTER_SALESFORCE_OUTBOUND_TOKEN)"
    )
    if not off:
        return f"webhooks: every provider configured and verified; {salesforce}"
    on = [p.name for p in PROVIDERS.values() if p not in off]
    return (
        f"webhooks verified: {', '.join(on) or 'none'}; not configured (answer 404): "
        + ", ".join(f"{p.name} (set {p.secret_env})" for p in off)
        + f"; {salesforce}"
    )
