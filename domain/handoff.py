"""The handoff context of a lead, built from its life: who the lead is, why it came to
its owner, until when the owner has to act (in their own time zone), and, on an
escalation, who missed it and since when."""

from __future__ import annotations

from datetime import datetime

from domain.lifecycle import Address, Handoff, LeadLife
from domain.rules import RoutingRules


def handoff(life: LeadLife) -> Handoff:
    """The context as the lead stands now (its latest decision, its current owner)."""
    lead, enrichment, cls = life.lead, life.enrichment, life.classification
    firm = enrichment.firmographics if enrichment else None
    latest = life.decisions[-1] if life.decisions else None
    name = " ".join(n for n in (lead.first_name, lead.last_name) if n) or None
    missed_by = life.missed[-1] if life.missed and latest and latest.kind == "escalation" else None
    return Handoff(
        lead_id=lead.lead_id,
        name=name,
        title=lead.job_title,
        email=lead.email,
        company=lead.company or (firm.company_name if firm else None),
        company_size=lead.company_size or (firm.employees if firm else None),
        industry=lead.industry or (firm.industry if firm else None),
        country=lead.country or (firm.country if firm else None),
        lead_type=lead.lead_type.value,
        tier=cls.tier.value if cls and cls.tier else None,
        source=lead.utm_source or lead.source,
        utm_campaign=lead.utm_campaign,
        page=lead.page_url,
        message=lead.message,
        rule_ids=life.plan.rule_ids if life.plan else [],
        reasons=latest.reasons if latest else [],
        owner=life.owner,
        owner_timezone=_zone(life.rules, life.owner),
        due_at=life.deadline,
        missed_by=missed_by,
        missed_since=_missed_since(life, missed_by),
        crm=life.crm_sync.crm if life.crm_sync else None,
        crm_record_id=life.crm_sync.record_id if life.crm_sync else None,
    )


def address_of(rules: RoutingRules | None, member_id: str | None) -> Address | None:
    """A roster member's Slack user, email and chosen channel; None for anyone else."""
    member = rules.member(member_id) if rules and member_id else None
    if member is None:
        return None
    return Address(slack_user_id=member.slack_user_id, email=member.email, via=member.notify_via)


def _zone(rules: RoutingRules | None, owner: str | None) -> str | None:
    return rules.hours_of_member(owner).timezone if rules and owner else None


def _missed_since(life: LeadLife, missed_by: str | None) -> datetime | None:
    """The deadline the owner who missed the lead had (their last decision's)."""
    if missed_by is None:
        return None
    held = [d for d in life.decisions[:-1] if d.owner == missed_by and d.sla_due_at]
    return held[-1].sla_due_at if held else None
