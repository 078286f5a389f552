"""Routing health: the checks the routing-health schedule runs, their thresholds (the
rules file's `alerts:`), and which incidents open or clear. Counts come in from the app
database; nothing here does I/O or reads a clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

# check -> what it counts, in the words of the alert
CHECKS: dict[str, str] = {
    "dead_letters": "submissions rejected into the dead letters in the past day",
    "enrichment_fallbacks": "leads of the past day enriched with neither size nor industry",
    "unowned_in_review": "leads unowned in review",
    "crm_write_failures": "CRM writes rejected in the past day",
    "waiting_too_long": "open leads without a first action",
}


class AlertThresholds(BaseModel):
    """`alerts:` in the rules file: an incident opens when a count is MORE than its
    threshold (the SOP's "more than 2 failed assignments per day" is `dead_letters: 2`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dead_letters: int = Field(default=2, ge=0)
    enrichment_fallbacks: int = Field(default=10, ge=0)
    unowned_in_review: int = Field(default=0, ge=0)
    crm_write_failures: int = Field(default=2, ge=0)
    waiting_too_long: int = Field(default=0, ge=0)
    waiting_longer_than_hours: float = Field(default=24.0, gt=0)

    @field_validator("*", mode="before")
    @classmethod
    def _not_a_bool(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError("a number is needed here, not true or false")
        return value

    def threshold(self, check: str) -> int:
        return int(getattr(self, check))

    def waiting_since(self, now: datetime) -> datetime:
        """A lead submitted before this and still waiting counts as waiting too long."""
        return now - timedelta(hours=self.waiting_longer_than_hours)


class Reading(BaseModel):
    check: str
    value: int
    threshold: int

    @property
    def over(self) -> bool:
        return self.value > self.threshold


class Incident(BaseModel):
    """An open incident: the reading that opened it, and when."""

    check: str
    value: int
    threshold: int
    opened_at: datetime


class HealthChange(BaseModel):
    """What one run found: incidents to open (alert once) and to clear (recover once)."""

    at: datetime
    readings: list[Reading]
    opened: list[Incident] = Field(default_factory=list)
    cleared: list[Incident] = Field(default_factory=list)


def judge(
    counts: dict[str, int], thresholds: AlertThresholds, open_now: list[Incident], at: datetime
) -> HealthChange:
    """Each check against its threshold; an incident already open is not opened again."""
    readings = [
        Reading(check=c, value=counts.get(c, 0), threshold=thresholds.threshold(c)) for c in CHECKS
    ]
    over = {r.check: r for r in readings if r.over}
    known = {i.check for i in open_now}
    opened = [
        Incident(check=r.check, value=r.value, threshold=r.threshold, opened_at=at)
        for r in over.values()
        if r.check not in known
    ]
    cleared = [i for i in open_now if i.check not in over]
    return HealthChange(at=at, readings=readings, opened=opened, cleared=cleared)
