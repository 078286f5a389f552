"""The rules file in force, parsed once per change of the file rather than per page."""

from __future__ import annotations

from pathlib import Path

from activities.rules_file import load_rules_file
from domain.rules import RoutingRules, RulesError

_cache: dict[Path, tuple[float, int, RoutingRules]] = {}


def rules_in_force(path: Path) -> RoutingRules:
    """The parsed rules; RulesError (with the file, line and key) when they are bad."""
    try:
        stat = path.stat()
    except OSError:
        return load_rules_file(path)  # says the file cannot be read, and why
    cached = _cache.get(path)
    if cached and cached[0] == stat.st_mtime and cached[1] == stat.st_size:
        return cached[2]
    rules = load_rules_file(path)
    _cache[path] = (stat.st_mtime, stat.st_size, rules)
    return rules


def rules_or_problem(path: Path) -> RoutingRules:
    """The rules a page needs, or its error page saying what is wrong with the file."""
    from starter.console.access import PageProblem

    try:
        return rules_in_force(path)
    except RulesError as exc:
        raise PageProblem(503, "The rules file cannot be read", str(exc),
                          "fix it (`lead-router rules check`), or see the Rules page") from None  # fmt: skip
