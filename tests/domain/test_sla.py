"""SLA deadlines in business time: only working hours count, in the owner's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.rules import WorkingHours
from domain.sla import business_deadline, next_opening

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
NY_HOURS = WorkingHours(timezone="America/New_York")  # 09:00-17:00, Monday to Friday
HOUR = 3600


def ny(day: str, clock: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), NEW_YORK)


def test_the_calendar_used_below() -> None:
    weekdays = {d: date.fromisoformat(d).strftime("%a") for d in
                ("2026-11-24", "2026-11-27", "2026-11-28", "2026-11-30",
                 "2026-03-06", "2026-03-09", "2026-10-30", "2026-11-02")}  # fmt: skip
    assert weekdays == {
        "2026-11-24": "Tue", "2026-11-27": "Fri", "2026-11-28": "Sat", "2026-11-30": "Mon",
        "2026-03-06": "Fri", "2026-03-09": "Mon", "2026-10-30": "Fri", "2026-11-02": "Mon",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("arrived", "seconds", "due"),
    [
        (ny("2026-11-24", "10:00"), 30 * 60, ny("2026-11-24", "10:30")),
        (ny("2026-11-24", "09:00"), 8 * HOUR, ny("2026-11-24", "17:00")),
        (ny("2026-11-24", "16:59:30"), 30, ny("2026-11-24", "17:00")),
    ],
    ids=["half an hour", "the whole day", "ends exactly at closing"],
)
def test_within_working_hours(arrived: datetime, seconds: int, due: datetime) -> None:
    assert business_deadline(arrived, seconds, NY_HOURS) == due


@pytest.mark.parametrize(
    ("arrived", "seconds", "due"),
    [
        (ny("2026-11-24", "16:30"), HOUR, ny("2026-11-25", "09:30")),
        (ny("2026-11-24", "13:00"), 8 * HOUR, ny("2026-11-25", "13:00")),
        (ny("2026-11-24", "10:00"), 3 * 8 * HOUR, ny("2026-11-27", "10:00")),
    ],
    ids=["one hour across the night", "one business day", "three business days"],
)
def test_spanning_overnight(arrived: datetime, seconds: int, due: datetime) -> None:
    assert business_deadline(arrived, seconds, NY_HOURS) == due


@pytest.mark.parametrize(
    ("arrived", "due"),
    [
        (ny("2026-11-24", "20:00"), ny("2026-11-25", "09:30")),
        (ny("2026-11-24", "17:00"), ny("2026-11-25", "09:30")),
        (ny("2026-11-25", "06:15"), ny("2026-11-25", "09:30")),
        (ny("2026-11-25", "00:00"), ny("2026-11-25", "09:30")),
    ],
    ids=["evening", "right at closing", "early morning", "midnight"],
)
def test_arriving_after_hours_starts_at_the_next_opening(arrived: datetime, due: datetime) -> None:
    assert business_deadline(arrived, 30 * 60, NY_HOURS) == due


@pytest.mark.parametrize(
    "arrived",
    [ny("2026-11-27", "18:00"), ny("2026-11-28", "12:00"), ny("2026-11-29", "23:59")],
    ids=["Friday evening", "Saturday", "Sunday night"],
)
def test_a_weekend_lead_starts_on_monday_at_opening(arrived: datetime) -> None:
    assert business_deadline(arrived, 30 * 60, NY_HOURS) == ny("2026-11-30", "09:30")
    assert next_opening(arrived, NY_HOURS) == ny("2026-11-30", "09:00")


def test_friday_afternoon_runs_into_monday() -> None:
    assert business_deadline(ny("2026-11-27", "16:30"), HOUR, NY_HOURS) == ny("2026-11-30", "09:30")


def test_spring_forward_weekend() -> None:
    # New York moves from UTC-5 to UTC-4 on Sunday 8 March 2026.
    due = business_deadline(ny("2026-03-06", "16:00"), 2 * HOUR, NY_HOURS)
    assert due == ny("2026-03-09", "10:00")
    assert due == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def test_fall_back_weekend() -> None:
    # New York moves from UTC-4 to UTC-5 on Sunday 1 November 2026.
    due = business_deadline(ny("2026-10-30", "16:00"), 2 * HOUR, NY_HOURS)
    assert due == ny("2026-11-02", "10:00")
    assert due == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def test_a_change_of_offset_between_teams_time_zones() -> None:
    # Europe changes on 29 March 2026, three weeks after the US; a London team's day is
    # 09:00-17:00 London time on both sides of the change.
    london_hours = WorkingHours(timezone="Europe/London")
    arrived = datetime(2026, 3, 27, 16, 0, tzinfo=LONDON)  # Friday, UTC+0
    due = business_deadline(arrived, 2 * HOUR, london_hours)
    assert due == datetime(2026, 3, 30, 10, 0, tzinfo=LONDON)
    assert due == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)  # Monday, UTC+1


def test_the_deadline_is_in_utc_whatever_the_input_zone() -> None:
    arrived = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in New York
    due = business_deadline(arrived, 30 * 60, NY_HOURS)
    assert due.tzinfo == UTC
    assert due == datetime(2026, 11, 24, 15, 30, tzinfo=UTC)


def test_a_holiday_is_skipped() -> None:
    thanksgiving = date(2026, 11, 26)
    due = business_deadline(ny("2026-11-25", "16:30"), HOUR, NY_HOURS, frozenset({thanksgiving}))
    assert due == ny("2026-11-27", "09:30")


def test_custom_days_and_hours() -> None:
    weekend_desk = WorkingHours(timezone="America/New_York", start=time(10), end=time(14),
                                days=[5, 6])  # fmt: skip
    due = business_deadline(ny("2026-11-24", "12:00"), 5 * HOUR, weekend_desk)
    assert due == ny("2026-11-29", "11:00")


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        business_deadline(datetime(2026, 11, 24, 10, 0), 60, NY_HOURS)
