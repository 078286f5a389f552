"""The lead score: points per fact and value, summed, and the band it falls in.

```yaml
score:
  points: {company_size: {">=1000": 30, ">=100": 15}, lead_type: {demo_request: 25}}
  bands: {hot: 70, warm: 40}     # the highest band reached; below every band: cold
```
For a fact given as ranges (company_size, annual_revenue) the first range that matches
counts; for any other fact the value itself (text compared case-insensitively, true/false
for yes-or-no facts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.conditions import FORM_FACTS
from domain.matchers import NumberRange

RANGE_FACTS = frozenset({"company_size", "annual_revenue"})
YES_OR_NO = frozenset(
    {
        "spam",
        "free_email",
        "is_customer",
        "named_account",
        "has_open_opportunity",
        "has_account_owner",
    }
)
_MEMO_SIZE = 4096
_Judged = TypeVar("_Judged")
# what a score may read: the facts known before any rule matches
SCORABLE_FACTS = frozenset(
    {
        "lead_type",
        "intent",
        "tier",
        "fit",
        "territory",
        "vertical",
        "country",
        "seniority",
        *FORM_FACTS,
        *(YES_OR_NO - {"spam"}),
        *RANGE_FACTS,
    }
)


@dataclass(frozen=True)
class Score:
    points: int
    band: str
    parts: tuple[tuple[str, str, int], ...]  # (fact, value or range, points)
    label: str = "Score"

    @cached_property
    def explanation(self) -> str:
        """ "Score 75 (hot) = company_size >=1000 30 + lead_type demo_request 25 + ..."
        (built once: a remembered Score serves many leads)"""
        parts = " + ".join(f"{fact} {value} {points}" for fact, value, points in self.parts)
        return f"{self.label} {self.points} ({self.band}) = {parts or 'no points'}"


class PointsTable(BaseModel):
    """Points per fact and value (the score's and the fit's syntax), and their sum."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    FACTS: ClassVar[frozenset[str]] = SCORABLE_FACTS
    WHAT: ClassVar[str] = "scored"

    points: dict[str, dict[str, int]] = Field(default_factory=dict)

    @field_validator("points")
    @classmethod
    def _facts(cls, value: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        for fact, table in value.items():
            if fact not in cls.FACTS:
                raise ValueError(
                    f"{fact!r} cannot be {cls.WHAT} (use one of {', '.join(sorted(cls.FACTS))})"
                )
            if fact in RANGE_FACTS:
                for spec in table:
                    try:
                        NumberRange(spec)
                    except ValueError as exc:
                        raise ValueError(f"{fact}: {exc}") from None
        return value

    @cached_property
    def _compiled(self) -> tuple[tuple[str, bool, tuple[tuple[Any, str, int], ...]], ...]:
        out = []
        for fact, table in self.points.items():
            ranged = fact in RANGE_FACTS
            entries = tuple(
                (NumberRange(key) if ranged else str(key).lower(), str(key), int(points))
                for key, points in table.items()
            )
            out.append((fact, ranged, entries))
        return tuple(out)

    @cached_property
    def _memo(self) -> dict[tuple[Any, ...], Any]:
        return {}

    def remembered(
        self, values: tuple[Any, ...], judge: Callable[[tuple[Any, ...]], _Judged]
    ) -> _Judged:
        """`judge(values)` (`values`: the facts read, in `points`' order), remembered per
        combination: leads share few combinations, and routing's hot path asks per lead."""
        judged: _Judged | None = self._memo.get(values)
        if judged is None:
            judged = judge(values)
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[values] = judged
        return judged

    def tally(self, facts: dict[str, Any]) -> tuple[int, tuple[tuple[str, str, int], ...]]:
        """The sum, and each (fact, value, points) that counted."""
        total = 0
        parts: list[tuple[str, str, int]] = []
        for fact, ranged, entries in self._compiled:
            have = facts.get(fact)
            if have is None:
                continue
            if not ranged:
                have = str(have).lower()
            for key, shown, points in entries:
                if (have in key) if ranged else (have == key):
                    total += points
                    parts.append((fact, shown, points))
                    break
        return total, tuple(parts)


class ScoreSpec(PointsTable):
    bands: dict[str, int] = Field(default_factory=dict)
    below_bands: str = "cold"

    @cached_property
    def _bands(self) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(self.bands.items(), key=lambda kv: -kv[1]))

    def score(self, facts: dict[str, Any]) -> Score:
        return self.remembered(tuple([facts.get(fact) for fact in self.points]), self._score)

    def _score(self, values: tuple[Any, ...]) -> Score:
        total, parts = self.tally(dict(zip(self.points, values, strict=True)))
        return Score(points=total, band=self.band_of(total), parts=parts)

    def band_of(self, points: int) -> str:
        for name, floor in self._bands:
            if points >= floor:
                return name
        return self.below_bands
