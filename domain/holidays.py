"""Holiday calendars the SLA clock skips like weekends: a country (and subdivision) from
the `holidays` library, such as `US`, `DE-BY` or `GB-SCT`, plus dates the rules list."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import Any

import holidays as holiday_data
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class HolidayCalendar(BaseModel):
    """`holidays: US`, or `holidays: {calendar: DE-BY, dates: ["2026-12-24"]}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    calendar: str | None = None
    dates: list[date] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"calendar": value} if isinstance(value, str) else value

    @field_validator("calendar")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        country, _, subdivision = code.partition("-")
        supported = holiday_data.list_supported_countries()
        if country not in supported:
            raise ValueError(
                f"{value!r} is not a holiday calendar: use an ISO country code such as "
                "US, DE or GB, optionally with a subdivision (DE-BY, GB-SCT)"
            )
        if subdivision and subdivision not in supported[country]:
            known = ", ".join(f"{country}-{s}" for s in supported[country][:12])
            raise ValueError(f"{value!r}: {country} has no subdivision {subdivision} ({known}...)")
        return code

    def covers(self, day: date) -> bool:
        """Whether `day` is a holiday of this calendar or one of its listed dates."""
        return day in self.dates or (self.calendar is not None and day in _calendar(self.calendar))


def build_calendars(calendars: Iterable[HolidayCalendar]) -> None:
    """Build the library's calendars now, once per process. Building one reads its
    translations (gettext, the locale), which the workflow sandbox forbids: the workflow
    calls this outside the sandbox's restrictions before any deadline; the dates it then
    reads are a pure function of the library's version."""
    for calendar in calendars:
        if calendar.calendar is not None:
            _calendar(calendar.calendar)


@cache  # never evicted: a calendar rebuilt inside the sandbox would fail
def _calendar(code: str) -> Any:
    country, _, subdivision = code.partition("-")
    return holiday_data.country_holidays(country, subdiv=subdivision or None)
