"""Condition values that are not plain lists: number ranges and page-URL patterns.

Each is a set-like object: the planner asks `fact in wanted` for every condition, so
these match through `__contains__` and the hot path needs no branch of its own.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

_RANGE = re.compile(
    r"^\s*(?:(>=|>|<=|<)\s*(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?))\s*$"
)


def parse_number(text: str) -> float:
    """A number with optional thousands separators and a k/m/b suffix: 5000, 5,000, 5k, 2.5M."""
    cleaned = text.strip().lower().replace(",", "").replace("_", "").lstrip("$€£")
    scale = {"k": 1e3, "m": 1e6, "b": 1e9}.get(cleaned[-1:], 1.0)
    if scale != 1.0:
        cleaned = cleaned[:-1]
    return float(cleaned) * scale


class NumberRange:
    """ ">=1000", ">100", "<50", "<=50" or "100-999" (both ends included)."""

    def __init__(self, spec: str) -> None:
        text = str(spec)
        compact = re.sub(r"(\d[\d,_.]*\s*[kmbKMB]?)", lambda m: _plain(m.group(1)), text)
        match = _RANGE.match(compact)
        if not match:
            raise ValueError(f"{text!r} is not a range like '>=1000', '<50' or '100-999'")
        op, bound, low, high = match.groups()
        self.spec = text
        self.low, self.high = float("-inf"), float("inf")
        self.low_open = self.high_open = False
        if op in (">=", ">"):
            self.low, self.low_open = float(bound), op == ">"
        elif op in ("<=", "<"):
            self.high, self.high_open = float(bound), op == "<"
        else:
            self.low, self.high = float(low), float(high)
            if self.high < self.low:
                raise ValueError(f"{text!r} ends below where it starts")

    def __contains__(self, value: object) -> bool:
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if value < self.low or (self.low_open and value == self.low):
            return False
        return not (value > self.high or (self.high_open and value == self.high))

    def covers(self, other: NumberRange) -> bool:
        """Every value `other` holds, this range holds too."""
        low = self.low < other.low or (
            self.low == other.low and (not self.low_open or other.low_open)
        )
        high = self.high > other.high or (
            self.high == other.high and (not self.high_open or other.high_open)
        )
        return low and high

    def __repr__(self) -> str:
        return f"NumberRange({self.spec!r})"


def _plain(number: str) -> str:
    value = parse_number(number)
    return str(int(value)) if value.is_integer() else str(value)


class RangeSet:
    """Any of several ranges (a condition such as `company_size: [">=1000", "100-499"]`)."""

    def __init__(self, specs: list[str]) -> None:
        self.ranges = tuple(NumberRange(s) for s in specs)

    def __contains__(self, value: object) -> bool:
        return any(value in r for r in self.ranges)


class UrlPatterns:
    """Page-URL patterns: a glob when it has `*`, `?` or `[`; otherwise the URL itself or
    anything under it. A pattern starting with `/` is matched against the URL's path."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = tuple(p.strip().lower() for p in patterns)

    def __contains__(self, url: object) -> bool:
        if not isinstance(url, str) or not url:
            return False
        url = url.strip().lower()
        path = urlsplit(url).path or "/"
        return any(_url_matches(p, path if p.startswith("/") else url) for p in self.patterns)


def _url_matches(pattern: str, value: str) -> bool:
    if any(c in pattern for c in "*?["):
        return fnmatchcase(value, pattern)
    if value == pattern:
        return True
    base = pattern.rstrip("/")
    return value.startswith(base + "/") or value.startswith(base + "?")
