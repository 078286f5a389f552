"""The notification channels the settings name: shared by the worker and `lead-router up`."""

from __future__ import annotations

from activities.email import SmtpMailer
from activities.notifications import Channels
from starter.runtime.settings import Settings


def notification_channels(settings: Settings, ui_url: str | None = None) -> Channels:
    """Slack, email and the links; `ui_url` is the embedded server's Web UI, if any."""
    notes = settings.notifications
    mailer = SmtpMailer(notes.smtp_url, notes.email_from) if notes.smtp_url else None
    return Channels(
        slack_webhook_url=notes.slack_webhook_url,
        mailer=mailer,
        temporal_ui_url=notes.temporal_ui_url or ui_url,
        namespace=settings.temporal.namespace,
        crm_record_url=notes.crm_record_url,
    )


def ops_channels(settings: Settings) -> Channels:
    """The ops channel (routing-health alerts, the weekly sample): its Slack webhook, and
    the SMTP server with the address to write to."""
    notes = settings.notifications
    mailer = SmtpMailer(notes.smtp_url, notes.email_from) if notes.smtp_url else None
    return Channels(
        slack_webhook_url=notes.ops_slack_webhook_url, mailer=mailer, to=notes.ops_email
    )
