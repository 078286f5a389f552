"""Classification: intent, tier, territory, vertical and fit of an enriched lead."""

from __future__ import annotations

from domain.fit import Known
from domain.models import Classification, Enrichment, Fit, Intent, Lead, Tier
from domain.rules import RoutingRules


def territory_of(rules: RoutingRules, country: str | None, state: str | None) -> str | None:
    if not country:
        return None
    # remembered per place: few places, and the scan reads the territories' lists per lead
    remembered = rules.index.territory_at
    place = (country, state)
    if place not in remembered:
        remembered[place] = _first_territory(rules, country, state)
    return remembered[place]


def _first_territory(rules: RoutingRules, country: str, state: str | None) -> str | None:
    for territory in rules.territories:
        if country in territory.countries and (
            territory.states is None or country != "US" or (state in territory.states)
        ):
            return territory.id
    return None


def tier_of(
    rules: RoutingRules, employees: int | None, named_account: bool, territory: str | None
) -> Tier | None:
    if named_account or (
        employees is not None and employees >= rules.tiers.enterprise_min_employees
    ):
        return Tier.enterprise
    if employees is None:
        return None
    if employees >= rules.tiers.mid_market_min_employees and territory is not None:
        return Tier.mid_market
    return Tier.self_serve


def intent_of(rules: RoutingRules, lead: Lead) -> Intent:
    if lead.lead_type in rules.intent.high:
        return Intent.high
    if lead.lead_type in rules.intent.low:
        return Intent.low
    return Intent.neutral


def fit_of(tier: Tier | None, territory: str | None, country: str | None, spam: bool) -> Fit:
    if spam or (country is not None and territory is None):
        return Fit.weak
    if tier in (Tier.enterprise, Tier.mid_market):
        return Fit.strong
    if tier is Tier.self_serve:
        return Fit.medium
    return Fit.unknown


def classify(lead: Lead, enrichment: Enrichment, rules: RoutingRules) -> Classification:
    firmo = enrichment.firmographics
    account = enrichment.account.account if enrichment.account else None
    named = bool(account and account.named_account)
    territory = territory_of(rules, firmo.country, firmo.state)
    tier = tier_of(rules, firmo.employees, named, territory)
    spam = bool(enrichment.spam_signals)
    vertical = rules.vertical_of(firmo.industry)
    reasons = []
    if firmo.employees is not None:
        src = firmo.sources.get("employees")  # a FieldSource, a StrEnum: its text is its value
        reasons.append(f"{firmo.employees} employees (from {src or 'form'})")
    if named:
        reasons.append("Named account")
    if firmo.country:
        where = f"{firmo.country}/{firmo.state}" if firmo.state else firmo.country
        reasons.append(
            f"Territory {territory} ({where})" if territory else f"Unsupported geography ({where})"
        )
    reasons.append(f"Tier {tier or 'unknown (company size unknown)'}")
    if spam:
        reasons.append(f"Spam signals: {', '.join(enrichment.spam_signals)}")
    if rules.fit is None:
        fit = fit_of(tier, territory, firmo.country, spam)
    else:
        known = Known(lead, enrichment, tier, territory, vertical, rules.index.seniority)
        fit, why = rules.fit.fit(known)
        reasons.append(why)
    return Classification(
        lead_type=lead.lead_type,
        intent=intent_of(rules, lead),
        tier=tier,
        fit=fit,
        territory=territory,
        vertical=vertical,
        spam=spam,
        free_email=enrichment.free_email,
        named_account=named,
        reasons=reasons,
    )
