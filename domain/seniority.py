"""A job title's seniority: `c_level`, `vp`, `director`, `manager`, `individual`, `student`.

The rules file may give its own map (`seniority:` level -> title patterns); patterns are
case-insensitive regular expressions matched as whole words, and the levels are tried
from the most senior down, so "VP, Director of Sales" is `vp`.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache


class Seniority(StrEnum):
    c_level = "c_level"
    vp = "vp"
    director = "director"
    manager = "manager"
    individual = "individual"
    student = "student"


DEFAULT_PATTERNS: dict[Seniority, tuple[str, ...]] = {
    Seniority.student: (r"student", r"intern", r"phd candidate", r"undergraduate"),
    Seniority.c_level: (
        r"c[etofimrspd]o",
        r"chief\b.*",
        r"founder",
        r"co-?founder",
        r"president",
        r"managing director",
        r"general manager",
    ),
    Seniority.vp: (r"vp", r"svp", r"evp", r"avp", r"vice[- ]president", r"head of .*"),
    Seniority.director: (r"director", r"dir\.?"),
    Seniority.manager: (r"manager", r"mgr", r"lead", r"team lead", r"supervisor"),
    Seniority.individual: (
        r"engineer",
        r"developer",
        r"analyst",
        r"specialist",
        r"consultant",
        r"associate",
        r"representative",
        r"designer",
        r"scientist",
        r"administrator",
        r"architect",
        r"coordinator",
        r"accountant",
    ),
}
# "Vice President" is vp before "president" is c_level; a student intern is a student.
ORDER = (
    Seniority.student,
    Seniority.vp,
    Seniority.c_level,
    Seniority.director,
    Seniority.manager,
    Seniority.individual,
)


class SeniorityMap:
    """Compiled patterns, one alternation per level, tried in `ORDER`."""

    def __init__(self, overrides: dict[str, list[str]] | None = None) -> None:
        patterns = dict(DEFAULT_PATTERNS)
        for level, own in (overrides or {}).items():
            patterns[Seniority(level)] = tuple(own)
        self._levels = tuple(
            (level, _compile(patterns[level])) for level in ORDER if patterns.get(level)
        )

    def of(self, title: str | None) -> Seniority | None:
        """The level of a job title; None when no pattern matches (unknown)."""
        if not title:
            return None
        for level, pattern in self._levels:
            if pattern.search(title):
                return level
        return None


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(patterns) + r")(?![\w-])", re.IGNORECASE)


def check_pattern(pattern: str) -> str:
    """A title pattern that compiles, or a ValueError saying why not."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{pattern!r} is not a valid pattern: {exc}") from None
    return pattern


@lru_cache(maxsize=1)
def default_map() -> SeniorityMap:
    return SeniorityMap()
