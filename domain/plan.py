"""Planning: the first matching rule decides team, preferred owner and SLA."""

from __future__ import annotations

from typing import Any

from domain.models import Classification, Enrichment, Lead, RoutingPlan
from domain.rules import Condition, RoutingRules, Rule

_OWNER_METHODS = {"account_owner": "account_owner", "opportunity_owner": "opportunity_owner"}


def facts_of(lead: Lead, enrichment: Enrichment, cls: Classification) -> dict[str, Any]:
    account = enrichment.account.account if enrichment.account else None
    interest = lead.product_interest or ""
    return {
        "spam": cls.spam,
        "is_customer": bool(account and account.is_customer),
        "has_open_opportunity": bool(account and account.open_opportunity_owner_id),
        "has_account_owner": bool(account and account.owner_id),
        "named_account": cls.named_account,
        "free_email": cls.free_email,
        "lead_type": cls.lead_type,
        "intent": cls.intent,
        "tier": cls.tier.value if cls.tier else "unknown",
        "territory": cls.territory or "unsupported",
        "vertical": cls.vertical,
        "product_interest": {p.strip().lower() for p in interest.split(",") if p.strip()},
        "country": enrichment.firmographics.country,
    }


def matches(cond: Condition, facts: dict[str, Any]) -> bool:
    return checks_hold(cond.checks, facts)


def checks_hold(checks: tuple[tuple[str, Any], ...], facts: dict[str, Any]) -> bool:
    for key, wanted in checks:
        have = facts[key]
        if isinstance(wanted, bool):
            if have is not wanted:
                return False
        elif key == "product_interest":
            if have.isdisjoint(wanted):
                return False
        elif have not in wanted:
            return False
    return True


def _owner_for(rule: Rule, enrichment: Enrichment) -> str | None:
    account = enrichment.account.account if enrichment.account else None
    if account is None:
        return None
    if rule.owner == "opportunity_owner":
        return account.open_opportunity_owner_id
    return account.owner_id


def plan(
    lead: Lead, enrichment: Enrichment, cls: Classification, rules: RoutingRules
) -> RoutingPlan:
    facts = facts_of(lead, enrichment, cls)
    reasons = list(cls.reasons)
    compiled_rules, compiled_overrides = rules.compiled
    for rule, checks in compiled_rules:
        if not checks_hold(checks, facts):
            continue
        owner = None
        owner_team = None
        if rule.owner:
            owner = _owner_for(rule, enrichment)
            member = rules.member(owner) if owner else None
            if owner is None and "{owner_team}" not in rule.team:
                # e.g. a customer account with no owner: the rule's team takes it
                reasons.append(
                    f"Rule {rule.id}: the account has no owner; round-robin in {rule.team}"
                )
            elif owner is None or member is None or not member.active:
                reasons.append(
                    f"Rule {rule.id} matched but {rule.owner.replace('_', ' ')} {owner!r} is not "
                    "an active roster member, so the lead falls through to the next rules"
                )
                continue
            owner_team = rules.team_of(owner) if owner else None
        rule_ids = [rule.id]
        team = None
        if rule.use_overrides:
            for override, override_checks in compiled_overrides:
                if checks_hold(override_checks, facts):
                    team = override.team
                    rule_ids.append(override.id)
                    reasons.append(f"Override {override.id} sends it to {team}")
                    break
        if team is None:
            if "{territory}" in rule.team and cls.territory is None:
                team = rule.team_without_territory or rule.team
            else:
                team = rule.team.format(territory=cls.territory, owner_team=owner_team)
        sla = rules.sla_seconds(rule.sla, cls.tier)
        sentence = f"Rule {rule.id}: {rule.description or 'matched'}"
        if owner:
            sentence += f" ({owner})"
        reasons.append(f"{sentence} -> team {team}, SLA {describe_sla(sla)}")
        return RoutingPlan(
            rules_version=rules.version,
            rule_ids=rule_ids,
            team=team,
            preferred_owner=owner,
            owner_method=_OWNER_METHODS.get(rule.owner) if rule.owner else None,
            sla_seconds=sla,
            reasons=reasons,
        )
    raise ValueError(
        f"rules version {rules.version}: no rule matched; end the rules with one that has no when:"
    )


def describe_sla(seconds: int | None) -> str:
    if seconds is None:
        return "none"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h business time"
    if seconds % 60 == 0:
        return f"{seconds // 60} min business time"
    return f"{seconds} s business time"
