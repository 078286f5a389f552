"""What a rules change would change: the plans of the same leads under two rule sets.

A plan is the rules' whole answer for a lead: the deciding rule, the team, the
direct owner (account or opportunity owner) and the SLA, beside the lead's fit and score
(a change of those alone sends no lead elsewhere, but shows what a fit or score edit
does before any rule reads it). Round-robin picks are not
compared: they depend on the roster's load at the moment, not on the rules, and a
lead that changes team changes round-robin pool anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from domain.classify import classify
from domain.enrich import enrich, enrich_from, index_accounts
from domain.intake import InvalidSubmission, load_submission_json, parse_submission
from domain.models import Account, Company, Enrichment, Fit, Lead, RoutingPlan
from domain.plan import describe_sla, plan
from domain.rules import RoutingRules

Aspect = Literal["team", "owner", "sla", "rule", "fit", "score"]
ASPECTS: tuple[Aspect, ...] = ("team", "owner", "sla", "rule", "fit", "score")
# what a lead's handling is: a change of these is a lead sent elsewhere
HANDLING = frozenset({"team", "owner", "sla"})


class PlanView(BaseModel):
    """The comparable part of a routing plan."""

    rules_version: str
    rule_ids: list[str]
    team: str
    owner: str | None  # the direct owner; None when round-robin picks one
    sla_seconds: int | None
    suppressed: bool = False
    fit: Fit | None = None  # None: not known (a history without its rules)
    score: int | None = None
    score_band: str | None = None

    @classmethod
    def of(cls, routing: RoutingPlan, fit: Fit | None = None) -> PlanView:
        view = cls(
            owner=routing.preferred_owner,
            fit=fit,
            **routing.model_dump(
                include={"rules_version", "rule_ids", "team", "sla_seconds", "score", "score_band"}
            ),
        )
        if routing.suppressed:
            view.team, view.suppressed = f"suppressed ({routing.track})", True
        return view

    @property
    def rule(self) -> str:
        return self.rule_ids[0]

    def describe(self) -> str:
        if self.suppressed:
            text = f"{'+'.join(self.rule_ids)} -> {self.team}, no owner, no SLA"
        else:
            who = self.owner or "round-robin"
            text = f"{'+'.join(self.rule_ids)} -> {self.team} ({who}), SLA {describe_sla(self.sla_seconds)}"
        if self.fit is not None:
            text += f"; fit {self.fit.value}"
        if self.score is not None:
            text += f", score {self.score} ({self.score_band})"
        return text

    def differences(self, other: PlanView) -> list[Aspect]:
        found: list[Aspect] = []
        if self.team != other.team:
            found.append("team")
        if self.owner != other.owner:
            found.append("owner")
        if self.sla_seconds != other.sla_seconds:
            found.append("sla")
        if self.rule_ids != other.rule_ids:
            found.append("rule")
        if self.fit is not None and other.fit is not None and self.fit != other.fit:
            found.append("fit")
        both_scored = self.score is not None and other.score is not None
        if both_scored and (self.score, self.score_band) != (other.score, other.score_band):
            found.append("score")
        return found


class LeadChange(BaseModel):
    where: str  # "leads.jsonl:3" or a history file
    lead_id: str
    before: PlanView
    after: PlanView
    changed: list[Aspect]


class RuleTally(BaseModel):
    """The leads one baseline rule decided, and how many of them would change."""

    leads: int = 0
    team: int = 0
    owner: int = 0
    sla: int = 0
    rule: int = 0
    fit: int = 0
    score: int = 0
    now_decided_by: dict[str, int] = Field(default_factory=dict)


class DiffReport(BaseModel):
    baseline: str  # the baseline rules version(s)
    candidate: str
    leads: int = 0
    changed: int = 0  # leads whose team, owner or SLA would change
    team: int = 0
    owner: int = 0
    sla: int = 0
    rule: int = 0
    fit: int = 0  # leads whose fit would change (whatever their handling)
    score: int = 0
    by_rule: dict[str, RuleTally] = Field(default_factory=dict)
    changes: list[LeadChange] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)

    def add(self, where: str, lead_id: str, before: PlanView, after: PlanView) -> None:
        changed = before.differences(after)
        tally = self.by_rule.setdefault(before.rule, RuleTally())
        self.leads += 1
        tally.leads += 1
        for aspect in changed:
            setattr(self, aspect, getattr(self, aspect) + 1)
            setattr(tally, aspect, getattr(tally, aspect) + 1)
        if "rule" in changed:
            tally.now_decided_by[after.rule] = tally.now_decided_by.get(after.rule, 0) + 1
        if HANDLING.intersection(changed):
            self.changed += 1
        if changed:
            self.changes.append(
                LeadChange(
                    where=where, lead_id=lead_id, before=before, after=after, changed=changed
                )
            )


def replan(
    lead: Lead, enrichment: Enrichment, rules: RoutingRules, at: datetime | None = None
) -> PlanView:
    """The plan `rules` make for a lead enriched as given (classification included),
    time-boxed rules judged at `at` (or the lead's `submitted_at`)."""
    cls = classify(lead, enrichment, rules)
    return PlanView.of(plan(lead, enrichment, cls, rules, at), cls.fit)


@dataclass
class Directory:
    """What enrichment looks leads up in: firmographics and CRM accounts."""

    companies: dict[str, Company]
    accounts: list[Account]


def simulate(
    lines: Iterable[str],
    baseline: RoutingRules,
    candidate: RoutingRules,
    directory: Directory,
    *,
    source: str = "leads",
    id_key: str | None = None,
    at: datetime | None = None,
) -> DiffReport:
    """Plan each submission (JSON Lines) under both rule sets, enriched the same way."""
    leads: list[tuple[str, Lead]] = []
    skipped: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            data = load_submission_json(line)
            leads.append(
                (where, parse_submission(data, id_key=id_key) if id_key else parse_submission(data))
            )
        except InvalidSubmission as exc:
            skipped.append(f"{where}: {exc}")
    report = simulate_leads(leads, baseline, candidate, directory, at=at)
    report.skipped += skipped
    return report


def simulate_leads(
    leads: Iterable[tuple[str, Lead]],
    baseline: RoutingRules,
    candidate: RoutingRules,
    directory: Directory,
    *,
    at: datetime | None = None,
) -> DiffReport:
    """Plan leads already parsed (`where` names each) under both rule sets."""
    by_domain, by_name = index_accounts(directory.accounts)
    report = DiffReport(baseline=baseline.version, candidate=candidate.version)
    for where, lead in leads:
        enrichment = enrich_from(lead, directory.companies, by_domain, by_name)
        report.add(
            where,
            lead.lead_id,
            replan(lead, enrichment, baseline, at),
            replan(lead, enrichment, candidate, at),
        )
    return report


@dataclass
class PastLead:
    """What a lead's history recorded: its input, its enrichment then, its first plan."""

    where: str
    lead: Lead
    enrichment: Enrichment | None  # None: enrichment had failed; it routed on form data
    plan: RoutingPlan
    arrived_at: datetime | None = None  # when it reached us: time-boxed rules judge it then
    rules: RoutingRules | None = None  # the rules it was routed with: its fit then


def backtest(past: Iterable[PastLead], candidate: RoutingRules) -> DiffReport:
    """What `candidate` would have decided for past leads, on the inputs as they were."""
    report = DiffReport(baseline="", candidate=candidate.version)
    versions: set[str] = set()
    for item in past:
        enrichment = item.enrichment or enrich(item.lead, None, None)
        fit = classify(item.lead, enrichment, item.rules).fit if item.rules else None
        before = PlanView.of(item.plan, fit)
        versions.add(before.rules_version)
        after = replan(item.lead, enrichment, candidate, item.arrived_at)
        report.add(item.where, item.lead.lead_id, before, after)
    report.baseline = ", ".join(sorted(versions)) or "-"
    return report
