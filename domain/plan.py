"""Planning: the first matching rule decides team, preferred owner and SLA (or that the
lead is suppressed); the score and the required fields are judged first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from domain.conditions import Condition, checks_hold
from domain.models import Classification, Enrichment, Lead, RoutingPlan
from domain.rules import RoutingRules, Rule
from domain.score import Score
from domain.sla import next_opening

REQUIRED_FIELDS_RULE = "required-fields"


def _low(text: str | None) -> str | None:
    return text.lower() if text else None


# facts only some rules read: computed when a rule (or the score) reads them
_ON_DEMAND: dict[str, Callable[[Lead, Enrichment, Classification], Any]] = {
    "fit": lambda lead, enrichment, cls: cls.fit,
    "source": lambda lead, enrichment, cls: _low(lead.source),
    "utm_source": lambda lead, enrichment, cls: _low(lead.utm_source),
    "utm_medium": lambda lead, enrichment, cls: _low(lead.utm_medium),
    "utm_campaign": lambda lead, enrichment, cls: _low(lead.utm_campaign),
    "form_id": lambda lead, enrichment, cls: _low(lead.form_id),
    "language": lambda lead, enrichment, cls: _low(lead.language),
    "page_url": lambda lead, enrichment, cls: lead.page_url,
    "company_size": lambda lead, enrichment, cls: enrichment.firmographics.employees,
    "annual_revenue": lambda lead, enrichment, cls: lead.annual_revenue,
}


@lru_cache(maxsize=16)
def _on_demand(read: frozenset[str]) -> tuple[tuple[str, Callable[..., Any]], ...]:
    """The on-demand facts a rule set reads, found once per rule set (a frozenset
    keeps its hash)."""
    return tuple((key, _ON_DEMAND[key]) for key in sorted(read) if key in _ON_DEMAND)


_OWNER_METHODS = {
    "account_owner": "account_owner",
    "opportunity_owner": "opportunity_owner",
    "domain_owner": "domain_owner",
}


_NO_INTEREST: frozenset[str] = frozenset()


def _interests(text: str) -> frozenset[str]:
    return frozenset(p.strip().lower() for p in text.split(",") if p.strip())


def facts_of(lead: Lead, enrichment: Enrichment, cls: Classification) -> dict[str, Any]:
    account = enrichment.account.account if enrichment.account else None
    interest = lead.product_interest
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
        # most leads name no product: no generator for them
        "product_interest": _interests(interest) if interest else _NO_INTEREST,
        "country": enrichment.firmographics.country,
    }


def _facts(
    lead: Lead,
    enrichment: Enrichment,
    cls: Classification,
    rules: RoutingRules,
    arrival: datetime | None,
) -> tuple[dict[str, Any], Score | None]:
    facts = facts_of(lead, enrichment, cls)
    idx = rules.index
    for key, compute in _on_demand(idx.facts_read):
        facts[key] = compute(lead, enrichment, cls)
    if idx.seniority is not None:
        facts["seniority"] = idx.seniority.of(lead.job_title)
    if "submitted_within" in idx.facts_read:
        facts["submitted_within"] = _within(rules, arrival)
    score = None
    if rules.score is not None:
        score = rules.score.score(facts)
        facts["score"], facts["score_band"] = score.points, score.band
    return facts, score


def _within(rules: RoutingRules, arrival: datetime | None) -> str | None:
    if arrival is None:
        return None
    opening = next_opening(arrival, rules.default_hours)
    return "business_hours" if opening == arrival else "after_hours"


def _active(window: tuple[datetime | None, datetime | None], arrival: datetime | None) -> bool:
    start, end = window
    if arrival is None:
        return False
    return (start is None or arrival >= start) and (end is None or arrival < end)


# a required field the enrichment found (the companies file, the CRM) is not missing
_ENRICHED = {
    "company": "company_name",
    "company_size": "employees",
    "industry": "industry",
    "country": "country",
    "state": "state",
}


def missing_fields(lead: Lead, enrichment: Enrichment, rules: RoutingRules) -> list[str]:
    """The fields the rules require for this lead type that nobody knows."""
    wanted = rules.required_fields.get(lead.lead_type)
    if not wanted:
        return []
    firmo = enrichment.firmographics
    return [
        name
        for name in wanted
        if getattr(lead, name, None) in (None, "")
        and getattr(firmo, _ENRICHED.get(name, ""), None) in (None, "")
    ]


def matches(cond: Condition, facts: dict[str, Any]) -> bool:
    return checks_hold(cond.checks, facts)


def _owner_for(rule: Rule, enrichment: Enrichment) -> str | None:
    account = enrichment.account.account if enrichment.account else None
    if account is None:
        return None
    if rule.owner == "opportunity_owner":
        return account.open_opportunity_owner_id
    return account.owner_id


def plan(
    lead: Lead,
    enrichment: Enrichment,
    cls: Classification,
    rules: RoutingRules,
    at: datetime | None = None,
) -> RoutingPlan:
    """`at`: when the lead reached us, for time-boxed rules when the form gives no
    `submitted_at`."""
    arrival = lead.submitted_at or at
    facts, score = _facts(lead, enrichment, cls, rules, arrival)
    reasons = list(cls.reasons)
    scored: dict[str, Any] = {"company_domain": enrichment.company_domain}
    if score is not None:
        reasons.append(score.explanation)
        scored.update(score=score.points, score_band=score.band)
    # a lead with spam signals goes where the spam rules say, not to a person's review
    missing = [] if cls.spam else missing_fields(lead, enrichment, rules)
    if missing:
        return _review(lead, rules, missing, reasons, scored)
    windows = rules.index.windows
    for rule in rules.index.rules.holding(facts):
        if windows and rule.id in windows and not _active(windows[rule.id], arrival):
            continue
        if rule.suppress is not None:
            reasons.append(
                f"Rule {rule.id}: suppressed ({rule.suppress.reason}); "
                f"nurture track {rule.suppress.track}, no owner, no SLA"
            )
            return RoutingPlan(
                rules_version=rules.version,
                rule_ids=[rule.id],
                team="",
                sla_seconds=None,
                reasons=reasons,
                suppressed=True,
                track=rule.suppress.track,
                **scored,
            )
        owner = None
        owner_team = None
        if rule.owner and rule.owner != "domain_owner":
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
        if rule.use_overrides and (overrides := rules.index.overrides.holding(facts)):
            team = overrides[0].team
            rule_ids.append(overrides[0].id)
            reasons.append(f"Override {overrides[0].id} sends it to {team}")
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
            **scored,
        )
    raise ValueError(
        f"rules version {rules.version}: no rule matched; end the rules with one that has no when:"
    )


def _review(
    lead: Lead, rules: RoutingRules, missing: list[str], reasons: list[str], scored: dict[str, Any]
) -> RoutingPlan:
    """A lead without the fields its type requires goes to the review team, never lost."""
    team, sla = rules.escalation.review_team, rules.review_sla_seconds()
    reasons.append(
        f"Rule {REQUIRED_FIELDS_RULE}: a {lead.lead_type.value} needs {', '.join(missing)} "
        f"(required_fields) -> team {team} for a human look, SLA {describe_sla(sla)}"
    )
    return RoutingPlan(
        rules_version=rules.version,
        rule_ids=[REQUIRED_FIELDS_RULE],
        team=team,
        sla_seconds=sla,
        reasons=reasons,
        **scored,
    )


def describe_sla(seconds: int | None) -> str:
    if seconds is None:
        return "none"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h business time"
    if seconds % 60 == 0:
        return f"{seconds // 60} min business time"
    return f"{seconds} s business time"
