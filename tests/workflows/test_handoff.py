"""The handoff context on the embedded server: what the owner reads in Slack (Block Kit,
mentioned by their Slack user) and in email (a real SMTP server on loopback), the
deadline in their own time zone, and the same context in `status`."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from activities.email import SmtpMailer
from activities.notifications import Channels
from domain.lifecycle import LeadState, LeadStatus
from domain.texts import describe_state
from tests.fakes.slack import FakeSlack
from tests.fakes.smtp import FakeSmtp
from tests.helpers import until_true
from tests.workflows.conftest import LabFactory, rules_yaml

pytestmark = pytest.mark.asyncio(loop_scope="session")

ZONE = "Europe/Berlin"
MM = {
    "email": "dana@northwind.io", "first_name": "Dana", "last_name": "Wu",
    "job_title": "VP Revenue Operations", "lead_type": "demo_request", "country": "US",
    "state": "NY", "utm_source": "google", "utm_campaign": "q4-demo",
    "page_url": "https://example.com/pricing", "message": "We route 4,000 leads a month.",
}  # fmt: skip


def roster_rules(via: str) -> str:
    """Every member in Berlin time, with a Slack user, an email and the given channel."""
    data = yaml.safe_load(rules_yaml())
    for team in data["teams"]:
        for member in team["members"]:
            member.update(
                timezone=ZONE,
                slack_user_id=slack_id(member["id"]),
                email=f"{member['id']}@example.com",
                notify_via=via,
            )
    return yaml.safe_dump(data, sort_keys=False)


def slack_id(member_id: str) -> str:
    return "U" + member_id.replace(".", "").upper()[:10]


def channels(slack: FakeSlack | None, smtp: FakeSmtp | None) -> Channels:
    return Channels(
        slack_webhook_url=slack.url if slack else None,
        mailer=SmtpMailer(smtp.url, "router@example.com") if smtp else None,
        temporal_ui_url="http://ui.example:8233",
        namespace="default",
    )


def _due_local(state: LeadState) -> str:
    assert state.sla_due_at is not None
    return f"{state.sla_due_at.astimezone(ZoneInfo(ZONE)):%Y-%m-%d %H:%M %Z}"


async def test_slack_gets_block_kit_with_the_handoff_context(
    lab: LabFactory, slack: FakeSlack
) -> None:
    lab_ = await lab(roster_rules("slack"), channels=channels(slack, None))
    handle = await lab_.submit(MM)
    state = await lab_.routed(handle)
    await until_true(lambda: len(slack.posts) == 1, "the assignment's Slack post")
    post: dict[str, Any] = slack.posts[0]  # type: ignore[assignment]
    head, fields, *rest = post["blocks"]
    assert head["text"]["text"].startswith(
        f"<@{slack_id(state.owner or '')}> New demo_request lead "
    )
    assert "(Dana Wu at Northwind" in post["text"] or "(Dana Wu)" in post["text"]
    by_label = dict(f["text"].split("\n", 1) for f in fields["fields"])
    assert (
        by_label["*Lead*"]
        == f"Dana Wu, VP Revenue Operations <{MM['email'].split('@')[0]}+{lab_.task_queue}@northwind.io>"
    )
    assert by_label["*Company*"] == "Northwind Analytics · 350 employees · Software · US"
    assert by_label["*Source*"] == "google · campaign q4-demo"
    assert by_label["*Page*"] == MM["page_url"]
    assert by_label["*Due*"].startswith(_due_local(state)) and ZONE in by_label["*Due*"]
    assert by_label["*Rule*"] == ", ".join(state.rule_ids)
    texts = [b["text"]["text"] for b in rest if b["type"] == "section"]
    assert f"*Message*\n{MM['message']}" in texts
    [actions] = [b for b in rest if b["type"] == "actions"]
    assert actions["elements"][0]["url"] == (
        f"http://ui.example:8233/namespaces/default/workflows/{handle.id}"
    )
    notes = await lab_.store.outbox.for_lead(handle.id)
    assert [(n.slack_status, n.email_status) for n in notes] == [("sent", "not_configured")]
    # `status` (and GET /leads/{id}, the same query) shows the same context
    assert state.handoff is not None and state.handoff.company == "Northwind Analytics"
    lines = describe_state(state)
    assert "  Company: Northwind Analytics · 350 employees · Software · US" in lines
    assert any(line.startswith(f"  Due: {_due_local(state)}") for line in lines)


async def test_a_member_who_chose_email_gets_it_from_a_real_smtp_server(
    lab: LabFactory, slack: FakeSlack, smtp: FakeSmtp
) -> None:
    lab_ = await lab(roster_rules("email"), channels=channels(slack, smtp))
    handle = await lab_.submit(MM)
    state = await lab_.routed(handle)
    await until_true(lambda: len(smtp.messages) == 1, "the assignment's email")
    [message] = smtp.messages
    assert message["To"] == f"{state.owner}@example.com"
    assert message["From"] == "router@example.com"
    assert str(message["Subject"]).startswith("New demo_request lead ")
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Company: Northwind Analytics · 350 employees · Software · US" in body
    assert f"Due: {_due_local(state)}" in body and ZONE in body
    assert f"Message: {MM['message']}" in body
    assert f"Temporal: http://ui.example:8233/namespaces/default/workflows/{handle.id}" in body
    assert slack.posts == []  # they chose email only
    notes = await lab_.store.outbox.for_lead(handle.id)
    assert [(n.slack_status, n.email_status) for n in notes] == [("not_configured", "sent")]


async def test_a_failing_smtp_server_is_retried_and_never_blocks_routing(
    lab: LabFactory, slack: FakeSlack, smtp: FakeSmtp
) -> None:
    smtp.down = True
    lab_ = await lab(roster_rules("both"), channels=channels(slack, smtp))
    handle = await lab_.submit(MM)
    state = await lab_.routed(handle)
    assert state.status is LeadStatus.waiting_first_action and state.owner
    await until_true(lambda: smtp.refused >= 2, "two refused attempts", timeout=20)
    # Slack went out once; the retries send only the email still pending
    assert len(slack.posts) == 1
    [note] = await lab_.store.outbox.for_lead(handle.id)
    assert (note.slack_status, note.email_status) == ("sent", "pending")
    assert note.email_attempts >= 2
    smtp.down = False
    await until_true(lambda: len(smtp.messages) == 1, "the email once the server is back", 30)
    [note] = await lab_.store.outbox.for_lead(handle.id)
    assert (note.slack_status, note.email_status, note.slack_attempts) == ("sent", "sent", 1)
    assert len(slack.posts) == 1
