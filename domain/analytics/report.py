"""The routing report's figures, from what the database counted (per group) and the
delay histograms: counts, rates against the seeds' targets, percentiles, fairness and
outcomes by rule. Plain arithmetic: the same code serves the CLI, the API and tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, Field

from domain.analytics.fairness import TeamFairness
from domain.analytics.percentiles import Delays, delays, merged

ACTION_KINDS = ("first_touch", "meeting_booked", "disqualified", "rejected")
LEVELS = (1, 2, 3, 4)  # 4: no step of the ladder found an owner
DELAYS = ("time_to_assign", "time_to_first_action", "business_time_to_first_action")
FIVE_MINUTES_MS = 5 * 60 * 1000

# What the database counts for each group (`activities.database.analytics` names them so)
COUNTS = (
    "leads",
    "assigned",
    *(f"actioned_{k}" for k in ACTION_KINDS),
    "unowned",
    "onboarding",
    "waiting",
    *(f"escalated_{level}" for level in LEVELS),
    "reassigned",
    "reassigned_escalation",
    "reassigned_manual",
    "reassigned_owner_away",
    "corrected",
    "corrected_misrouted",
    "corrected_rejected",
    "sla_decided",
    "sla_met",
    "demo",
    "demo_within_5m",
    "account_matched",
    "size_known",
    "industry_known",
    "country_known",
)

Counts = Mapping[str, int]
Histograms = Mapping[str, Mapping[int, int]]  # delay name -> bucketed ms -> leads


class Target(BaseModel):
    name: str
    target: str  # as the seeds state it: ">= 80%", "< 3%"
    actual: float | None
    met: bool | None  # None: no data


class RuleOutcome(BaseModel):
    rule: str | None
    leads: int
    assigned: int
    actioned: int
    onboarding: int
    waiting: int
    unowned: int
    escalated: int


class Figures(BaseModel):
    group: str | None = None
    leads: int
    assigned: int
    actioned: dict[str, int]  # total and by kind
    unowned: int
    escalated: dict[str, int]  # total and by highest level reached
    reassigned: dict[str, int]  # leads: total, and by cause
    time_to_assign_s: Delays
    time_to_first_action_s: Delays
    business_time_to_first_action_s: Delays
    sla_met_rate: float | None
    demo_within_5m_rate: float | None
    reassignment_rate: float | None
    corrections: dict[str, int] = Field(default_factory=dict)  # leads: total, misrouted, rejected
    correction_rate: float | None = None  # of the leads assigned, rep feedback said wrong
    account_match_rate: float | None
    owner_assignment_rate: float | None
    enrichment_coverage: dict[str, float | None]


class Report(Figures):
    since: datetime | None
    until: datetime | None
    dead_letters: int
    targets: list[Target]
    fairness: list[TeamFairness]
    fairness_note: str = (
        "round-robin assignments only: account-owner, named-account and manual "
        "assignments are not the rotation's choice; targets are the weights in the rules now"
    )
    outcomes_by_rule: list[RuleOutcome]
    group_by: str | None = None
    by: list[Figures] = Field(default_factory=list)


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def figures(counts: Counts, histograms: Histograms, group: str | None = None) -> Figures:
    c = {name: counts.get(name, 0) for name in COUNTS}
    actioned = {k: c[f"actioned_{k}"] for k in ACTION_KINDS}
    escalated = {str(level): c[f"escalated_{level}"] for level in LEVELS}
    leads = c["leads"]
    return Figures(
        group=group,
        leads=leads,
        assigned=c["assigned"],
        actioned={"total": sum(actioned.values()), **actioned},
        unowned=c["unowned"],
        escalated={"total": sum(escalated.values()), **escalated},
        reassigned={
            "total": c["reassigned"],
            "escalation": c["reassigned_escalation"],
            "manual": c["reassigned_manual"],
            "owner_away": c["reassigned_owner_away"],
        },
        time_to_assign_s=delays(histograms.get("time_to_assign", {})),
        time_to_first_action_s=delays(histograms.get("time_to_first_action", {})),
        business_time_to_first_action_s=delays(histograms.get("business_time_to_first_action", {})),
        sla_met_rate=rate(c["sla_met"], c["sla_decided"]),
        demo_within_5m_rate=rate(c["demo_within_5m"], c["demo"]),
        reassignment_rate=rate(c["reassigned"], leads),
        corrections={
            "total": c["corrected"],
            "misrouted": c["corrected_misrouted"],
            "rejected": c["corrected_rejected"],
        },
        correction_rate=rate(c["corrected"], c["assigned"]),
        account_match_rate=rate(c["account_matched"], leads),
        owner_assignment_rate=rate(c["assigned"], leads),
        enrichment_coverage={
            field: rate(c[f"{field}_known"], leads) for field in ("size", "industry", "country")
        },
    )


def targets(total: Figures) -> list[Target]:
    """The seeds' targets: 80% of demo requests touched within 5 minutes, reassignment
    under 3%, 85% matched to accounts, 80% enrichment coverage of each field."""

    def at_least(name: str, floor: float, actual: float | None) -> Target:
        met = None if actual is None else actual >= floor
        return Target(name=name, target=f">= {floor:.0%}", actual=actual, met=met)

    below, corrected = total.reassignment_rate, total.correction_rate
    return [
        at_least("demo_within_5m", 0.80, total.demo_within_5m_rate),
        Target(
            name="reassignment",
            target="< 3%",
            actual=below,
            met=None if below is None else below < 0.03,
        ),
        Target(
            name="correction",
            target="< 3%",
            actual=corrected,
            met=None if corrected is None else corrected < 0.03,
        ),
        at_least("account_match", 0.85, total.account_match_rate),
        *(
            at_least(f"{field}_coverage", 0.80, value)
            for field, value in total.enrichment_coverage.items()
        ),
    ]


def rule_outcome(rule: str | None, counts: Counts) -> RuleOutcome:
    return RuleOutcome(
        rule=rule,
        leads=counts.get("leads", 0),
        assigned=counts.get("assigned", 0),
        actioned=sum(counts.get(f"actioned_{k}", 0) for k in ACTION_KINDS),
        onboarding=counts.get("onboarding", 0),
        waiting=counts.get("waiting", 0),
        unowned=counts.get("unowned", 0),
        escalated=sum(counts.get(f"escalated_{level}", 0) for level in LEVELS),
    )


class Tallies(BaseModel):
    """Everything the database counted for one report."""

    groups: dict[str, dict[str, int]]  # group ("" without --by) -> counts
    histograms: dict[str, dict[str, dict[int, int]]]  # group -> delay -> histogram
    by_rule: dict[str, dict[str, int]]  # rule ("" when none) -> counts
    dead_letters: int


def report(
    tallies: Tallies,
    fairness: list[TeamFairness],
    *,
    since: datetime | None,
    until: datetime | None,
    group_by: str | None,
) -> Report:
    """The report: the total merged from the groups, then one row per group if asked."""
    total_counts: dict[str, int] = {}
    for counts in tallies.groups.values():
        for name, n in counts.items():
            total_counts[name] = total_counts.get(name, 0) + n
    total_histograms = {
        name: merged(h.get(name, {}) for h in tallies.histograms.values()) for name in DELAYS
    }
    total = figures(total_counts, total_histograms)
    rows = (
        [
            figures(tallies.groups[g], tallies.histograms.get(g, {}), g)
            for g in sorted(tallies.groups)
        ]
        if group_by
        else []
    )
    return Report(
        **total.model_dump(),
        since=since,
        until=until,
        dead_letters=tallies.dead_letters,
        targets=targets(total),
        fairness=fairness,
        outcomes_by_rule=[
            rule_outcome(rule or None, counts) for rule, counts in sorted(tallies.by_rule.items())
        ],
        group_by=group_by,
        by=rows,
    )
