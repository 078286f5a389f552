"""The rules file's schema: routing rules, territories, tiers and the team roster, as data.

RevOps edits a YAML or TOML file; `domain.rules_check` parses and validates its text
and reports every problem with the key path that caused it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from domain.conditions import Condition, Matching
from domain.fit import FitSpec
from domain.health import AlertThresholds
from domain.holidays import HolidayCalendar
from domain.models import LeadType, Tier
from domain.next_step import NextStepSpec
from domain.score import ScoreSpec
from domain.seniority import Seniority, SeniorityMap, check_pattern

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|bd)\s*$")
_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
TEMPLATE_FIELDS = ("territory", "owner_team")
FEEDBACK_REASONS = (
    *("wrong_territory", "wrong_segment", "existing_customer"),
    *("spam", "duplicate", "not_a_lead"),
)


class RulesError(ValueError):
    """The rules file is invalid; the message lists each bad key."""


def known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Berlin") from None
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkingHours(_Strict):
    timezone: str = "America/New_York"
    start: time = time(9, 0)
    end: time = time(17, 0)
    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    holidays: HolidayCalendar | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @field_validator("end", mode="before")
    @classmethod
    def _end_of_day(cls, value: Any) -> Any:
        return time.max if value in ("24:00", "24:00:00") else value

    @field_validator("days", mode="before")
    @classmethod
    def _day_names(cls, value: Any) -> Any:
        if isinstance(value, list):
            out = []
            for day in value:
                if isinstance(day, str):
                    if day.lower()[:3] not in _DAYS:
                        raise ValueError(f"{day!r} is not a weekday name like 'mon'")
                    out.append(_DAYS[day.lower()[:3]])
                else:
                    out.append(day)
            return out
        return value

    @model_validator(mode="after")
    def _sane(self) -> WorkingHours:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        if not self.days or any(d < 0 or d > 6 for d in self.days):
            raise ValueError("days must list weekdays (mon..sun)")
        return self


class HoursOverride(_Strict):
    timezone: str | None = None
    start: time | None = None
    end: time | None = None
    days: list[int | str] | None = None
    holidays: HolidayCalendar | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return known_zone(value) if value is not None else None

    @field_validator("end", mode="before")
    @classmethod
    def _end_of_day(cls, value: Any) -> Any:
        return time.max if value in ("24:00", "24:00:00") else value

    def over(self, base: WorkingHours) -> WorkingHours:
        data = base.model_dump()
        data.update(self.model_dump(exclude_none=True))
        return WorkingHours.model_validate(data)


class Member(_Strict):
    id: str
    name: str
    weight: int = Field(default=1, ge=1, le=100)
    max_open_leads: int = Field(default=50, ge=0)
    active: bool = True
    hours: HoursOverride = Field(default_factory=HoursOverride)
    timezone: str | None = None
    # who this member is in the other tools (checked by domain.crm.check_identities)
    email: str | None = None
    slack_user_id: str | None = None
    notify_via: Literal["slack", "email", "both"] = "slack"  # where assignments reach them
    hubspot_owner_id: str | None = None
    hubspot_user_id: str | None = None
    salesforce_user_id: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return known_zone(value) if value is not None else None


class Team(_Strict):
    id: str
    name: str
    fallback: str | None = None
    lead: str | None = None
    hours: HoursOverride = Field(default_factory=HoursOverride)
    members: list[Member] = Field(min_length=1)


class Territory(_Strict):
    id: str
    countries: list[str] = Field(min_length=1)
    states: list[str] | None = None

    @field_validator("countries", "states", mode="before")
    @classmethod
    def _yaml_booleans(cls, value: Any) -> Any:
        if isinstance(value, list) and any(isinstance(v, bool) for v in value):
            raise ValueError('YAML read a bare NO, ON or YES as true/false: quote it, as "NO"')
        return value


class TierThresholds(_Strict):
    enterprise_min_employees: int = Field(default=1000, ge=1)
    mid_market_min_employees: int = Field(default=100, ge=1)


class IntentLists(_Strict):
    high: list[LeadType]
    low: list[LeadType]


class Suppress(_Strict):
    """No owner and no SLA: the lead is recorded with the reason and its nurture track."""

    track: str = Field(min_length=1)
    reason: str = Field(min_length=1)


class AccountRouting(_Strict):
    """`owner: domain_owner`: another lead of the company open, or assigned within this
    many days, keeps its owner."""

    domain_owner_days: int = Field(default=30, ge=0)


SlaSpec = str | int | dict[str, str | int | None] | None


class Override(_Strict):
    id: str
    when: Condition
    team: str


class Rule(_Strict):
    id: str
    description: str = ""
    when: Condition = Field(default_factory=Condition)
    team: str = ""
    team_without_territory: str | None = None
    owner: Literal["account_owner", "opportunity_owner", "domain_owner"] | None = None
    use_overrides: bool = False
    sla: SlaSpec = None
    suppress: Suppress | None = None
    active_from: date | datetime | None = None
    active_until: date | datetime | None = None
    next_step: NextStepSpec = None  # what the form's visitor is shown once assigned

    @model_validator(mode="after")
    def _team_or_suppress(self) -> Rule:
        if self.suppress is None and not self.team:
            raise ValueError("a rule needs a team: (or suppress: with a track and a reason)")
        if self.suppress is None and "sla" not in self.model_fields_set:
            raise ValueError("a rule needs an sla: (a duration, a map by tier, or null)")
        # (sla: null, as a serialized rule carries it, is no SLA: allowed)
        if self.suppress is not None and (
            self.team or self.owner or self.use_overrides or self.sla is not None
        ):
            raise ValueError("a suppress: rule assigns no one: leave out team, owner and sla")
        return self

    def window(self, zone: str) -> tuple[datetime | None, datetime | None]:
        """When the rule is on: [from, until), dates read in `zone`; until a date means
        through the end of that day."""
        return _moment(self.active_from, zone, 0), _moment(self.active_until, zone, 1)


def _moment(value: date | datetime | None, zone: str, days: int) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))
    start = datetime.combine(value, time(0), ZoneInfo(zone))
    return (start + timedelta(days=days)).astimezone(UTC)


class Escalation(_Strict):
    review_team: str = "inbound-sdr-review"
    review_sla: str | int = "30m"


@dataclass
class RulesIndex:
    teams: dict[str, Team] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    member_team: dict[str, str] = field(default_factory=dict)
    hours: dict[str, WorkingHours] = field(default_factory=dict)
    industry_vertical: dict[str, str] = field(default_factory=dict)
    rules: Matching[Rule] = field(default_factory=lambda: Matching(()))
    overrides: Matching[Override] = field(default_factory=lambda: Matching(()))
    windows: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)
    facts_read: frozenset[str] = frozenset()
    seniority: SeniorityMap | None = None
    territory_at: dict[tuple[str, str | None], str | None] = field(default_factory=dict)


class RoutingRules(_Strict):
    version: str = Field(min_length=1)
    business_day_seconds: int = Field(default=28800, ge=60)
    default_hours: WorkingHours = Field(default_factory=WorkingHours)
    tiers: TierThresholds = Field(default_factory=TierThresholds)
    intent: IntentLists
    territories: list[Territory]
    verticals: dict[str, list[str]] = Field(default_factory=dict)
    overrides: list[Override] = Field(default_factory=list)
    escalation: Escalation = Field(default_factory=Escalation)
    score: ScoreSpec | None = None
    fit: FitSpec | None = None
    required_fields: dict[LeadType, list[str]] = Field(default_factory=dict)
    seniority: dict[Seniority, list[str]] = Field(default_factory=dict)
    # the reason codes a rep may give for `rejected` and `misrouted` (domain.feedback)
    feedback_reasons: list[str] = Field(default_factory=lambda: list(FEEDBACK_REASONS))
    account_routing: AccountRouting = Field(default_factory=AccountRouting)
    alerts: AlertThresholds = Field(default_factory=AlertThresholds)  # domain/health.py
    rules: list[Rule] = Field(min_length=1)
    teams: list[Team] = Field(min_length=1)

    @field_validator("seniority")
    @classmethod
    def _patterns(cls, value: dict[Seniority, list[str]]) -> dict[Seniority, list[str]]:
        for patterns in value.values():
            for pattern in patterns:
                check_pattern(pattern)
        return value

    @cached_property
    def index(self) -> RulesIndex:
        """Lookup tables built once (plain dicts: the routing hot path reads them)."""
        idx = RulesIndex()
        for team in self.teams:
            idx.teams[team.id] = team
            team_hours = team.hours.over(self.default_hours)
            idx.hours[team.id] = team_hours
            for member in team.members:
                idx.member_team.setdefault(member.id, team.id)
                idx.members.setdefault(member.id, member)
                hours = member.hours
                if member.timezone and hours.timezone is None:
                    hours = hours.model_copy(update={"timezone": member.timezone})
                idx.hours[f"member:{member.id}"] = hours.over(team_hours)
        for vertical, industries in self.verticals.items():
            for industry in industries:
                idx.industry_vertical[_norm(industry)] = vertical
        idx.rules = Matching((rule, rule.when.checks) for rule in self.rules)
        idx.overrides = Matching((o, o.when.checks) for o in self.overrides)
        zone = self.default_hours.timezone
        idx.windows = {r.id: r.window(zone) for r in self.rules if r.active_from or r.active_until}
        read = [r.when.facts_read for r in self.rules] + [o.when.facts_read for o in self.overrides]
        idx.facts_read = (
            frozenset().union(*read)
            | set(self.score.points if self.score else ())
            | set(self.fit.points if self.fit else ())
        )
        if "seniority" in idx.facts_read:
            idx.seniority = SeniorityMap({k.value: v for k, v in self.seniority.items()})
        return idx

    def team(self, team_id: str) -> Team:
        return self.index.teams[team_id]

    def has_team(self, team_id: str) -> bool:
        return team_id in self.index.teams

    def member(self, owner_id: str) -> Member | None:
        return self.index.members.get(owner_id)

    def team_of(self, owner_id: str) -> str | None:
        return self.index.member_team.get(owner_id)

    def hours_of_team(self, team_id: str) -> WorkingHours:
        return self.index.hours.get(team_id, self.default_hours)

    def holiday_calendars(self) -> list[HolidayCalendar]:
        """Every holiday calendar a deadline of these rules may read."""
        every = [self.default_hours, *self.index.hours.values()]
        return [hours.holidays for hours in every if hours.holidays is not None]

    def hours_of_member(self, owner_id: str) -> WorkingHours:
        team = self.team_of(owner_id)
        fallback = self.hours_of_team(team) if team else self.default_hours
        return self.index.hours.get(f"member:{owner_id}", fallback)

    def vertical_of(self, industry: str | None) -> str | None:
        return self.index.industry_vertical.get(_norm(industry)) if industry else None

    def fallback_chain(self, team_id: str) -> list[str]:
        """The team, then its fallback, its fallback's fallback, and so on."""
        chain = [team_id]
        while (nxt := self.index.teams[chain[-1]].fallback) is not None and nxt not in chain:
            chain.append(nxt)
        return chain

    def review_sla_seconds(self) -> int:
        return parse_duration(self.escalation.review_sla, self.business_day_seconds) or 1800

    def sla_seconds(self, spec: SlaSpec, tier: Tier | None) -> int | None:
        if isinstance(spec, dict):
            key = tier.value if tier else "unknown"
            chosen = spec.get(key, spec.get("default"))
            return parse_duration(chosen, self.business_day_seconds)
        return parse_duration(spec, self.business_day_seconds)


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("&", "and").split())


def parse_duration(value: str | int | None, business_day_seconds: int = 28800) -> int | None:
    """Seconds of business time: 300, "5m", "30 min", "8h", "1bd" (business days), or None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError("a duration must be positive")
        return value
    return _text_duration(value, business_day_seconds)


@lru_cache(maxsize=256)
def _text_duration(value: str, business_day_seconds: int) -> int:
    """Remembered: each lead's SLA is one of the rules file's few durations."""
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a duration like '5m', '8h' or '1bd'")
    amount, unit = float(match.group(1)), match.group(2)
    scale = {"s": 1, "m": 60, "min": 60, "h": 3600, "bd": business_day_seconds}[unit]
    seconds = int(amount * scale)
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return seconds
