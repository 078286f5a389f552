"""The words people read about a lead: activity and timer summaries in the Web UI,
the Markdown details above its history, and the notifications owners get.

Summaries travel in history commands' metadata: they never affect replay, but
changing one changes what the Web UI shows for every new lead.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from domain.health import Incident
from domain.lifecycle import Handoff, LeadLife, LeadState, LeadStatus
from domain.models import Assignment, Lead, RoutingPlan
from domain.plan import describe_sla

LOAD_RULES = "load the rules (pinned for this lead's whole life)"
LET_NOTIFICATIONS_FINISH = "let notifications in flight finish"
TRIAL_ACTIVATED = "Trial activated: routed again as a demo request"


# Activity and timer summaries


def route_summary(routing: RoutingPlan) -> str:
    """What the assign step will do, in the words of the rule that decided it."""
    rule = ", ".join(routing.rule_ids)
    if routing.suppressed:
        return f"suppressed by rule {rule}: nurture track {routing.track}, no owner, no SLA"
    sla = describe_sla(routing.sla_seconds)
    if routing.preferred_owner:
        method = (routing.owner_method or "direct owner").replace("_", " ")
        return f"route by rule {rule}: {routing.preferred_owner}, the {method}, in {routing.team}; SLA {sla}"
    return f"route by rule {rule}: round-robin in {routing.team}; SLA {sla}"


def trial_route_summary(routing: RoutingPlan) -> str:
    return f"trial activated: {route_summary(routing)}"


def enrich_summary(lead: Lead) -> str:
    return f"enrich {lead.email_domain}: firmographics, spam signals, CRM account"


def enrichment_unavailable(cause: str) -> str:
    return f"enrichment unavailable ({cause}); routed on form data"


def release_summary(owner: str) -> str:
    return f"release {owner}'s open-lead count"


def notify_summary(recipient: str | None, kind: str, summary: str | None = None) -> str:
    return f"notify {recipient or 'nobody'}: {summary or kind.replace('_', ' ')}"


def escalate_summary(level: int, missed_by: str | None, teams: list[str]) -> str:
    return (
        f"escalate to level {level}: {missed_by or 'nobody'} missed the SLA; "
        f"round-robin in {', '.join(teams)}"
    )


def manual_summary(owner_id: str, team: str | None, reason: str) -> str:
    return f"manual reassign to {owner_id} ({team}): {reason}"


def away_summary(owner_id: str, chain: list[str]) -> str:
    return f"reassign at once: {owner_id} is unavailable; round-robin in {', '.join(chain)}"


def wait_summary(owner: str | None, deadline: datetime, sla_seconds: int | None, level: int) -> str:
    return (
        f"wait for {owner}'s first action until {deadline:%Y-%m-%d %H:%M} UTC "
        f"(SLA {describe_sla(sla_seconds)}, level {level})"
    )


# Reasons recorded in the lead's decisions


def escalation_reason(level: int, missed_by: str | None, step_reason: str) -> str:
    return f"Escalation level {level}: {missed_by} missed the SLA; {step_reason}"


def exhausted_reason(missed_by: str | None) -> str:
    return f"{missed_by} missed the SLA and every escalation step is exhausted"


def manual_reason(reason: str) -> str:
    return f"Manual reassign: {reason}"


def away_reason(owner_id: str, reason: str) -> str:
    return f"{owner_id} became unavailable ({reason}); reassigned at once"


# Notifications


def local_time(at: datetime, zone: str | None) -> str:
    """A moment in the reader's own time zone, with UTC beside it when that differs."""
    utc = f"{at:%Y-%m-%d %H:%M} UTC"
    if zone is None or zone == "UTC":
        return utc
    local = at.astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M %Z} ({zone}; {at:%H:%M} UTC)"


def due_text(deadline: datetime | None, zone: str | None = None) -> str:
    return f"first action due {local_time(deadline, zone)}" if deadline else "no SLA"


def assigned_text(lead: Lead, to: Assignment, due: str, kind: str, missed: str | None) -> str:
    """What the new owner reads: a new lead, or one handed over (and why)."""
    who = " at ".join(n for n in (_name(lead), lead.company) if n)
    what = f"{lead.lead_type.value} lead {lead.lead_id}" + (f" ({who})" if who else "")
    if kind == "escalation":
        why = f"{missed} missed its SLA" if missed else "its SLA was missed"
        return f"Escalated to you: {what} ({to.team}), {why}; {due}"
    if kind in ("manual", "owner_unavailable"):
        return f"Reassigned to you: {what} ({to.team}); {due}"
    return f"New {what} for you ({to.team}); {due}"


def assigned_summary(assignment: Assignment, due: str) -> str:
    return f"assigned by {assignment.method.replace('_', ' ')} in {assignment.team}; {due}"


def unowned_text(lead_id: str, reason: str) -> str:
    return f"Lead {lead_id} has no owner and needs review: {reason}"


def escalation_alert_text(lead_id: str, team: str, why: str) -> str:
    return f"Lead {lead_id} escalated to {team}: {why}"


def _name(lead: Lead) -> str | None:
    return " ".join(n for n in (lead.first_name, lead.last_name) if n) or None


def handoff_lines(h: Handoff) -> list[tuple[str, str]]:
    """The handoff context as labelled lines, in the order a rep reads them: the Slack
    blocks' fields, the email's body and `lead-router status` all show these."""
    person = ", ".join(p for p in (h.name, h.title) if p)
    size = f"{h.company_size} employees" if h.company_size else None
    company = " · ".join(p for p in (h.company, size, h.industry, h.country) if p)
    campaign = f" · campaign {h.utm_campaign}" if h.utm_campaign else ""
    lines = [
        ("Lead", f"{person} <{h.email}>" if person else h.email),
        ("Company", company or "unknown"),
        ("Type", f"{h.lead_type} · {h.tier or 'tier unknown'}"),
        ("Source", f"{h.source}{campaign}"),
        ("Page", h.page or "-"),
        ("Message", _clip(h.message) if h.message else "-"),
        ("Rule", ", ".join(h.rule_ids) or "-"),
        ("Why", "; ".join(h.reasons) or "-"),
        ("Due", local_time(h.due_at, h.owner_timezone) if h.due_at else "no SLA"),
    ]
    if h.missed_by:
        since = f" (due {local_time(h.missed_since, h.owner_timezone)})" if h.missed_since else ""
        lines.append(("Missed by", f"{h.missed_by}{since}"))
    if h.crm_record_id:
        lines.append(("CRM", f"{h.crm} record {h.crm_record_id}"))
    return lines


def handoff_links(
    h: Handoff, temporal_ui: str | None, namespace: str, crm_record_url: str | None
) -> list[tuple[str, str]]:
    """Where to open the lead: its workflow in the Temporal Web UI, its CRM record."""
    links = []
    if temporal_ui:
        links.append(
            ("Temporal", f"{temporal_ui.rstrip('/')}/namespaces/{namespace}/workflows/{h.lead_id}")
        )
    if crm_record_url and h.crm_record_id:
        links.append(("CRM record", crm_record_url.format(record_id=h.crm_record_id)))
    return links


def _clip(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# The live state


def details(life: LeadLife) -> str:
    """The live state, in Markdown, as the Web UI shows it above the history."""
    cls = life.classification
    tier = cls.tier.value if cls and cls.tier else "tier unknown"
    head = f"**{life.status.value}** · {life.lead.lead_type.value} · {tier}"
    plan = life.plan
    if plan is not None and plan.score is not None:
        head += f" · score {plan.score} ({plan.score_band})"
    if plan is not None and plan.suppressed:
        head += f" · nurture track {plan.track}"
    if life.action is not None:
        head += f" · {life.action.action.value} by {life.action.owner_id}"
    due = (
        f", due {life.deadline:%Y-%m-%d %H:%M} UTC"
        if life.deadline and life.status is LeadStatus.waiting_first_action
        else ""
    )
    rules = (
        f"rule {', '.join(life.plan.rule_ids)} (rules {life.plan.rules_version})"
        if life.plan
        else "rules not loaded yet"
    )
    return "\n\n".join(
        [
            head,
            f"owner {life.owner or '-'} · team {life.team or '-'} · "
            f"SLA {describe_sla(life.sla_seconds)}{due} · escalation level {life.level}",
            f"{rules} · missed by {', '.join(life.missed) or 'nobody'} · "
            f"{len(life.resubmissions)} resubmission(s)",
        ]
    )


def closed_text(state: LeadState, closed: str, closed_at: datetime | None) -> str:
    """Why an action on a lead whose workflow has ended is refused: who closed it, when,
    and how (`closed` is the workflow's end: completed, terminated...)."""
    when = f" on {closed_at:%Y-%m-%d} at {closed_at:%H:%M} UTC" if closed_at else ""
    if state.first_action:
        by = f" by {state.owner}" if state.owner else ""
        how = state.first_action + (
            f": {state.first_action_reason}" if state.first_action_reason else ""
        )
        return f"already {state.status.value}{by}{when} ({how})"
    return f"already closed ({closed}){when}, last {state.status.value}"


def describe_state(state: LeadState) -> list[str]:
    """Lines a person reads in the terminal."""
    due = f"{state.sla_due_at:%Y-%m-%d %H:%M} UTC" if state.sla_due_at else "-"
    lines = [
        f"lead {state.lead_id}: {state.status.value}"
        + (f" (nurture track {state.track})" if state.track else "")
        + (f" · score {state.score} ({state.score_band})" if state.score is not None else ""),
        f"  owner {state.owner or '-'} · team {state.team or '-'} · tier {state.tier or '-'}",
        f"  SLA due {due} · escalation level {state.escalation_level} · "
        f"rules {state.rules_version} {','.join(state.rule_ids)}",
    ]
    lines += [f"  warning: {w}" for w in state.warnings]
    if state.handoff is not None:
        lines += [f"  {label}: {value}" for label, value in handoff_lines(state.handoff)]
    for d in state.decisions:
        lines.append(
            f"  [{d.step}] {d.at:%Y-%m-%d %H:%M:%S} {d.kind}: {d.owner or 'no owner'} "
            f"({d.team}, {d.method}, SLA {describe_sla(d.sla_seconds)})"
        )
        lines += [f"      {r}" for r in d.reasons]
    if state.first_action:
        why = f" ({state.first_action_reason})" if state.first_action_reason else ""
        lines.append(f"  first action: {state.first_action}{why}")
    if state.resubmissions:
        lines.append(f"  resubmitted {len(state.resubmissions)} time(s)")
    if (crm := state.crm_sync) is not None:
        record = f" record {crm.record_id}" if crm.record_id else ""
        warning = f": {crm.warning}" if crm.warning else ""
        lines.append(f"  crm_sync {crm.crm} {crm.status} (step {crm.step}){record}{warning}")
    return lines


# The rules file


def last_valid_version(version: str, path: object) -> str:
    """The version recorded on a lead routed by the last valid rules, the file being broken."""
    return f"{version} (last valid: {path} invalid)"


def rules_invalid_alert(path: object, problems: str, version: str) -> str:
    return (
        f"The rules file {path} is invalid; new leads are routed by the last valid version "
        f"({version}) until it is fixed (`lead-router rules check {path}`):\n{problems}"
    )


def erased_text(
    lead_id: str,
    erased_at: datetime,
    erased_by: str,
    team: str | None = None,
    owner: str | None = None,
    status: str | None = None,
) -> str:
    """What a person reads about a lead erased on request: when, by whom, and the
    routing facts that were kept (never who the person was)."""
    kept = ", ".join(
        f"{name} {value}"
        for name, value in (("team", team), ("owner", owner), ("status", status))
        if value
    )
    facts = f"; routing facts kept: {kept}" if kept else "; no routing facts were recorded"
    return (
        f"lead {lead_id} was erased on request on {erased_at:%Y-%m-%d} at {erased_at:%H:%M} UTC "
        f"by {erased_by}: its personal data and history payloads can no longer be read{facts}"
    )


# Routing health, to the ops channel


def health_alert_text(incident: Incident, what: str) -> str:
    return (
        f"Routing health: {incident.check} is {incident.value}, more than its threshold "
        f"{incident.threshold} ({what}); set in the rules file's `alerts.{incident.check}`"
    )


def health_recovery_text(incident: Incident, what: str, at: datetime) -> str:
    return (
        f"Routing health recovered: {incident.check} is back within its threshold "
        f"{incident.threshold} ({what}); the incident lasted from "
        f"{incident.opened_at:%Y-%m-%d %H:%M} to {at:%H:%M} UTC"
    )


def qa_sample_text(drawn: int, population: int, since: datetime, until: datetime, file: str) -> str:
    return (
        f"Weekly QA sample: {drawn} of {population} submissions from {since:%Y-%m-%d %H:%M} "
        f"to {until:%Y-%m-%d %H:%M} UTC, in {file}. For each: right rule, team, owner and "
        "SLA? Was the first action in time? Note each misroute for the rules file."
    )
