"""A rule's `when:`: the facts a lead must have for the rule to match.

Every condition is compiled once into `(fact, wanted)` pairs (`Condition.checks`) that the
planner tests with `fact in wanted` (or `is` for yes-or-no facts): plain values become
frozensets, ranges and URL patterns set-like matchers (`domain.matchers`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from domain.matchers import RangeSet, UrlPatterns
from domain.models import Fit, Intent, LeadType, Tier
from domain.seniority import Seniority

# the words RevOps playbooks use for fit, next to the classifier's own
FIT_WORDS = {"high": Fit.strong, "low": Fit.weak}
# facts with a closed list of values: a value outside it is an error of the file
CLOSED: dict[str, tuple[str, ...]] = {
    "lead_type": tuple(LeadType),
    "intent": tuple(Intent),
    "tier": (*Tier, "unknown"),
    "fit": ("high", "medium", "low", "unknown", "strong", "weak"),
    "seniority": tuple(Seniority),
}
# what the form or its URL says: text facts rules and the score may read
FORM_FACTS = ("source", "utm_source", "utm_medium", "utm_campaign", "form_id", "language")
# text facts compared case-insensitively
LOWERED = frozenset({"product_interest", *FORM_FACTS})
# facts computed only when some rule (or the score) reads them
ON_DEMAND = frozenset({"seniority", "submitted_within", "score", "score_band"})
Checks = tuple[tuple[str, Any], ...]
_Matched = TypeVar("_Matched")
_MEMO_SIZE = 4096


class Condition(BaseModel):
    """All given facts must hold. Lists mean "any of"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spam: bool | None = None
    is_customer: bool | None = None
    has_open_opportunity: bool | None = None
    has_account_owner: bool | None = None
    named_account: bool | None = None
    free_email: bool | None = None
    lead_type: list[LeadType] | None = None
    intent: list[Intent] | None = None
    tier: list[Tier | Literal["unknown"]] | None = None
    territory: list[str] | None = None
    vertical: list[str] | None = None
    product_interest: list[str] | None = None
    country: list[str] | None = None
    fit: list[Fit] | None = None
    score_band: list[str] | None = None
    score: list[str] | None = None
    seniority: list[Seniority] | None = None
    company_size: list[str] | None = None
    annual_revenue: list[str] | None = None
    source: list[str] | None = None
    utm_source: list[str] | None = None
    utm_medium: list[str] | None = None
    utm_campaign: list[str] | None = None
    form_id: list[str] | None = None
    page_url: list[str] | None = None
    language: list[str] | None = None
    submitted_within: Literal["business_hours", "after_hours"] | None = None

    @field_validator(*CLOSED, mode="before")
    @classmethod
    def _known_values(cls, value: Any, info: ValidationInfo) -> Any:
        """One value or a list, each from the fact's list (named in the error)."""
        name = info.field_name or ""
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list):
            return value
        for item in values:
            if item not in CLOSED[name]:
                raise ValueError(
                    f"{item!r} is not a {name.replace('_', ' ')} (use {', '.join(CLOSED[name])})"
                )
        if name == "fit":
            return [FIT_WORDS.get(v, v) for v in values]
        return values

    @field_validator(
        "score", "company_size", "annual_revenue", "page_url", "source", "utm_source",
        "utm_medium", "utm_campaign", "form_id", "language", mode="before",
    )  # fmt: skip
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | int) and not isinstance(value, bool) else value

    @field_validator("score", "company_size", "annual_revenue")
    @classmethod
    def _ranges(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            RangeSet([str(v) for v in value])
        return value

    @cached_property
    def checks(self) -> tuple[tuple[str, Any], ...]:
        """The conditions that are set, compiled: what matching iterates."""
        checks: list[tuple[str, Any]] = []
        for key in type(self).model_fields:
            wanted = getattr(self, key)
            if wanted is None:
                continue
            if key in ("score", "company_size", "annual_revenue"):
                wanted = RangeSet([str(w) for w in wanted])
            elif key == "page_url":
                wanted = UrlPatterns(wanted)
            elif key == "submitted_within":
                wanted = frozenset({wanted})
            elif isinstance(wanted, list):
                wanted = frozenset(w.lower() if key in LOWERED else w for w in wanted)
            checks.append((key, wanted))
        return tuple(checks)

    @cached_property
    def facts_read(self) -> frozenset[str]:
        return frozenset(key for key, _ in self.checks)


def checks_hold(checks: Checks, facts: dict[str, Any]) -> bool:
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


class Matching(Generic[_Matched]):
    """Ordered things (rules, overrides) with their conditions' checks: which hold for a
    lead's facts. Remembered per combination of the facts the conditions read: leads
    share few combinations, and testing every rule's checks was a fifth of planning."""

    def __init__(self, items: Iterable[tuple[_Matched, Checks]]) -> None:
        self._items = tuple(items)
        self._read = tuple(sorted({key for _, checks in self._items for key, _ in checks}))
        self._memo: dict[tuple[Any, ...], tuple[_Matched, ...]] = {}

    def holding(self, facts: dict[str, Any]) -> tuple[_Matched, ...]:
        """Those whose checks hold, in order (the facts must be hashable)."""
        values = tuple([facts[key] for key in self._read])
        held = self._memo.get(values)
        if held is None:
            held = tuple(item for item, checks in self._items if checks_hold(checks, facts))
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[values] = held
        return held
