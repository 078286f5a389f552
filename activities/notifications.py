"""Notifications: written to the outbox always, then sent once on each channel the
recipient gets: Slack (Block Kit, mentioning the member's Slack user) and email."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.database.outbox import Outbox
from activities.database.tables import NotificationRow
from activities.email import EmailFailed, SmtpMailer
from domain import texts
from domain.lifecycle import Address, Notification

Email = tuple[str, str, str]  # to, subject, body
_LONG_FIELDS = ("Message", "Why")  # a section each: Slack cuts fields at 2,000 characters


@dataclass(frozen=True)
class Channels:
    """Where notifications go, and the links they carry (`starter.runtime.settings`)."""

    slack_webhook_url: str | None = None
    mailer: SmtpMailer | None = None
    temporal_ui_url: str | None = None
    namespace: str = "default"
    crm_record_url: str | None = None  # with {record_id}
    to: str | None = None  # the ops channel's one address (owners have their own)

    def links(self, note: Notification) -> list[tuple[str, str]]:
        if note.context is None:
            return []
        return texts.handoff_links(
            note.context, self.temporal_ui_url, self.namespace, self.crm_record_url
        )


class Sender:
    """Sends an outbox row on each channel still pending, once each: a failure raises
    (Temporal retries the activity) and the retry sends only what is still pending."""

    def __init__(self, outbox: Outbox, channels: Channels, http: httpx.AsyncClient) -> None:
        self.outbox, self.channels, self.http = outbox, channels, http

    async def send(
        self, row: NotificationRow, slack: dict[str, Any] | None, email: Email | None
    ) -> str:
        assert row.id is not None
        failures = []
        if row.slack_status == "pending" and slack is not None:
            failure = await self._slack(slack)
            await self.outbox.mark_slack(row.id, sent=failure is None)
            failures.append(failure)
        if row.email_status == "pending" and email is not None:
            failure = await self._email(*email)
            await self.outbox.mark_email(row.id, sent=failure is None)
            failures.append(failure)
        if any(failures):
            raise ApplicationError("; ".join(f for f in failures if f))
        return "sent" if failures else row.slack_status

    async def _slack(self, message: dict[str, Any]) -> str | None:
        assert self.channels.slack_webhook_url is not None
        try:
            response = await self.http.post(self.channels.slack_webhook_url, json=message)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            return f"Slack webhook failed: {exc}"
        return None

    async def _email(self, to: str, subject: str, body: str) -> str | None:
        assert self.channels.mailer is not None
        try:
            await self.channels.mailer.send(to, subject, body)
        except EmailFailed as exc:
            return f"email to {to} failed: {exc}"
        return None


class OpsChannel:
    """The ops channel: routing-health alerts and the weekly QA sample, each sent once
    per key (`ops:<key>`, step) through the outbox."""

    def __init__(self, outbox: Outbox, channels: Channels, http: httpx.AsyncClient) -> None:
        self.outbox, self.sender = outbox, Sender(outbox, channels, http)

    async def post(
        self, key: str, step: int, kind: str, text: str, subject: str, attachment: str | None = None
    ) -> str:
        channels = self.sender.channels
        slack = channels.slack_webhook_url is not None
        email = channels.to if channels.mailer is not None else None
        row = await self.outbox.record(
            f"ops:{key}", step, kind, None, text, slack=slack, email=email is not None
        )
        body = f"{text}\n\n{attachment}" if attachment else text
        return await self.sender.send(
            row,
            text_message(text, attachment) if slack else None,
            (email, subject, body) if email else None,
        )


class NotificationActivities:
    def __init__(
        self,
        outbox: Outbox,
        slack_webhook_url: str | None = None,
        http: httpx.AsyncClient | None = None,
        channels: Channels | None = None,
    ) -> None:
        self.outbox = outbox
        self.channels = channels or Channels(slack_webhook_url=slack_webhook_url)
        self.sender = Sender(outbox, self.channels, http or httpx.AsyncClient(timeout=5.0))

    @activity.defn
    async def notify(self, note: Notification) -> str:
        """Write to the outbox (always), then send on each channel still pending; a failed
        channel raises (the retry sends only what is still pending)."""
        slack, email_to = self._routes(note.address)
        row = await self.outbox.record(
            note.lead_id,
            note.step,
            note.kind,
            note.recipient,
            note.text,
            slack=slack,
            facts=note.facts,
            email=email_to is not None,
        )
        links = self.channels.links(note)
        return await self.sender.send(
            row,
            slack_message(note, links) if slack else None,
            (email_to, *email_message(note, links)) if email_to else None,
        )

    def _routes(self, address: Address | None) -> tuple[bool, str | None]:
        """(Slack?, the email address to write to): the member's choice where it can be
        honoured; a member who chose email without an address (or without SMTP) gets Slack."""
        mailer = self.channels.mailer
        email_to = address.email if address and mailer and address.via != "slack" else None
        slack = address is None or address.via != "email" or email_to is None
        return slack and self.channels.slack_webhook_url is not None, email_to


def slack_message(note: Notification, links: list[tuple[str, str]]) -> dict[str, Any]:
    """Slack's incoming-webhook format: fallback text, then Block Kit blocks: the headline
    with the mention, the handoff context as fields, the message, the links as buttons."""
    address = note.address
    if address is not None and address.slack_user_id:
        who = f"<@{address.slack_user_id}> "
    else:
        who = f"*{note.recipient}*: " if note.recipient else ""
    headline = f"{who}{note.text}"
    blocks: list[dict[str, Any]] = [{"type": "section", "text": _md(headline)}]
    if note.context is not None:
        lines = texts.handoff_lines(note.context)
        short = [_md(f"*{label}*\n{value}") for label, value in lines if label not in _LONG_FIELDS]
        blocks.append({"type": "section", "fields": short[:10]})
        blocks += [
            {"type": "section", "text": _md(f"*{label}*\n{value}")}
            for label, value in lines
            if label in _LONG_FIELDS and value != "-"
        ]
    if links:
        buttons = [
            {"type": "button", "text": {"type": "plain_text", "text": label}, "url": url}
            for label, url in links
        ]
        blocks.append({"type": "actions", "elements": buttons})
    context = _md(f"lead `{note.lead_id}` · {note.kind} · step {note.step}")
    blocks.append({"type": "context", "elements": [context]})
    return {"text": headline, "blocks": blocks}


def email_message(note: Notification, links: list[tuple[str, str]]) -> tuple[str, str]:
    """(subject, plain-text body): the headline, the handoff context, the links."""
    lines = [note.text, ""]
    if note.context is not None:
        lines += [f"{label}: {value}" for label, value in texts.handoff_lines(note.context)]
    lines += [f"{label}: {url}" for label, url in links]
    lines += ["", f"lead {note.lead_id} · {note.kind} · step {note.step}"]
    subject = note.text if len(note.text) <= 150 else note.text[:149] + "…"
    return subject, "\n".join(lines)


def text_message(text: str, code: str | None = None) -> dict[str, Any]:
    """A plain message for the ops channel, with a code block (cut to Slack's section
    limit) when given."""
    blocks: list[dict[str, Any]] = [{"type": "section", "text": _md(text)}]
    if code:
        shown = code if len(code) <= 2900 else code[:2880] + "\n…"
        blocks.append({"type": "section", "text": _md(f"```{shown}```")})
    return {"text": text, "blocks": blocks}


def _md(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}
