"""Every setting lead-router reads from the environment, in one place, with defaults
that work on a fresh clone. Nothing else reads the environment (tests/starter/test_settings.py
checks the README's configuration table against these names).

Each group is read on its own, so a command builds only the groups it uses; an empty
variable counts as unset.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from activities.email import check_smtp_url
from domain.identity import DEFAULT_ID_KEY

SAMPLE_DIR = Path(str(files("domain") / "data"))
DEFAULT_RULES = SAMPLE_DIR / "rules.yaml"
SAMPLE_COMPANIES = SAMPLE_DIR / "companies.csv"
SAMPLE_ACCOUNTS = SAMPLE_DIR / "accounts.csv"
SAMPLE_LEADS = SAMPLE_DIR / "leads.jsonl"
DEFAULT_DATA_DIR = Path(".lead-router")
DATABASE_FILE = "lead-router.db"
DEFAULT_DATABASE = DEFAULT_DATA_DIR / DATABASE_FILE
DEFAULT_MAX_CACHED_WORKFLOWS = 400


class _Group(BaseSettings):
    model_config = SettingsConfigDict(
        env_ignore_empty=True, extra="ignore", populate_by_name=True, frozen=True
    )


class TemporalSettings(_Group):
    address: str = Field("localhost:7233", validation_alias="TEMPORAL_ADDRESS")
    namespace: str = Field("default", validation_alias="TEMPORAL_NAMESPACE")
    task_queue: str = Field("lead-router", validation_alias="LEAD_ROUTER_TASK_QUEUE")
    # Temporal Cloud or any TLS server: an API key, or mTLS with PEM files
    api_key: str | None = Field(None, validation_alias="TEMPORAL_API_KEY")
    tls_cert: Path | None = Field(None, validation_alias="TEMPORAL_TLS_CERT")
    tls_key: Path | None = Field(None, validation_alias="TEMPORAL_TLS_KEY")
    # Leads kept in the worker's memory between workflow tasks (~0.3 MB each). A lead
    # evicted while it waits on its SLA timer is replayed from its history when the timer
    # fires (~20 ms of CPU, once): memory stays flat however many leads wait.
    max_cached_workflows: int = Field(
        DEFAULT_MAX_CACHED_WORKFLOWS, validation_alias="LEAD_ROUTER_MAX_CACHED_WORKFLOWS"
    )


class DataDirSettings(_Group):
    """Where a local install keeps its state: the app database (unless a URL is set) and
    the embedded Temporal server's files, the history cache."""

    data_dir: Path = Field(DEFAULT_DATA_DIR, validation_alias="LEAD_ROUTER_DATA_DIR")


class DatabaseSettings(_Group):
    url: str = Field(
        str(DEFAULT_DATABASE),
        validation_alias=AliasChoices("LEAD_ROUTER_DATABASE_URL", "DATABASE_URL"),
    )

    @property
    def configured(self) -> bool:
        """Whether the URL was set, rather than the data dir's default."""
        return "url" in self.model_fields_set

    def under(self, data_dir: Path) -> DatabaseSettings:
        """The URL set, else the data dir's SQLite file (still counted as not set)."""
        if self.configured:
            return self
        return DatabaseSettings.model_construct(set(), url=str(data_dir / DATABASE_FILE))


def _database_in_data_dir(fields: dict[str, Any]) -> DatabaseSettings:
    return DatabaseSettings().under(fields["paths"].data_dir)


class RoutingSettings(_Group):
    rules_path: Path = Field(DEFAULT_RULES, validation_alias="LEAD_ROUTER_RULES")
    companies_path: Path = Field(SAMPLE_COMPANIES, validation_alias="LEAD_ROUTER_COMPANIES")
    id_key: str = Field(DEFAULT_ID_KEY, validation_alias="LEAD_ROUTER_ID_KEY")


class ApiSettings(_Group):
    webhook_secret: str | None = Field(None, validation_alias="LEAD_ROUTER_WEBHOOK_SECRET")
    hubspot_secret: str | None = Field(None, validation_alias="LEAD_ROUTER_HUBSPOT_SECRET")
    typeform_secret: str | None = Field(None, validation_alias="LEAD_ROUTER_TYPEFORM_SECRET")
    # the product's events (a trial activating), signed like the forms webhook
    product_events_secret: str | None = Field(
        None, validation_alias="LEAD_ROUTER_PRODUCT_EVENTS_SECRET"
    )
    api_token: str | None = Field(None, validation_alias="LEAD_ROUTER_API_TOKEN")
    form_mappings: Path | None = Field(None, validation_alias="LEAD_ROUTER_FORM_MAPPINGS")
    public_url: str | None = Field(None, validation_alias="LEAD_ROUTER_PUBLIC_URL")
    rate_limit_per_minute: int = Field(600, validation_alias="LEAD_ROUTER_RATE_LIMIT_PER_MINUTE")
    dedupe_window_seconds: int = Field(600, validation_alias="LEAD_ROUTER_DEDUPE_WINDOW_SECONDS")
    # the longest a webhook asked to wait (?wait=assignment, Prefer: wait=N) holds its caller
    answer_wait_seconds: float = Field(
        2.0, ge=0, le=10, validation_alias="LEAD_ROUTER_ANSWER_WAIT_SECONDS"
    )
    # a request's headers and body must arrive within this; a slow or stalled sender is cut off
    request_timeout_seconds: float = Field(
        10.0, gt=0, validation_alias="LEAD_ROUTER_REQUEST_TIMEOUT_SECONDS"
    )


class ConsoleSettings(_Group):
    # "alice=scrypt$...;bob=scrypt$..." (`lead-router console hash-password`); the API
    # token always logs in too
    users: str | None = Field(None, validation_alias="LEAD_ROUTER_CONSOLE_USERS")
    # signs the console's session cookies; default: derived from the API token
    secret: str | None = Field(None, validation_alias="LEAD_ROUTER_CONSOLE_SECRET")
    session_hours: float = Field(12.0, gt=0, validation_alias="LEAD_ROUTER_CONSOLE_SESSION_HOURS")


class CodecSettings(_Group):
    keys: str | None = Field(None, validation_alias="LEAD_ROUTER_CODEC_KEYS")
    key_file: Path | None = Field(None, validation_alias="LEAD_ROUTER_CODEC_KEY_FILE")
    token: str | None = Field(None, validation_alias="LEAD_ROUTER_CODEC_TOKEN")
    cors_origin: str | None = Field(None, validation_alias="LEAD_ROUTER_CODEC_CORS_ORIGIN")


class TelemetrySettings(_Group):
    otel_exporter: str = Field("none", validation_alias="LEAD_ROUTER_OTEL_EXPORTER")


class NotificationSettings(_Group):
    slack_webhook_url: str | None = Field(None, validation_alias="LEAD_ROUTER_SLACK_WEBHOOK_URL")
    # email: smtp://user:password@host:587 (STARTTLS) or smtps://...:465 (activities/email.py)
    smtp_url: str | None = Field(None, validation_alias="LEAD_ROUTER_SMTP_URL")
    email_from: str = Field("lead-router@localhost", validation_alias="LEAD_ROUTER_EMAIL_FROM")
    # the links a notification carries: the lead in the Web UI, its CRM record ({record_id})
    temporal_ui_url: str | None = Field(None, validation_alias="LEAD_ROUTER_TEMPORAL_UI_URL")
    crm_record_url: str | None = Field(None, validation_alias="LEAD_ROUTER_CRM_RECORD_URL")
    # the ops channel routing-health alerts and the weekly QA sample go to
    ops_slack_webhook_url: str | None = Field(
        None, validation_alias="LEAD_ROUTER_OPS_SLACK_WEBHOOK_URL"
    )
    ops_email: str | None = Field(None, validation_alias="LEAD_ROUTER_OPS_EMAIL")

    @field_validator("smtp_url")
    @classmethod
    def _smtp(cls, value: str | None) -> str | None:
        return check_smtp_url(value) if value else None


class CrmSettings(_Group):
    """The CRM lead-router writes owners to and takes first actions from: HubSpot (its
    events signed with LEAD_ROUTER_HUBSPOT_SECRET, of the api group) or Salesforce (its
    outbound messages checked against the org id and the token in their URL)."""

    hubspot_token: str | None = Field(None, validation_alias="LEAD_ROUTER_HUBSPOT_TOKEN")
    hubspot_api_url: str = Field(
        "https://api.hubapi.com", validation_alias="LEAD_ROUTER_HUBSPOT_API_URL"
    )
    hubspot_tasks: bool = Field(True, validation_alias="LEAD_ROUTER_HUBSPOT_TASKS")
    # VALUE=action pairs, comma-separated; unset: domain.crm_events.DEFAULT_STATUS_ACTIONS
    hubspot_lead_status_actions: str | None = Field(
        None, validation_alias="LEAD_ROUTER_HUBSPOT_LEAD_STATUS_ACTIONS"
    )
    # the org's My Domain URL: the token endpoint and the REST API's base
    salesforce_instance_url: str | None = Field(
        None, validation_alias="LEAD_ROUTER_SALESFORCE_INSTANCE_URL"
    )
    salesforce_client_id: str | None = Field(
        None, validation_alias="LEAD_ROUTER_SALESFORCE_CLIENT_ID"
    )
    salesforce_client_secret: str | None = Field(
        None, validation_alias="LEAD_ROUTER_SALESFORCE_CLIENT_SECRET"
    )
    # JWT bearer instead of the secret: the integration user and the app's private key
    salesforce_username: str | None = Field(
        None, validation_alias="LEAD_ROUTER_SALESFORCE_USERNAME"
    )
    salesforce_private_key_file: Path | None = Field(
        None, validation_alias="LEAD_ROUTER_SALESFORCE_PRIVATE_KEY_FILE"
    )
    salesforce_login_url: str = Field(
        "https://login.salesforce.com", validation_alias="LEAD_ROUTER_SALESFORCE_LOGIN_URL"
    )
    salesforce_tasks: bool = Field(True, validation_alias="LEAD_ROUTER_SALESFORCE_TASKS")
    salesforce_api_reserve: float = Field(
        0.1, ge=0, lt=1, validation_alias="LEAD_ROUTER_SALESFORCE_API_RESERVE"
    )
    salesforce_lead_status_actions: str | None = Field(
        None, validation_alias="LEAD_ROUTER_SALESFORCE_LEAD_STATUS_ACTIONS"
    )
    salesforce_org_id: str | None = Field(None, validation_alias="LEAD_ROUTER_SALESFORCE_ORG_ID")
    salesforce_outbound_token: str | None = Field(
        None, validation_alias="LEAD_ROUTER_SALESFORCE_OUTBOUND_TOKEN"
    )
    salesforce_integration_user_id: str | None = Field(
        None, validation_alias="LEAD_ROUTER_SALESFORCE_INTEGRATION_USER_ID"
    )

    @model_validator(mode="after")
    def _one_crm(self) -> CrmSettings:
        if self.hubspot_token and self.salesforce_client_id:
            raise ValueError(
                "LEAD_ROUTER_HUBSPOT_TOKEN and LEAD_ROUTER_SALESFORCE_CLIENT_ID are both set: "
                "lead-router writes owners to one CRM, unset one of them"
            )
        if self.salesforce_client_id and not self.salesforce_instance_url:
            raise ValueError(
                "LEAD_ROUTER_SALESFORCE_CLIENT_ID is set without "
                "LEAD_ROUTER_SALESFORCE_INSTANCE_URL: set your org's My Domain URL, "
                "such as https://acme.my.salesforce.com"
            )
        return self

    @property
    def crm(self) -> Literal["hubspot", "salesforce"] | None:
        if self.hubspot_token:
            return "hubspot"
        return "salesforce" if self.salesforce_client_id else None


class ReplaySettings(_Group):
    history_cache: str | None = Field(None, validation_alias="LEAD_ROUTER_HISTORY_CACHE")


class Settings(_Group):
    """All of it, each group read from the environment when first built."""

    temporal: TemporalSettings = Field(default_factory=TemporalSettings)
    paths: DataDirSettings = Field(default_factory=DataDirSettings)
    database: DatabaseSettings = Field(default_factory=_database_in_data_dir)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    codec: CodecSettings = Field(default_factory=CodecSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    crm: CrmSettings = Field(default_factory=CrmSettings)
    replay: ReplaySettings = Field(default_factory=ReplaySettings)

    def with_temporal(self, address: str | None, namespace: str | None = None) -> Settings:
        """These settings with a command line's --address and --namespace, where given."""
        temporal = self.temporal.model_copy(
            update={
                "address": address or self.temporal.address,
                "namespace": namespace or self.temporal.namespace,
            }
        )
        return self.model_copy(update={"temporal": temporal})

    def with_data_dir(self, data_dir: Path | None) -> Settings:
        """These settings with a command line's --data-dir, where given: the app
        database's default follows it."""
        if data_dir is None:
            return self
        return self.model_copy(
            update={
                "paths": DataDirSettings(data_dir=data_dir),
                "database": self.database.under(data_dir),
            }
        )

    def with_database(self, url: str | None) -> Settings:
        """These settings with a command line's --database, where given."""
        if not url:
            return self
        return self.model_copy(update={"database": DatabaseSettings(url=url)})


ENV_GROUPS: tuple[type[_Group], ...] = (
    TemporalSettings,
    DataDirSettings,
    DatabaseSettings,
    RoutingSettings,
    ApiSettings,
    ConsoleSettings,
    CodecSettings,
    TelemetrySettings,
    NotificationSettings,
    CrmSettings,
    ReplaySettings,
)


def environment_variables() -> set[str]:
    """Every variable the settings read."""
    names: set[str] = set()
    for group in ENV_GROUPS:
        for info in group.model_fields.values():
            alias = info.validation_alias
            if isinstance(alias, str):
                names.add(alias)
            elif isinstance(alias, AliasChoices):
                names |= {c for c in alias.choices if isinstance(c, str)}
    return names
