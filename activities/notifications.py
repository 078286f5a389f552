"""Notifications: written to the outbox always, posted to Slack once if configured."""

from __future__ import annotations

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.database.outbox import Outbox
from domain.lifecycle import Notification


class NotificationActivities:
    def __init__(
        self,
        outbox: Outbox,
        slack_webhook_url: str | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.outbox = outbox
        self.slack_webhook_url = slack_webhook_url
        self.http = http or httpx.AsyncClient(timeout=5.0)

    @activity.defn
    async def notify(self, note: Notification) -> str:
        """Write to the outbox (always), then post to Slack once if configured."""
        row = await self.outbox.record(
            note.lead_id,
            note.step,
            note.kind,
            note.recipient,
            note.text,
            slack=self.slack_webhook_url is not None,
            facts=note.facts,
        )
        if row.slack_status != "pending" or self.slack_webhook_url is None:
            return row.slack_status
        assert row.id is not None
        try:
            response = await self.http.post(self.slack_webhook_url, json=slack_message(note))
            response.raise_for_status()
        except httpx.HTTPError as exc:
            await self.outbox.mark_slack(row.id, sent=False)
            raise ApplicationError(f"Slack webhook failed: {exc}") from None
        await self.outbox.mark_slack(row.id, sent=True)
        return "sent"


def slack_message(note: Notification) -> dict[str, object]:
    """Slack's incoming-webhook format: fallback text plus one section block."""
    who = f"<@{note.recipient}> " if note.recipient else ""
    return {
        "text": f"{who}{note.text}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{who}{note.text}"}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"lead `{note.lead_id}` · {note.kind}"}],
            },
        ],
    }
