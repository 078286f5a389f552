"""Fit: how well a lead's company and person match who the team sells to.

Without a `fit:` section the classifier's own rule decides (`domain.classify.fit_of`).
With one, fit is points per fact and value, in the score's syntax, and levels:

```yaml
fit:
  points:
    tier: {enterprise: 100, mid_market: 100, self_serve: 50}
    territory: {unsupported: -1000}   # a country outside every territory
    spam: {"true": -1000}
    vertical: {healthcare: 10}
    seniority: {student: -60}
  levels: {strong: 100, medium: 50}   # the highest level reached; below every level: weak
```
A lead none of whose facts earns an entry (say, size and country unknown) has fit
`unknown`. Facts are read as the classifier sees them: `territory` is a territory id,
or `unsupported` for a country outside every territory (no country: no territory).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, ClassVar, NamedTuple

from pydantic import Field, field_validator, model_validator

from domain.models import Account, Enrichment, Fit, Lead
from domain.score import RANGE_FACTS, YES_OR_NO, PointsTable, Score
from domain.seniority import SeniorityMap

# what a fit may read: the company and the person, never the lead's intent
FIT_FACTS = frozenset(
    {
        "tier",
        "territory",
        "vertical",
        "country",
        "industry",
        "seniority",
        *YES_OR_NO,
        *RANGE_FACTS,
    }
)
LEVEL_WORDS = {"high": Fit.strong, "strong": Fit.strong, "medium": Fit.medium}


class Known(NamedTuple):
    """What the classifier knows about a lead when it judges fit."""

    lead: Lead
    enrichment: Enrichment
    tier: str | None
    territory: str | None
    vertical: str | None
    seniority: SeniorityMap | None


def _account(k: Known) -> Account | None:
    return k.enrichment.account.account if k.enrichment.account else None


def _territory(k: Known) -> str | None:
    if k.territory:
        return k.territory
    return "unsupported" if k.enrichment.firmographics.country else None


_FACTS: dict[str, Callable[[Known], Any]] = {
    "tier": lambda k: k.tier,
    "territory": _territory,
    "vertical": lambda k: k.vertical,
    "country": lambda k: k.enrichment.firmographics.country,
    "industry": lambda k: k.enrichment.firmographics.industry,
    "seniority": lambda k: k.seniority.of(k.lead.job_title) if k.seniority else None,
    "spam": lambda k: bool(k.enrichment.spam_signals),
    "free_email": lambda k: k.enrichment.free_email,
    "named_account": lambda k: bool((a := _account(k)) and a.named_account),
    "is_customer": lambda k: bool((a := _account(k)) and a.is_customer),
    "has_open_opportunity": lambda k: bool((a := _account(k)) and a.open_opportunity_owner_id),
    "has_account_owner": lambda k: bool((a := _account(k)) and a.owner_id),
    "company_size": lambda k: k.enrichment.firmographics.employees,
    "annual_revenue": lambda k: k.lead.annual_revenue,
}


class FitSpec(PointsTable):
    FACTS: ClassVar[frozenset[str]] = FIT_FACTS
    WHAT: ClassVar[str] = "part of the fit"

    points: dict[str, dict[str, int]] = Field(min_length=1)
    levels: dict[str, int] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _level_names(cls, value: dict[str, int]) -> dict[str, int]:
        for name in value:
            if name not in LEVEL_WORDS:
                raise ValueError(
                    f"{name!r} is not a fit level (use strong or high, and medium; "
                    "below every level is weak)"
                )
        return value

    @model_validator(mode="after")
    def _in_order(self) -> FitSpec:
        if len({LEVEL_WORDS[name] for name in self.levels}) < len(self.levels):
            raise ValueError("levels: high and strong are one level: give it once")
        floors = self._levels
        if len(floors) == 2 and floors[0][1] <= floors[1][1]:
            raise ValueError("levels: strong must need more points than medium")
        return self

    @cached_property
    def _levels(self) -> tuple[tuple[Fit, int], ...]:
        levels = ((LEVEL_WORDS[name], floor) for name, floor in self.levels.items())
        return tuple(sorted(levels, key=lambda kv: kv[0] is not Fit.strong))

    @cached_property
    def _readers(self) -> tuple[Callable[[Known], Any], ...]:
        return tuple(_FACTS[fact] for fact in self.points)

    def fit(self, known: Known) -> tuple[Fit, str]:
        """The level and its explanation ("Fit 100 (strong) = tier enterprise 100")."""
        return self.remembered(tuple([read(known) for read in self._readers]), self._judge)

    def _judge(self, values: tuple[Any, ...]) -> tuple[Fit, str]:
        total, parts = self.tally(dict(zip(self.points, values, strict=True)))
        if not parts:
            return Fit.unknown, "Fit unknown: no fit fact known"
        level = next((lvl for lvl, floor in self._levels if total >= floor), Fit.weak)
        return level, Score(points=total, band=level.value, parts=parts, label="Fit").explanation
