"""The report's time window, as people write it: `7d`, `12h`, `2026-11-01`, or an ISO
time. Relative spans count back from `now`; dates are UTC midnights."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_SPAN = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def moment(text: str, now: datetime, option: str) -> datetime:
    """A point in time from `text`; ValueError naming `option` and what it accepts."""
    value = text.strip()
    if span := _SPAN.match(value):
        return now - timedelta(**{_UNITS[span[2]]: int(span[1])})
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{option} {text!r} is not a time: use a span back from now (30m, 12h, 7d, 4w), "
            "a date (2026-11-01) or an ISO time (2026-11-01T09:00:00Z)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def window(
    since: str | None, until: str | None, now: datetime
) -> tuple[datetime | None, datetime | None]:
    start = moment(since, now, "--since") if since else None
    end = moment(until, now, "--until") if until else None
    if start is not None and end is not None and start >= end:
        raise ValueError(
            f"--since ({start.isoformat()}) must be before --until ({end.isoformat()})"
        )
    return start, end
