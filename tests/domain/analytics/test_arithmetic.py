"""Percentiles, buckets, fairness and business-time delays: exact cases and properties."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.analytics.fairness import team_fairness
from domain.analytics.percentiles import bucket, delays, merged, nearest_rank
from domain.rules import WorkingHours
from domain.sla import business_deadline, business_seconds

OFFICE = WorkingHours(timezone="Europe/Berlin", start="09:00", end="17:00",
                      days=["mon", "tue", "wed", "thu", "fri"])  # fmt: skip


def naive(values: list[int], p: float) -> int:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p * len(ordered) - 1e-9)) - 1]


@given(st.lists(st.integers(0, 10**7), min_size=1), st.sampled_from([0.5, 0.9, 0.95, 1.0]))
def test_nearest_rank_from_a_histogram_is_the_sorted_lists(values: list[int], p: float) -> None:
    histogram: dict[int, int] = {}
    for v in values:
        histogram[v] = histogram.get(v, 0) + 1
    assert nearest_rank(histogram, p) == naive(values, p)


@given(st.integers(0, 10**12 - 1))
def test_a_bucket_keeps_three_significant_figures(ms: int) -> None:
    b = bucket(ms)
    assert b <= ms and ms - b < max(1, ms / 100)
    assert len(str(b).rstrip("0") or "0") <= 3
    assert bucket(b) == b


def test_delays_in_seconds_and_none_without_data() -> None:
    assert delays({}).p50 is None and delays({}).max is None
    found = delays({1000: 50, 2000: 40, 300000: 10})
    assert (found.p50, found.p90, found.p95, found.max) == (1.0, 2.0, 300.0, 300.0)


@given(st.lists(st.dictionaries(st.integers(0, 100), st.integers(1, 5)), max_size=4))
def test_merging_histograms_adds_their_counts(parts: list[dict[int, int]]) -> None:
    total = merged(parts)
    assert sum(total.values()) == sum(sum(p.values()) for p in parts)


@given(
    st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 50), min_size=1),
    st.dictionaries(st.sampled_from("abcdef"), st.integers(1, 10), min_size=1),
)
def test_shares_and_targets_each_add_up_to_one(
    counts: dict[str, int], weights: dict[str, int]
) -> None:
    team = team_fairness("t", counts, {k: float(w) for k, w in weights.items()})
    if sum(counts.values()):
        assert math.isclose(sum(m.share for m in team.members), 1.0)
        assert team.max_gap == max(abs(m.share - m.target) for m in team.members)
    assert math.isclose(sum(m.target for m in team.members), 1.0)
    assert {m.id for m in team.members} == set(counts) | set(weights)


def test_fairness_names_the_largest_gap() -> None:
    team = team_fairness("mm", {"a": 6, "b": 2, "gone": 2}, {"a": 2.0, "b": 2.0})
    shares = {m.id: (m.share, m.target) for m in team.members}
    assert shares == {"a": (0.6, 0.5), "b": (0.2, 0.5), "gone": (0.2, 0.0)}
    assert team.max_gap == pytest.approx(0.3)


def test_business_time_across_a_weekend() -> None:
    friday_4pm = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 16:00 in Berlin
    monday_10am = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    assert business_seconds(friday_4pm, monday_10am, OFFICE) == 2 * 3600
    assert business_seconds(monday_10am, friday_4pm, OFFICE) == 0  # backwards: nothing


@given(
    st.datetimes(datetime(2026, 1, 1), datetime(2027, 1, 1), timezones=st.just(UTC)),
    st.integers(0, 5 * 28800),
)
def test_business_seconds_inverts_the_deadline(start: datetime, seconds: int) -> None:
    due = business_deadline(start, seconds, OFFICE)
    assert business_seconds(start, due, OFFICE) == pytest.approx(seconds, abs=1e-3)
    assert business_seconds(start, due + timedelta(0), OFFICE) >= 0
