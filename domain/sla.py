"""SLA deadlines in business time: only the owner's working hours count."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.rules import WorkingHours

_MAX_DAYS = 3 * 366  # a schedule that never opens must not loop forever


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _working(day: date, hours: WorkingHours) -> bool:
    calendar = hours.holidays
    return day.weekday() in hours.days and (calendar is None or not calendar.covers(day))


def _window(day: date, hours: WorkingHours) -> tuple[datetime, datetime]:
    tz = _zone(hours.timezone)
    start = datetime.combine(day, hours.start, tz).astimezone(UTC)
    if hours.end == time.max:  # "24:00": the window runs to the next midnight
        end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    else:
        end = datetime.combine(day, hours.end, tz).astimezone(UTC)
    return start, end


def business_deadline(
    start: datetime, seconds: int, hours: WorkingHours, holidays: frozenset[date] = frozenset()
) -> datetime:
    """When `seconds` of working time will have passed since `start` (UTC, aware).

    A lead that arrives after hours, on a weekend or on a holiday (the schedule's
    calendar, or `holidays`) starts its clock when the working day opens.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    cursor = start.astimezone(UTC)
    remaining = float(seconds)
    day = cursor.astimezone(_zone(hours.timezone)).date()
    for _ in range(_MAX_DAYS):
        if _working(day, hours) and day not in holidays:
            open_at, close_at = _window(day, hours)
            begin = max(cursor, open_at)
            if begin < close_at:
                available = (close_at - begin).total_seconds()
                if remaining <= available:
                    return begin + timedelta(seconds=remaining)
                remaining -= available
                cursor = close_at
        day += timedelta(days=1)
    raise ValueError("the working hours never open; check the schedule's days")


def next_opening(start: datetime, hours: WorkingHours) -> datetime:
    """The first moment at or after `start` that is inside working hours."""
    cursor = start.astimezone(UTC)
    day = cursor.astimezone(_zone(hours.timezone)).date()
    for _ in range(_MAX_DAYS):
        if _working(day, hours):
            open_at, close_at = _window(day, hours)
            if cursor < close_at:
                return max(cursor, open_at)
        day += timedelta(days=1)
    raise ValueError("the working hours never open; check the schedule's days")


def business_seconds(start: datetime, end: datetime, hours: WorkingHours) -> float:
    """Working seconds between `start` and `end` (aware) under `hours`: the inverse of
    `business_deadline`, so an owner who acts exactly at the deadline took the SLA."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total = 0.0
    day = start.astimezone(_zone(hours.timezone)).date() - timedelta(days=1)
    while True:
        open_at, close_at = _window(day, hours)
        if open_at >= end:
            return total
        if day.weekday() in hours.days:
            total += max((min(end, close_at) - max(start, open_at)).total_seconds(), 0.0)
        day += timedelta(days=1)
