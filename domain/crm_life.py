"""What the CRM hears after each handover, and what a write the CRM refused means for
the lead: a warning on it, `crm_sync` in its status, an alert to the team lead."""

from __future__ import annotations

from domain.crm import CrmSync, CrmTask, CrmWrite, owner_crm_id
from domain.lifecycle import LeadLife
from domain.ownership import NotifyAsk, ask_notification, pinned


def crm_write(life: LeadLife) -> CrmWrite | None:
    """The write after the latest handover; None without a CRM or an owner to write."""
    if life.crm is None or life.owner is None or not life.decisions:
        return None
    rules, routing = pinned(life)
    lead, decision = life.lead, life.decisions[-1]
    task = CrmTask(
        subject=f"Follow up: {lead.lead_type.value.replace('_', ' ')} from "
        f"{lead.company or lead.email_domain}",
        body="\n".join(
            line
            for line in (
                f"Company: {lead.company or lead.email_domain}",
                f"Size: {lead.company_size} employees" if lead.company_size else None,
                f"Source: {lead.source}",
                f"Message: {lead.message}" if lead.message else None,
                f"Routed by rule {', '.join(routing.rule_ids)} (rules {rules.version})",
                f"Why you: {'; '.join(decision.reasons)}" if decision.reasons else None,
                f"lead-router: {lead.lead_id} step {life.step}",
            )
            if line
        ),
        due_at=life.deadline,
    )
    previous = life.crm_sync.record_id if life.crm_sync else None
    life.crm_sync = CrmSync(crm=life.crm, step=life.step, status="writing", record_id=previous)
    ids = {"crm": life.crm, "lead_id": lead.lead_id, "step": life.step, "kind": decision.kind}
    crm_id = owner_crm_id(rules.member(life.owner), life.crm)
    contact = lead.model_dump(include={"email", "first_name", "last_name", "company"})
    return CrmWrite.model_validate(
        {**ids, **contact, "owner": life.owner, "owner_crm_id": crm_id, "task": task}
    )


def crm_summary(write: CrmWrite) -> str:
    who = write.owner_crm_id or "no CRM id"
    return f"write the owner to {write.crm}: {write.owner} ({who}), step {write.step}"


def crm_synced(life: LeadLife, sync: CrmSync) -> NotifyAsk | None:
    """Keep the newest result; a refused write alerts the owner's team lead."""
    if life.crm_sync is not None and life.crm_sync.step > sync.step:
        return None
    life.crm_sync = sync
    if sync.status != "rejected":
        return None
    rules, _ = pinned(life)
    team = life.team or rules.escalation.review_team
    lead_of_team = rules.team(team).lead if rules.has_team(team) else None
    text = (
        f"{sync.crm} refused the owner of lead {life.lead.lead_id}: {sync.warning}. "
        "The lead is routed and its SLA runs; fix it in the CRM or the rules file."
    )
    return ask_notification(life, "crm_sync_failed", lead_of_team, text)
